// DATABASE_READ_URL on a real streaming replica (support/replica.ts: a private primary and a pg_basebackup standby):
// dashboard reads run there in READ ONLY transactions under row-level security, with the primary's figures once it
// has caught up; a caller who just wrote reads its write (db/read-routing.ts); a stopped replica sends reads to the
// primary until it answers again. Where this machine has no PostgreSQL server programs the replica tests skip.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { withPrincipal } from '../src/db/tenant.js';
import type { App, AppDeps } from '../src/http/context.js';
import { createServices } from '../src/services.js';
import { buildWorld, type Credential, call, type World } from './isolation-world.js';
import { call as aCall, assignNumber, createNumber, insertCalls } from './support/fixtures.js';
import { postgresBinaries, type ReplicaPair, startReplicaPair } from './support/replica.js';

const bin = postgresBinaries();
const READ_ROLE = 'vs_reader';
const APP_NAME = 'victorysync-read-test';

describe('DATABASE_READ_URL configuration', () => {
  it('needs DATABASE_URL, and is passed through to the database target', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://r@h/db' })).toThrow(ConfigError);
    const config = loadConfig({ DATABASE_URL: 'postgres://w@h/db', DATABASE_READ_URL: 'postgres://r@h/db' });
    expect(config.database).toMatchObject({ kind: 'postgres', readUrl: 'postgres://r@h/db' });
    expect(loadConfig({ DATABASE_URL: 'postgres://w@h/db' }).database).toMatchObject({ readUrl: null });
  });
});

describe.skipIf(!bin)('dashboard reads on a streaming replica', () => {
  let pair: ReplicaPair;
  let w: World;
  let reader: Database;
  /** the app under test: reads on the replica */
  let app: App;
  let deps: AppDeps;
  const built: AppDeps[] = [];
  let numberC: string;

  /** Another server process on the same databases (its own memory of who wrote what), cache time as given. */
  const another = (dashboardCacheMs = 0): App => {
    const d = createServices({
      ...w.deps,
      config: { ...w.deps.config, dashboardCacheMs },
      database: { ...w.database, readDb: reader.db },
    });
    built.push(d);
    return createApp(d);
  };

  beforeAll(async () => {
    pair = await startReplicaPair(bin as string);
    w = await buildWorld({ url: pair.primaryUrl }, { VICTORYSYNC_DASHBOARD_CACHE_MS: '0' });
    // A login role that may only become victorysync_app, like a replica user who owns nothing; made on the primary,
    // it reaches the replica by replication like everything else.
    const admin = new pg.Client({ connectionString: pair.primaryUrl });
    await admin.connect();
    await admin.query(`CREATE ROLE ${READ_ROLE} LOGIN NOINHERIT`);
    await admin.query(`GRANT victorysync_app TO ${READ_ROLE}`);
    await admin.end();
    const a = await createNumber(w.database, '+12125550101');
    const b = await createNumber(w.database, '+13105550102');
    numberC = await createNumber(w.database, '+16175550103');
    await assignNumber(w.database, w.orgA, a);
    await assignNumber(w.database, w.orgB, b);
    await insertCalls(w.database, [
      aCall({ businessNumber: '+12125550101', startedAt: earlierToday() }),
      aCall({ businessNumber: '+12125550101', startedAt: earlierToday(), status: 'missed' }),
      aCall({ businessNumber: '+13105550102', startedAt: earlierToday() }),
      // on a number no org has yet
      aCall({ businessNumber: '+16175550103', startedAt: earlierToday() }),
      aCall({ businessNumber: '+16175550103', startedAt: earlierToday() }),
    ]);
    const readUrl = new URL(pair.replicaUrl);
    readUrl.username = READ_ROLE;
    readUrl.searchParams.set('application_name', APP_NAME);
    reader = await openDatabase({
      kind: 'postgres',
      url: readUrl.toString(),
      poolSize: 2,
      searchPath: w.database.schema,
    });
    deps = createServices({ ...w.deps, database: { ...w.database, readDb: reader.db } });
    built.push(deps);
    app = createApp(deps);
    await pair.waitCaughtUp();
  }, 180_000);

  afterAll(async () => {
    for (const d of built) await d.auth.keys.close();
    await reader?.close();
    await w?.close();
    await pair?.close();
  });

  const asAdminA = (): Credential => ({ session: w.users.adminA.session });
  const asManagerA = (): Credential => ({ session: w.users.managerA.session });
  const asPlatformAdmin = (): Credential => ({ session: w.users.platformAdmin.session });
  const totalOf = async (target: App, as: Credential, headers: Record<string, string> = {}) => {
    const res = await call(target, 'GET', `/api/client-metrics?org_id=${w.orgA}&range=day`, { as, headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { metrics: { total_calls: number; service_level_threshold_seconds: number } };
    return body.metrics;
  };
  /** A call on org A's number written straight into the primary (no request: nobody's own write). */
  const callBehindTheApi = () =>
    insertCalls(w.database, [aCall({ businessNumber: '+12125550101', startedAt: earlierToday() })]);

  it("answers dashboards with the primary's figures once caught up, from the replica's connections of the read role", async () => {
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
    expect(await totalOf(app, asAdminA())).toMatchObject({ total_calls: 2, answered_calls: 1 });
    // The reads ran on the replica server, as the read role.
    const replica = new pg.Client({ connectionString: pair.replicaUrl });
    await replica.connect();
    const seen = await replica.query<{ n: number; standby: boolean }>(
      `SELECT count(*)::int AS n, pg_is_in_recovery() AS standby
         FROM pg_stat_activity WHERE usename = $1 AND application_name = $2`,
      [READ_ROLE, APP_NAME],
    );
    await replica.end();
    expect(seen.rows[0]).toEqual({ n: expect.any(Number), standby: true });
    expect(seen.rows[0]?.n).toBeGreaterThan(0);
  });

  it('reads what the replica has replayed: a paused replica shows the past until it catches up', async () => {
    await pair.pauseReplay();
    try {
      await callBehindTheApi();
      expect((await totalOf(w.app, asAdminA())).total_calls).toBe(3);
      expect((await totalOf(app, asAdminA())).total_calls).toBe(2);
    } finally {
      await pair.resumeReplay();
    }
    await pair.waitCaughtUp();
    expect((await totalOf(app, asAdminA())).total_calls).toBe(3);
  });

  it('keeps row-level security on the read connection: org A never sees org B calls', async () => {
    const res = await call(app, 'GET', `/api/calls?org_id=${w.orgA}`, { as: asAdminA() });
    const body = (await res.json()) as { items: Array<{ businessNumber: string }> };
    expect(body.items.map((i) => i.businessNumber)).toEqual(Array(3).fill('+12125550101'));
    const other = await call(app, 'GET', `/api/calls?org_id=${w.orgB}`, { as: asAdminA() });
    expect(other.status).toBe(404);
    // Straight on the read connection, unscoped, as org A's admin: only A's calls.
    const rows = await withPrincipal(
      reader.db,
      { kind: 'user', userId: w.users.adminA.id, platformAdmin: false, sessionId: null, actingKeyId: null },
      (tx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM calls`.execute(tx),
      { readOnly: true },
    );
    expect(rows.rows[0]?.n).toBe(3);
  });

  it('refuses writes on the read connection; writes through the API still land on the primary', async () => {
    await expect(
      withPrincipal(
        reader.db,
        { kind: 'system', reason: 'test' },
        (tx) => tx.insertInto('phone_numbers').values({ e164: '+14155550199' }).execute(),
        { readOnly: true },
      ),
    ).rejects.toThrow(/read-only transaction/);
    const created = await call(app, 'POST', '/api/admin/phone-numbers', {
      as: asPlatformAdmin(),
      body: { number: '+1 415 555 0199' },
    });
    expect(created.status).toBe(201);
    await pair.waitCaughtUp();
  });

  it('shows a caller its own writes at once, on every process, while others read the lagging replica', async () => {
    const cachingProcess = another(60_000);
    let carried: string | null = null;
    await pair.pauseReplay();
    try {
      // A manager's read is cached on the caching process: figures from before the writes below.
      const past = await totalOf(cachingProcess, asManagerA());
      expect(past.total_calls).toBe(3);
      expect(past.service_level_threshold_seconds).not.toBe(45);

      // The platform admin assigns a number with two calls to org A; the org admin changes a setting.
      const assigned = await call(app, 'POST', `/api/admin/orgs/${w.orgA}/phone-numbers`, {
        as: asPlatformAdmin(),
        body: { phoneNumberIds: [numberC] },
      });
      expect(assigned.status).toBe(200);
      carried = readAfterCookie(assigned);
      expect(decodeURIComponent(carried ?? '')).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const changed = await call(app, 'PATCH', `/api/orgs/${w.orgA}/settings`, {
        as: asAdminA(),
        body: { slThresholdSeconds: 45 },
      });
      expect(changed.status).toBe(200);

      // Each writer sees their own change on their next read, here…
      expect((await totalOf(app, asPlatformAdmin())).total_calls).toBe(5);
      expect((await totalOf(app, asAdminA())).service_level_threshold_seconds).toBe(45);
      // …and on a process that has never seen them, by the cookie their write answered with, past its cache.
      const cookie = { cookie: `vs_session=${w.users.platformAdmin.session}; vs_read_after=${carried}` };
      expect((await totalOf(cachingProcess, null, { ...cookie, origin: 'http://localhost' })).total_calls).toBe(5);
      // Without the cookie that process reads the replica, which still shows the past.
      expect((await totalOf(another(), asPlatformAdmin())).total_calls).toBe(3);
      // Someone who wrote nothing reads the lagging replica meanwhile (the primary is not flooded).
      expect(await totalOf(app, asManagerA())).toMatchObject({
        total_calls: 3,
        service_level_threshold_seconds: past.service_level_threshold_seconds,
      });
    } finally {
      await pair.resumeReplay();
    }
    await pair.waitCaughtUp();
    expect(await totalOf(app, asManagerA())).toMatchObject({ total_calls: 5, service_level_threshold_seconds: 45 });
    // Once the replica has replayed the write, the cookie is given back: reads no longer need it.
    const after = await call(app, 'GET', `/api/client-metrics?org_id=${w.orgA}&range=day`, {
      headers: {
        cookie: `vs_session=${w.users.platformAdmin.session}; vs_read_after=${carried}`,
        origin: 'http://localhost',
      },
    });
    expect(after.status).toBe(200);
    expect(after.headers.get('set-cookie')).toMatch(/^vs_read_after=;.*Max-Age=0/);
  });

  it('sends reads to the primary while the replica is stopped, and back to the replica once it answers again', async () => {
    const before = await totalOf(w.app, asAdminA());
    await pair.stopReplica();
    try {
      // The pooled connections died with the server: the read is retried on the primary, and so are the next ones.
      expect(await totalOf(app, asAdminA())).toEqual(before);
      expect(await totalOf(app, asManagerA())).toEqual(before);
      await callBehindTheApi();
      expect((await totalOf(app, asAdminA())).total_calls).toBe(before.total_calls + 1);
    } finally {
      await pair.startReplica();
    }
    const warned = w.logLines.filter((l) => l.includes('read replica unavailable'));
    expect(warned).toHaveLength(1);
    expect(deps.reads.replicaUp).toBe(false);
    await pair.waitCaughtUp();
    // After the retry time one read tries the replica again; from then on reads are the replica's (paused: the past).
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await totalOf(app, asAdminA())).total_calls).toBe(before.total_calls + 1);
    expect(deps.reads.replicaUp).toBe(true);
    expect(w.logLines.some((l) => l.includes('read replica answers again'))).toBe(true);
    await pair.pauseReplay();
    try {
      await callBehindTheApi();
      expect((await totalOf(app, asManagerA())).total_calls).toBe(before.total_calls + 1);
    } finally {
      await pair.resumeReplay();
    }
  });
});

/** Earlier today in UTC (the orgs' zone), as range=day reads it: an hour ago, or halfway since midnight. */
function earlierToday(): Date {
  const now = Date.now();
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return new Date(now - Math.min(3_600_000, (now - midnight) / 2));
}

function readAfterCookie(res: Response): string | null {
  const set = res.headers.get('set-cookie') ?? '';
  return /vs_read_after=([^;]*)/.exec(set)?.[1] ?? null;
}
