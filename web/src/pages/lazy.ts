// Screens loaded on demand, each able to load ahead of its first render (prefetch.ts loads the dashboard's).
import { type ComponentType, createElement, type FunctionComponent, useEffect, useState } from 'react';
import { Loading } from '../components/States';

export interface LazyScreen extends FunctionComponent {
  /** starts loading the screen's code; resolves once it is ready to render without suspending */
  preload: () => Promise<void>;
}

/**
 * A screen whose code loads on demand, without React.lazy: lazy suspends on its first render even when the code
 * is already there, and React then holds the reveal back (about 300 ms after a fallback shows). This renders the
 * screen at once when preload() has loaded it, and otherwise shows "Loading…" until it has (a plain state
 * update, nothing held back). A failed load is thrown to the nearest error boundary; the next attempt retries.
 */
export function lazyScreen(load: () => Promise<{ default: ComponentType }>): LazyScreen {
  let loaded: ComponentType | null = null;
  let loading: Promise<void> | null = null;
  const preload = () => {
    loading ??= load().then(
      (module) => {
        loaded = module.default;
      },
      (error: unknown) => {
        loading = null;
        throw error;
      },
    );
    return loading;
  };
  const Screen: FunctionComponent = () => {
    const [screen, setScreen] = useState<{ component: ComponentType } | null>(() =>
      loaded ? { component: loaded } : null,
    );
    const [failure, setFailure] = useState<{ error: unknown } | null>(null);
    useEffect(() => {
      if (screen) return;
      let current = true;
      preload().then(
        () => current && loaded && setScreen({ component: loaded }),
        (error: unknown) => current && setFailure({ error }),
      );
      return () => {
        current = false;
      };
    }, [screen]);
    if (failure) throw failure.error;
    return screen ? createElement(screen.component) : createElement(Loading);
  };
  return Object.assign(Screen, { preload });
}

export const Dashboard = lazyScreen(() => import('./dashboard/Dashboard'));
export const Calls = lazyScreen(() => import('./calls/Calls'));
export const CallDetailPage = lazyScreen(() => import('./calls/CallDetail'));
export const Wallboard = lazyScreen(() => import('./live/Wallboard'));
export const OrgSettings = lazyScreen(() => import('./settings/OrgSettings'));
export const OrgAudit = lazyScreen(() => import('./audit/OrgAudit'));
export const OrgAlerts = lazyScreen(() => import('./alerts/Alerts'));
export const OrgReports = lazyScreen(() => import('./reports/Reports'));
export const AdminPortfolio = lazyScreen(() => import('./admin/Portfolio'));
export const AdminOrgs = lazyScreen(() => import('./admin/Orgs'));
export const AdminOrgDetail = lazyScreen(() => import('./admin/OrgDetail'));
export const AdminNumbers = lazyScreen(() => import('./admin/Numbers'));
export const AdminUsers = lazyScreen(() => import('./admin/Users'));
export const AdminKeys = lazyScreen(() => import('./admin/PlatformKeys'));
export const AdminAudit = lazyScreen(() => import('./admin/Audit'));
export const AdminMightyCall = lazyScreen(() => import('./admin/MightyCall'));
export const AdminSentMail = lazyScreen(() => import('./admin/SentMail'));
export const AdminMailMessage = lazyScreen(() =>
  import('./admin/SentMail').then((module) => ({ default: module.MailMessagePage })),
);
