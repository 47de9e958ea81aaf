// GET /health: is the database reachable, and which migration is it on.
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
