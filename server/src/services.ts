// The composition root's one factory: every long-lived service of a server, built once from the config, database
// and logger, and passed on as AppDeps (nothing is looked up by app, and nothing needs configuring first).

import { alertEvaluatorKind } from './alerts/evaluate.js';
import { alertWebhookKind } from './alerts/webhook.js';
import { passwordResetKind } from './auth/account-tokens.js';
import { KeyVerifier } from './auth/key-verifier.js';
import { DEFAULT_LIMITS, LoginThrottle } from './auth/login-throttle.js';
import { DEFAULT_MAIL_LIMITS, MailThrottle } from './auth/mail-throttle.js';
import { type AuthRuntime, KnownOrgs } from './auth/runtime.js';
import { SessionCache } from './auth/sessions.js';
import { createSupabaseVerifier } from './auth/supabase.js';
import { ThrottleStore, throttlePruneKind } from './auth/throttle-store.js';
import type { CoreDeps } from './core-deps.js';
import { ReadRouting } from './db/read-routing.js';
import { Lifecycle } from './health/lifecycle.js';
import { Telemetry } from './health/telemetry.js';
import type { AppDeps } from './http/context.js';
import { DashboardCache } from './http/dashboard-cache.js';
import { RouteTable } from './http/route-table.js';
import { JobRunner } from './jobs/runner.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { mailSendKind } from './mail/send-job.js';
import { OrgSettingsMemo } from './metrics/settings.js';
import { systemClock } from './mightycall/client/transport.js';
import { createMightyCallRuntime, type RuntimeOptions } from './mightycall/runtime.js';
import { reportSenderKind } from './reports/send.js';

export interface ServiceOptions {
  /** the MightyCall runtime's secret key (main.ts), clock, retry and poll tuning, webhook cache (tests) */
  mightycall?: RuntimeOptions;
  /** main.ts's, moved along as the process starts and stops (default: ready) */
  lifecycle?: Lifecycle;
  /** the job runner's tuning (tests: a faster tick, shorter mail back-off, a mailer of their own) */
  jobs?: {
    tickMs?: number;
    mailBackoff?: { baseMs: number; maxMs: number };
    mailer?: Mailer;
    /** ms between alert evaluations (default: config.alerts.intervalMs) */
    alertIntervalMs?: number;
    webhookBackoff?: { baseMs: number; maxMs: number };
  };
}

/**
 * Builds the services one app uses (createApp takes the result). Nothing starts here: main.ts starts the job
 * runner and the MightyCall jobs once listening, and on shutdown stops them (jobs.stop, mightycall.stop) and writes
 * pending API-key usage (auth.keys.close) before closing the database.
 */
export function createServices(core: CoreDeps, options: ServiceOptions = {}): AppDeps {
  const { config, database, logger } = core;
  const base: CoreDeps = { config, database, logger };
  // The sign-in and mail throttles count in the database: their limits hold across every process.
  const throttles = new ThrottleStore(
    database.db,
    Math.max(DEFAULT_LIMITS.accountWindowMs, DEFAULT_LIMITS.addressWindowMs, DEFAULT_MAIL_LIMITS.windowMs),
  );
  const auth: AuthRuntime = {
    deps: base,
    keys: new KeyVerifier(database.db, {
      cacheMs: config.auth.keyCacheMs,
      rateLimit: config.auth.keyRateLimit,
      logger,
    }),
    sessions: new SessionCache(config.auth.sessionCacheMs),
    supabase: config.auth.supabase ? createSupabaseVerifier(database.db, config.auth.supabase, logger) : null,
    throttle: new LoginThrottle(throttles),
    mailThrottle: new MailThrottle(throttles),
    orgs: new KnownOrgs(config.auth.keyCacheMs),
  };
  const reads = new ReadRouting({ primary: database.db, replica: database.readDb, logger });
  // The one job runner: every kind of background work registers here (main.ts starts and stops it).
  const clock = options.mightycall?.clock ?? systemClock;
  const jobs = new JobRunner({
    db: database.db,
    clock,
    logger,
    ...(options.jobs?.tickMs ? { tickMs: options.jobs.tickMs } : {}),
  });
  const mailer = options.jobs?.mailer ?? createMailer(config.mail);
  jobs.register(
    mailSendKind({
      db: database.db,
      mailer,
      clock,
      logger,
      ...(options.jobs?.mailBackoff ? { backoff: options.jobs.mailBackoff } : {}),
    }),
  );
  jobs.register(passwordResetKind(database.db));
  jobs.registerRecurring(throttlePruneKind(throttles, clock));
  const mightycall = createMightyCallRuntime(base, jobs, options.mightycall);
  // Alerts: evaluated on the runner under a lease (one process at a time), webhooks sent as queued jobs.
  jobs.registerRecurring(
    alertEvaluatorKind({
      db: database.db,
      clock,
      logger,
      intervalMs: options.jobs?.alertIntervalMs ?? config.alerts.intervalMs,
      publicUrl: config.publicUrl,
    }),
  );
  jobs.register(
    alertWebhookKind({
      db: database.db,
      clock,
      logger,
      box: () => mightycall.box(),
      allowPrivate: config.alerts.webhookAllowPrivate,
      ...(options.jobs?.webhookBackoff ? { backoff: options.jobs.webhookBackoff } : {}),
    }),
  );
  // Scheduled reports: each due schedule is a key of one recurring kind, sent under its lease and row lock.
  jobs.registerRecurring(reportSenderKind({ db: database.db, clock, logger, publicUrl: config.publicUrl }));
  return {
    ...base,
    auth,
    jobs,
    mailer,
    mightycall,
    dashboard: new DashboardCache(config.dashboardCacheMs),
    orgSettings: new OrgSettingsMemo(),
    routes: new RouteTable(),
    reads,
    lifecycle: options.lifecycle ?? new Lifecycle(),
    // Node's process metrics only where /metrics is served (they run timers and observers of their own).
    telemetry: new Telemetry(database, { defaults: config.metricsToken !== null, reads }),
  };
}
