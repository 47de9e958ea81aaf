// The typed Hono environment every route shares: dependencies, request id, the resolved principal and route context.
import type { HttpBindings } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal.js';
import type { AuthRuntime } from '../auth/runtime.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Lifecycle } from '../health/lifecycle.js';
import type { Telemetry } from '../health/telemetry.js';
import type { OrgSettingsMemo } from '../metrics/service.js';
import type { MightyCallRuntime } from '../mightycall/runtime.js';
import type { DashboardCache } from './dashboard-cache.js';
import type { Logger } from './logger.js';
import type { RouteContext, RouteTable } from './route.js';

/** What every long-lived service is built from (main.ts opens them). */
export interface CoreDeps {
  config: Config;
  database: Database;
  logger: Logger;
}

/** The core plus every long-lived service, each built once by createServices (services.ts). */
export interface AppDeps extends CoreDeps {
  auth: AuthRuntime;
  mightycall: MightyCallRuntime;
  dashboard: DashboardCache;
  /** the settings each org had when this process last read them (metrics/service.ts) */
  orgSettings: OrgSettingsMemo;
  /** every route defineRoute registers on the app built from these deps */
  routes: RouteTable;
  /** where the process is in its life (GET /ready) */
  lifecycle: Lifecycle;
  /** this process's Prometheus metrics (GET /metrics) */
  telemetry: Telemetry;
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
