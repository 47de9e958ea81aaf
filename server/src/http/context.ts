// The typed Hono environment every route shares: dependencies, request id and the resolved principal.
import type { HttpBindings } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from './logger.js';

export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
}

export interface AppEnv {
  /** what @hono/node-server passes (absent under app.request in tests) */
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    principal: Principal;
  };
}

export type App = OpenAPIHono<AppEnv>;
