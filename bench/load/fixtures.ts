// What the load benchmark needs in the bench schema, made idempotently through the API as the bench platform
// admin: 20 org managers (one per bench org) signed in, one API key per org, a MightyCall connection to the
// in-process simulator, and a small "live" org owning one simulator number (for the live-stream check).
import { benchTopology, type Topology } from '@victorysync/datagen';
import type { RunningSimulator } from '@victorysync/mightycall-sim';
import { startSimulator } from '@victorysync/mightycall-sim';
import type pg from 'pg';
import { BENCH_ADMIN, BENCH_SEED } from '../dataset.js';
import { Api, ApiError, login } from './api.js';

export const LOAD_PASSWORD = 'bench-load-password-not-secret';
export const LOAD_KEY_NAME = 'bench-load';
export const SIM_ACCOUNT = 'bench-load-sim';
export const SIM_API_KEY = 'bench-load-sim-api-key';
export const SIM_USER_KEY = 'bench-load-sim-user-key';
const LIVE_ORG_SLUG = 'bench-load-live';

/** The simulator account's numbers: three take the ingestion load, one belongs to the live org. */
export const INGEST_NUMBERS = ['+19295550101', '+19295550102', '+19295550103'];
export const LIVE_NUMBER = '+19295550199';
export const SIM_EXTENSIONS = ['201', '202', '203', '204', '205', '206'];

const SIM_TOPOLOGY: Topology = {
  orgs: [{ key: 'load', name: 'Bench load', slug: 'bench-load', timezone: 'America/New_York' }],
  agents: SIM_EXTENSIONS.map((extension, i) => ({
    extension,
    name: `Load Agent ${i + 1}`,
    email: `load-agent-${extension}@sim.example`,
    orgKey: 'load',
  })),
  numbers: [...INGEST_NUMBERS, LIVE_NUMBER].map((e164, i) => ({
    e164,
    label: e164 === LIVE_NUMBER ? 'Load live line' : `Load line ${i + 1}`,
    orgKeys: ['load'],
    callsPerDay: 1,
    queue: 'Load',
  })),
};

export interface LoadOrg {
  id: string;
  slug: string;
}

export interface Fixtures {
  orgs: LoadOrg[];
  /** session cookie of each org's manager, aligned with `orgs` */
  cookies: string[];
  /** one org API key per org, aligned with `orgs` */
  keys: string[];
  adminCookie: string;
  connectionId: string;
  /** /api/webhooks/mightycall/:id/:token */
  hookPath: string;
  liveOrgId: string;
}

export function startLoadSimulator(): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    demo: false,
    accounts: [
      {
        apiKey: SIM_API_KEY,
        adminUserKey: SIM_USER_KEY,
        name: 'Bench load',
        historyDays: 0,
        topology: SIM_TOPOLOGY,
        seedDeletedNumbers: false,
        quotaLimit: 100_000_000,
      },
    ],
  });
}

/**
 * Before the first server starts: the previous run's connection (its secrets were sealed with another
 * throwaway key), its inbox and live rows (cascade), the calls it ingested, its quota counters and the
 * revoked keys of earlier runs go.
 */
export async function forgetPreviousRun(owner: pg.Pool): Promise<void> {
  await owner.query('delete from mightycall_connections where provider_account = $1', [SIM_ACCOUNT]);
  await owner.query(
    `delete from calls where business_number_id in (select id from phone_numbers where provider_account = $1)`,
    [SIM_ACCOUNT],
  );
  await owner.query('delete from mightycall_quota_usage where provider_account = $1', [SIM_ACCOUNT]);
  await owner.query('delete from mightycall_quota_accounts where provider_account = $1', [SIM_ACCOUNT]);
  // Keys of earlier runs are revoked when new ones are made; their rows need not pile up.
  await owner.query('delete from api_keys where name = $1 and revoked_at is not null', [LOAD_KEY_NAME]);
}

/**
 * VACUUM ANALYZE of the tables a run churns (the webhook inbox and live state: every event inserted then marked
 * processed, every call's live row rewritten). PostgreSQL on this machine runs with autovacuum off; in
 * production autovacuum would have cleaned up after an earlier run, so a run starts from what it would find.
 */
export async function vacuumChurnedTables(owner: pg.Pool): Promise<void> {
  for (const table of [
    'mightycall_webhook_inbox',
    'mightycall_live_calls',
    'mightycall_live_legs',
    'mightycall_live_version',
    'mightycall_quota_usage',
    'calls',
    'sessions',
    'api_keys',
  ]) {
    await owner.query(`vacuum analyze ${table}`);
  }
}

/** The first 20 orgs of the bench topology (the largest one first), with their ids. */
export async function benchOrgs(owner: pg.Pool, count: number): Promise<LoadOrg[]> {
  const slugs = benchTopology({ seed: BENCH_SEED })
    .orgs.slice(0, count)
    .map((o) => o.slug);
  const rows = await owner.query<{ id: string; slug: string }>(
    'select id, slug from organizations where slug = any($1::text[])',
    [slugs],
  );
  const bySlug = new Map(rows.rows.map((r) => [r.slug, r.id]));
  const orgs = slugs.map((slug) => ({ slug, id: bySlug.get(slug) ?? '' }));
  const missing = orgs.filter((o) => !o.id).map((o) => o.slug);
  if (missing.length > 0) throw new Error(`bench orgs missing (is the dataset loaded?): ${missing.join(', ')}`);
  return orgs;
}

const emailOf = (i: number) => `bench-load-${String(i + 1).padStart(2, '0')}@victorysync.dev`;

interface UserListItem {
  id: string;
  email: string;
  memberships: Array<{ orgId: string; role: string }>;
}

/** One org manager per org (created, re-passworded or given the membership as needed), each signed in. */
async function ensureManagers(admin: Api, orgs: LoadOrg[]): Promise<string[]> {
  const { users } = await admin.json<{ users: UserListItem[] }>('GET', '/api/admin/users?q=bench-load-');
  const byEmail = new Map(users.map((u) => [u.email, u]));
  const cookies: string[] = [];
  for (const [i, org] of orgs.entries()) {
    const email = emailOf(i);
    let user = byEmail.get(email);
    if (!user) {
      const created = await admin.json<{ user: { id: string } }>('POST', '/api/admin/users', {
        email,
        password: LOAD_PASSWORD,
        displayName: `Bench load manager ${i + 1}`,
      });
      user = { id: created.user.id, email, memberships: [] };
    }
    if (!user.memberships.some((m) => m.orgId === org.id)) {
      await admin.json('POST', `/api/admin/orgs/${org.id}/members`, { userId: user.id, role: 'org_manager' });
    }
    let cookie: string;
    try {
      cookie = await login(admin.base, email, LOAD_PASSWORD);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      await admin.json('PATCH', `/api/admin/users/${user.id}`, { password: LOAD_PASSWORD, disabled: false });
      cookie = await login(admin.base, email, LOAD_PASSWORD);
    }
    cookies.push(cookie);
  }
  return cookies;
}

/** A fresh read key per org; the previous run's keys (same name) are revoked, so only these work. */
async function freshKeys(admin: Api, orgs: LoadOrg[]): Promise<string[]> {
  const keys: string[] = [];
  for (const org of orgs) {
    const { apiKeys } = await admin.json<{ apiKeys: Array<{ id: string; name: string; status: string }> }>(
      'GET',
      `/api/orgs/${org.id}/api-keys`,
    );
    for (const old of apiKeys.filter((k) => k.name === LOAD_KEY_NAME && k.status === 'active')) {
      await admin.json('DELETE', `/api/orgs/${org.id}/api-keys/${old.id}`);
    }
    const created = await admin.json<{ key: string }>('POST', `/api/orgs/${org.id}/api-keys`, {
      name: LOAD_KEY_NAME,
      scopes: ['metrics:read', 'calls:read'],
    });
    keys.push(created.key);
  }
  return keys;
}

interface ConnectionView {
  id: string;
  status: string;
  lastError: string | null;
  webhookUrl: string;
}

/** Connects the simulator account and waits for its first sync (numbers, agents, calls) to finish. */
async function connectSimulator(admin: Api, simUrl: string): Promise<ConnectionView> {
  const { connection } = await admin.json<{ connection: ConnectionView }>('POST', '/api/admin/mightycall/connections', {
    name: 'Bench load simulator',
    host: 'custom',
    baseUrl: simUrl,
    apiKey: SIM_API_KEY,
    userKey: SIM_USER_KEY,
    providerAccount: SIM_ACCOUNT,
    dailyQuota: 1_000_000,
    initialSyncDays: 1,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { connection: now } = await admin.json<{ connection: ConnectionView }>(
      'GET',
      `/api/admin/mightycall/connections/${connection.id}`,
    );
    if (now.status === 'ok') return now;
    if (now.status === 'error') throw new Error(`simulator connection failed to sync: ${now.lastError}`);
    if (Date.now() > deadline) throw new Error(`simulator connection still ${now.status} after 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The live org (found by slug or created) with the simulator's live number assigned. */
async function ensureLiveOrg(admin: Api, owner: pg.Pool): Promise<string> {
  const { orgs } = await admin.json<{ orgs: Array<{ id: string; slug: string }> }>('GET', '/api/admin/orgs');
  let id = orgs.find((o) => o.slug === LIVE_ORG_SLUG)?.id;
  if (!id) {
    const created = await admin.json<{ org: { id: string } }>('POST', '/api/admin/orgs', {
      name: 'Bench load live',
      slug: LIVE_ORG_SLUG,
      timezone: 'America/New_York',
    });
    id = created.org.id;
  }
  const number = await owner.query<{ id: string }>('select id from phone_numbers where e164 = $1', [LIVE_NUMBER]);
  const numberId = number.rows[0]?.id;
  if (!numberId) throw new Error(`the simulator number ${LIVE_NUMBER} was not synced`);
  await admin.json('POST', `/api/admin/orgs/${id}/phone-numbers`, { phoneNumberIds: [numberId] });
  return id;
}

export async function prepareFixtures(base: string, owner: pg.Pool, sim: RunningSimulator): Promise<Fixtures> {
  const adminCookie = await login(base, BENCH_ADMIN.email, BENCH_ADMIN.password);
  const admin = new Api(base, { cookie: adminCookie });
  const orgs = await benchOrgs(owner, 20);
  const cookies = await ensureManagers(admin, orgs);
  const keys = await freshKeys(admin, orgs);
  const connection = await connectSimulator(admin, sim.url);
  const liveOrgId = await ensureLiveOrg(admin, owner);
  return {
    orgs,
    cookies,
    keys,
    adminCookie,
    connectionId: connection.id,
    hookPath: new URL(connection.webhookUrl).pathname,
    liveOrgId,
  };
}
