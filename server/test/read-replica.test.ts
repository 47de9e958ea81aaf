// DATABASE_READ_URL: dashboard reads go to a second connection (here: another login role on the same server),
// in READ ONLY transactions, still under row-level security; writes stay on the primary.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { withPrincipal } from '../src/db/tenant.js';
import type { App, AppDeps } from '../src/http/context.js';
import { createServices } from '../src/services.js';
import { buildWorld, call, type World } from './isolation-world.js';
import { call as aCall, assignNumber, createNumber, insertCalls } from './support/fixtures.js';

const url = process.env.TEST_DATABASE_URL;

describe('DATABASE_READ_URL configuration', () => {
  it('needs DATABASE_URL, and is passed through to the database target', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://r@h/db' })).toThrow(ConfigError);
    const config = loadConfig({ DATABASE_URL: 'postgres://w@h/db', DATABASE_READ_URL: 'postgres://r@h/db' });
    expect(config.database).toMatchObject({ kind: 'postgres', readUrl: 'postgres://r@h/db' });
    expect(loadConfig({ DATABASE_URL: 'postgres://w@h/db' }).database).toMatchObject({ readUrl: null });
  });
});

describe.skipIf(!url)('dashboard reads on a read connection (PostgreSQL)', () => {
  const role = `vs_reader_${randomBytes(4).toString('hex')}`;
  const appName = `victorysync-read-${randomBytes(3).toString('hex')}`;
  let w: World;
  let reader: Database;
  let app: App;
  let deps: AppDeps;
  const admin = new pg.Client({ connectionString: url });

  beforeAll(async () => {
    await admin.connect();
    // A login role that may only become victorysync_app: like a replica's connection, it owns nothing.
    await admin.query(`CREATE ROLE ${role} LOGIN NOINHERIT`);
    await admin.query(`GRANT victorysync_app TO ${role}`);
    w = await buildWorld('postgres');
    const a = await createNumber(w.database, '+12125550101');
    const b = await createNumber(w.database, '+13105550102');
    await assignNumber(w.database, w.orgA, a);
    await assignNumber(w.database, w.orgB, b);
    // Today in the org's zone (UTC), as range=day reads it: an hour ago, or halfway since midnight when the
    // test runs in the first hour of the day.
    const now = Date.now();
    const midnight = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
    const at = new Date(now - Math.min(3_600_000, (now - midnight) / 2));
    await insertCalls(w.database, [
      aCall({ businessNumber: '+12125550101', startedAt: at }),
      aCall({ businessNumber: '+12125550101', startedAt: at, status: 'missed' }),
      aCall({ businessNumber: '+13105550102', startedAt: at }),
    ]);
    const readUrl = new URL(url as string);
    readUrl.username = role;
    readUrl.password = '';
    readUrl.searchParams.set('application_name', appName);
    reader = await openDatabase({
      kind: 'postgres',
      url: readUrl.toString(),
      poolSize: 2,
      searchPath: w.database.schema,
    });
    deps = createServices({ ...w.deps, database: { ...w.database, readDb: reader.db } });
    app = createApp(deps);
  });

  afterAll(async () => {
    await deps.auth.keys.close();
    await reader?.close();
    await w?.close();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  const asAdminA = () => ({ session: w.users.adminA.session });

  it('answers dashboards with the same figures as the primary, from connections of the read role', async () => {
    for (const path of [
      `/api/client-metrics?org_id=${w.orgA}&range=day`,
      `/api/calls/series?org_id=${w.orgA}&range=day`,
      `/api/calls/recent?org_id=${w.orgA}`,
      `/api/calls?org_id=${w.orgA}`,
    ]) {
      const viaReplica = await call(app, 'GET', path, { as: asAdminA() });
      const viaPrimary = await call(w.app, 'GET', path, { as: asAdminA() });
      expect(viaReplica.status, path).toBe(200);
      const [r, p] = [await viaReplica.json(), await viaPrimary.json()];
      expect(JSON.stringify(r).replace(/"(periodEnd|to)":"[^"]*"/g, ''), path).toBe(
        JSON.stringify(p).replace(/"(periodEnd|to)":"[^"]*"/g, ''),
      );
    }
    const metrics = (await (
      await call(app, 'GET', `/api/client-metrics?org_id=${w.orgA}&range=day`, { as: asAdminA() })
    ).json()) as { metrics: { total_calls: number; answered_calls: number } };
    expect(metrics.metrics).toMatchObject({ total_calls: 2, answered_calls: 1 });
    const seen = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND application_name = $2',
      [role, appName],
    );
    expect(seen.rows[0]?.n).toBeGreaterThan(0);
  });

  it('keeps row-level security on the read connection: org A never sees org B calls', async () => {
    const res = await call(app, 'GET', `/api/calls?org_id=${w.orgA}`, { as: asAdminA() });
    const body = (await res.json()) as { items: Array<{ businessNumber: string }> };
    expect(body.items.map((i) => i.businessNumber).sort()).toEqual(['+12125550101', '+12125550101']);
    const other = await call(app, 'GET', `/api/calls?org_id=${w.orgB}`, { as: asAdminA() });
    expect(other.status).toBe(404);
    // Straight on the read connection, unscoped, as org A's admin: only A's calls.
    const rows = await withPrincipal(
      reader.db,
      { kind: 'user', userId: w.users.adminA.id, platformAdmin: false, sessionId: null, actingKeyId: null },
      (tx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM calls`.execute(tx),
      { readOnly: true },
    );
    expect(rows.rows[0]?.n).toBe(2);
  });

  it('refuses writes in read transactions; writes through the API still land on the primary', async () => {
    await expect(
      withPrincipal(
        reader.db,
        { kind: 'system', reason: 'test' },
        (tx) => tx.insertInto('phone_numbers').values({ e164: '+14155550199' }).execute(),
        { readOnly: true },
      ),
    ).rejects.toThrow(/read-only transaction/);
    const created = await call(app, 'POST', '/api/admin/phone-numbers', {
      as: { session: w.users.platformAdmin.session },
      body: { number: '+1 415 555 0199' },
    });
    expect(created.status).toBe(201);
  });
});
