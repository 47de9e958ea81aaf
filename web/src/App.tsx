// The route table: sign-in, invite acceptance, password reset and email verification, the signed-in shell (org and platform-admin screens), not-found.
import { useEffect } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router-dom';
import { ErrorState, Loading } from './components/States';
import { useToast } from './components/Toast';
import { isPlatformAdmin, useMe } from './hooks/session';
import { AcceptInvite } from './pages/AcceptInvite';
import { ForgotPassword, ResetPassword, VerifyEmail } from './pages/AccountLinks';
import { Forbidden, NotFound } from './pages/Errors';
import { Home } from './pages/Home';
import {
  AdminAudit,
  AdminKeys,
  AdminMailMessage,
  AdminMightyCall,
  AdminNumbers,
  AdminOrgDetail,
  AdminOrgs,
  AdminPortfolio,
  AdminSentMail,
  AdminUsers,
  CallDetailPage,
  Calls,
  Dashboard,
  OrgAlerts,
  OrgAudit,
  OrgReports,
  OrgSettings,
  Wallboard,
} from './pages/lazy';
import { OrgLayout } from './pages/OrgLayout';
import { Shell } from './pages/Shell';
import { SignIn } from './pages/SignIn';
import { useDocumentTitle } from './pages/titles';

/** Browser errors nobody caught are told to the user, not only to the console. */
function useGlobalErrorToasts() {
  const toast = useToast();
  useEffect(() => {
    const onError = (event: ErrorEvent) => {
      // Browsers report this harmless layout notice as an error; it is not the user's concern.
      if (event.message?.includes('ResizeObserver loop')) return;
      toast.error(event.error ?? event.message, 'Unexpected error');
    };
    const onRejection = (event: PromiseRejectionEvent) => toast.error(event.reason, 'Unexpected error');
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    return () => {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    };
  }, [toast]);
}

function RequireSignIn() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) {
    return (
      <div className="center-page">
        <ErrorState error={me.error} title="Could not reach VictorySync." onRetry={() => me.refetch()} />
      </div>
    );
  }
  if (!me.data)
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <Outlet />;
}

function RequirePlatformAdmin() {
  const me = useMe();
  return isPlatformAdmin(me.data) ? <Outlet /> : <Forbidden what="Platform administration" />;
}

export function App() {
  useGlobalErrorToasts();
  useDocumentTitle();
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      {/* Public: the invited user has no password yet, so this cannot wait behind sign-in. */}
      <Route path="/accept-invite" element={<AcceptInvite />} />
      <Route path="/forgot-password" element={<ForgotPassword />} />
      <Route path="/reset-password" element={<ResetPassword />} />
      <Route path="/verify-email" element={<VerifyEmail />} />
      <Route element={<RequireSignIn />}>
        <Route element={<Shell />}>
          <Route index element={<Home />} />
          <Route path="orgs/:orgId" element={<OrgLayout />}>
            <Route index element={<Dashboard />} />
            <Route path="calls" element={<Calls />} />
            <Route path="calls/:callId" element={<CallDetailPage />} />
            <Route path="live" element={<Wallboard />} />
            <Route path="settings" element={<OrgSettings />} />
            <Route path="audit" element={<OrgAudit />} />
            <Route path="alerts" element={<OrgAlerts />} />
            <Route path="reports" element={<OrgReports />} />
          </Route>
          <Route path="admin" element={<RequirePlatformAdmin />}>
            <Route index element={<Navigate to="portfolio" replace />} />
            <Route path="portfolio" element={<AdminPortfolio />} />
            <Route path="orgs" element={<AdminOrgs />} />
            <Route path="orgs/:orgId" element={<AdminOrgDetail />} />
            <Route path="numbers" element={<AdminNumbers />} />
            <Route path="users" element={<AdminUsers />} />
            <Route path="keys" element={<AdminKeys />} />
            <Route path="audit" element={<AdminAudit />} />
            <Route path="mightycall" element={<AdminMightyCall />} />
            <Route path="mail" element={<AdminSentMail />} />
            <Route path="mail/:mailId" element={<AdminMailMessage />} />
          </Route>
          <Route path="*" element={<NotFound />} />
        </Route>
      </Route>
    </Routes>
  );
}
