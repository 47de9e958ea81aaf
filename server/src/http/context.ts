// The typed Hono environment every route shares: dependencies, request id, the resolved principal and route context.
import type { HttpBindings } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AuditEntry } from '../audit/audit.js';
import type { Caller } from '../auth/caller.js';
import type { Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { AuthRuntime } from '../auth/runtime.js';
import type { CoreDeps } from '../core-deps.js';
import type { ReadRouting } from '../db/read-routing.js';
import type { Tx } from '../db/tenant.js';
import type { Lifecycle } from '../health/lifecycle.js';
import type { Telemetry } from '../health/telemetry.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Mailer } from '../mail/mailer.js';
import type { OrgSettingsMemo } from '../metrics/settings.js';
import type { MightyCallRuntime } from '../mightycall/runtime.js';
import type { DashboardCache } from './dashboard-cache.js';
import type { RouteTable } from './route-table.js';

/** The core plus every long-lived service, each built once by createServices (services.ts). */
export interface AppDeps extends CoreDeps {
  auth: AuthRuntime;
  /** the process's one background job runner (mail, MightyCall sync, …): register kinds, enqueue in a tx */
  jobs: JobRunner;
  /** how mail leaves: SMTP, or captured for the Sent mail page */
  mailer: Mailer;
  mightycall: MightyCallRuntime;
  dashboard: DashboardCache;
  /** the settings each org had when this process last read them (metrics/service.ts) */
  orgSettings: OrgSettingsMemo;
  /** where dashboard reads run: the read replica, or the primary for a caller who has just written (read-your-writes) */
  reads: ReadRouting;
  /** every route defineRoute registers on the app built from these deps */
  routes: RouteTable;
  /** where the process is in its life (GET /ready) */
  lifecycle: Lifecycle;
  /** this process's Prometheus metrics (GET /metrics) */
  telemetry: Telemetry;
}

/** What the route wrapper (http/route.ts) hands a handler once the caller is admitted. */
export interface RouteContext {
  principal: Principal;
  /** the principal plus memberships and the authenticating key */
  caller: Caller;
  /** the authorized org; null for org:'none' routes and for a platform-wide query by a platform admin or key */
  orgId: string | null;
  /** runs work in one transaction as the caller: row-level security applies */
  tenant<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * like tenant, READ ONLY, on the read replica when DATABASE_READ_URL is set (db/read-routing.ts: the primary while
   * the replica has not replayed the caller's own latest write, or is unreachable): for dashboard reads
   */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** the caller may not yet see its own latest write on the replica: share no cached answer with it */
  awaitsOwnWrite: boolean;
  /** appends an audit entry in its own transaction (org defaults to the route's org) */
  audit(entry: AuditEntry): Promise<void>;
  /** appends an audit entry inside `tx`, so it commits with the change it records */
  auditIn(tx: Tx, entry: AuditEntry): Promise<void>;
  /** whether the caller holds another permission (defaults to the route's org) */
  can(permission: Permission, orgId?: string | null): boolean;
  ip: string | null;
  requestId: string;
  auth: AuthRuntime;
}

export interface AppEnv {
  /** what @hono/node-server passes (absent under app.request in tests) */
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    principal: Principal;
    /** set by the route wrapper once the caller is admitted (http/route.ts) */
    route: RouteContext | undefined;
  };
}

export type App = OpenAPIHono<AppEnv>;
