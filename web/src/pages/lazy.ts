// Screens loaded on demand, each able to load ahead of its first render (prefetch.ts loads the dashboard's).
import { type ComponentType, createElement, type FunctionComponent, lazy } from 'react';

export interface LazyScreen extends FunctionComponent {
  /** starts loading the screen's code; resolves once it is ready to render without suspending */
  preload: () => Promise<void>;
}

/**
 * React.lazy suspends on its first render even when the code is already loaded, and React then holds the reveal
 * back (about 300 ms after the fallback shows). A screen whose code preload() has fetched renders directly instead.
 */
export function lazyScreen(load: () => Promise<{ default: ComponentType }>): LazyScreen {
  let loaded: ComponentType | null = null;
  let loading: Promise<void> | null = null;
  const preload = () => {
    loading ??= load().then((module) => {
      loaded = module.default;
    });
    return loading;
  };
  const Lazy = lazy(() => preload().then(() => ({ default: loaded as ComponentType })));
  const Screen: FunctionComponent = () => createElement(loaded ?? Lazy);
  return Object.assign(Screen, { preload });
}

export const Dashboard = lazyScreen(() => import('./dashboard/Dashboard'));
export const Calls = lazyScreen(() => import('./calls/Calls'));
export const CallDetailPage = lazyScreen(() => import('./calls/CallDetail'));
export const Wallboard = lazyScreen(() => import('./live/Wallboard'));
export const OrgSettings = lazyScreen(() => import('./settings/OrgSettings'));
export const OrgAudit = lazyScreen(() => import('./audit/OrgAudit'));
export const AdminOrgs = lazyScreen(() => import('./admin/Orgs'));
export const AdminOrgDetail = lazyScreen(() => import('./admin/OrgDetail'));
export const AdminNumbers = lazyScreen(() => import('./admin/Numbers'));
export const AdminUsers = lazyScreen(() => import('./admin/Users'));
export const AdminKeys = lazyScreen(() => import('./admin/PlatformKeys'));
export const AdminAudit = lazyScreen(() => import('./admin/Audit'));
export const AdminMightyCall = lazyScreen(() => import('./admin/MightyCall'));
