// GET /health (liveness: the process answers; is the database reachable, which migration is it on) and GET /ready
// (readiness: should a proxy or orchestrator send this process work now).
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { currentVersion } from '../db/migrate.js';
import type { App, AppDeps } from '../http/context.js';

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.enum(['up', 'down']),
    databaseKind: z.enum(['pglite', 'postgres']),
    migrationVersion: z.string().nullable(),
    uptimeSeconds: z.number(),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['System'],
  summary: 'Liveness and database reachability',
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'Database unreachable', content: { 'application/json': { schema: HealthSchema } } },
  },
});

const ReadySchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    /** why not ready: start-up migrations running, the database unreachable, or a shutdown begun */
    reason: z.enum(['migrating', 'database', 'stopping']).nullable(),
  })
  .openapi('Readiness');

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['System'],
  summary: 'Readiness: 503 while migrating, while the database is unreachable, and once shutdown has begun',
  responses: {
    200: { description: 'Ready for work', content: { 'application/json': { schema: ReadySchema } } },
    503: { description: 'Not ready', content: { 'application/json': { schema: ReadySchema } } },
  },
});

/** A database that does not answer within this is unreachable as far as readiness goes. */
const READY_PING_MS = 2000;

export function registerHealthRoutes(app: App, deps: AppDeps): void {
  const started = Date.now();
  app.openapi(route, async (c) => {
    const base = { databaseKind: deps.database.kind, uptimeSeconds: Math.round((Date.now() - started) / 1000) };
    try {
      await sql`select 1`.execute(deps.database.db);
      const migrationVersion = await currentVersion(deps.database.db);
      return c.json({ status: 'ok' as const, database: 'up' as const, migrationVersion, ...base }, 200);
    } catch {
      c.header('retry-after', '2');
      return c.json(
        { status: 'unavailable' as const, database: 'down' as const, migrationVersion: null, ...base },
        503,
      );
    }
  });
}

/** Registered beside /health: answers from the lifecycle first, then a bounded ping of the database. */
export function registerReadyRoute(app: App, deps: AppDeps): void {
  app.openapi(readyRoute, async (c) => {
    const notReady = (reason: 'migrating' | 'database' | 'stopping') => {
      c.header('retry-after', '2');
      return c.json({ status: 'unavailable' as const, reason }, 503);
    };
    const phase = deps.lifecycle.phase;
    if (phase !== 'ready') return notReady(phase);
    let timer: NodeJS.Timeout | undefined;
    const reachable = await Promise.race([
      sql`select 1`.execute(deps.database.db).then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_PING_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!reachable) return notReady('database');
    // A shutdown may have begun while the database answered.
    if (deps.lifecycle.phase !== 'ready') return notReady('stopping');
    return c.json({ status: 'ready' as const, reason: null }, 200);
  });
}
