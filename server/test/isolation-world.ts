// A populated world for identity tests: two orgs, one user per role, sessions, and API keys of every kind.
import { createApp } from '../src/app.js';
import type { Scope } from '../src/auth/permissions.js';
import { systemPrincipal } from '../src/auth/principal.js';
import { createSession } from '../src/auth/sessions.js';
import { generateApiKey } from '../src/auth/tokens.js';
import { type Config, loadConfig } from '../src/config.js';
import { withPrincipal } from '../src/db/tenant.js';
import type { App, AppDeps } from '../src/http/context.js';
import { createLogger } from '../src/http/logger.js';
import { ErrorSchema } from '../src/http/route.js';
import { createServices, type ServiceOptions } from '../src/services.js';
import { openTestDatabase, type TestDatabase, type TestTarget } from './support/database.js';
import { createOrg, createUser } from './support/fixtures.js';

export const ORIGIN = 'http://localhost';
const SYSTEM = systemPrincipal('identity test world');

export type SessionActor = 'platformAdmin' | 'adminA' | 'managerA' | 'agentA' | 'adminB';

export interface World {
  database: TestDatabase;
  app: App;
  deps: AppDeps;
  orgA: string;
  orgB: string;
  users: Record<SessionActor, { id: string; email: string; session: string }>;
  /** an org-A key with every org scope, a platform key with every scope but act_as, a revoked org-A key */
  keys: { orgA: string; platform: string; revoked: string };
  logLines: string[];
  /** a fresh org key of org A with exactly these scopes */
  orgKey(orgId: string, scopes: Scope[], options?: { expiresAt?: Date }): Promise<string>;
  platformKey(scopes: Scope[]): Promise<string>;
  session(userId: string): Promise<string>;
  close(): Promise<void>;
}

export type Credential = { session: string } | { key: string } | { headers: Record<string, string> } | null;

export function headersFor(credential: Credential): Record<string, string> {
  if (credential === null) return {};
  if ('session' in credential) return { cookie: `vs_session=${credential.session}`, origin: ORIGIN };
  if ('key' in credential) return { authorization: `Bearer ${credential.key}` };
  return credential.headers;
}

export async function call(
  app: App,
  method: string,
  path: string,
  options: { as?: Credential; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...headersFor(options.as ?? null) };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers ?? {});
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
}

export async function insertKey(
  database: TestDatabase,
  kind: 'org' | 'platform',
  orgId: string | null,
  scopes: string[],
  options: { expiresAt?: Date; revoked?: boolean; createdBy?: string } = {},
): Promise<string> {
  const secret = generateApiKey(kind);
  await withPrincipal(database.db, SYSTEM, async (tx) => {
    // Keys are made by someone allowed to: an admin of the org, else a platform admin.
    const orgAdmin = orgId
      ? await tx
          .selectFrom('org_memberships')
          .select('user_id')
          .where('org_id', '=', orgId)
          .where('role', '=', 'org_admin')
          .executeTakeFirst()
      : undefined;
    const platformAdmin = await tx
      .selectFrom('users')
      .select('id')
      .where('platform_role', '=', 'platform_admin')
      .executeTakeFirst();
    await tx
      .insertInto('api_keys')
      .values({
        kind,
        org_id: orgId,
        created_by: options.createdBy ?? orgAdmin?.user_id ?? platformAdmin?.id ?? null,
        name: `${kind} test key`,
        key_hash: secret.hash,
        prefix: secret.prefix,
        last4: secret.last4,
        scopes,
        expires_at: options.expiresAt ?? null,
        revoked_at: options.revoked ? new Date() : null,
      })
      .execute();
  });
  return secret.key;
}

export async function buildWorld(
  target: TestTarget,
  env: Record<string, string> = {},
  configure: (config: Config) => void = () => {},
  options: ServiceOptions = {},
): Promise<World> {
  const database = await openTestDatabase(target);
  const config = loadConfig({ VICTORYSYNC_KEY_RATE_LIMIT: '100000', VICTORYSYNC_SECRET_KEY: '11'.repeat(32), ...env });
  configure(config);
  const logLines: string[] = [];
  const logger = createLogger('debug', (line) => logLines.push(line));
  const deps = createServices({ config, database, logger }, options);
  const app = createApp(deps);
  const orgA = await createOrg(database, 'Acme Plumbing');
  const orgB = await createOrg(database, 'Bayside Dental');
  const session = async (userId: string) =>
    (await createSession(database.db, userId, { ip: null, userAgent: 'vitest' }, config.auth)).token;
  const user = async (email: string, options: Parameters<typeof createUser>[2]) => {
    const id = await createUser(database, email, options);
    return { id, email, session: await session(id) };
  };
  const users: World['users'] = {
    platformAdmin: await user('root@agency.example', { platformAdmin: true }),
    adminA: await user('admin@acme.example', { memberships: [{ orgId: orgA, role: 'org_admin' }] }),
    managerA: await user('manager@acme.example', { memberships: [{ orgId: orgA, role: 'org_manager' }] }),
    agentA: await user('agent@acme.example', { memberships: [{ orgId: orgA, role: 'agent', extension: '101' }] }),
    adminB: await user('admin@bayside.example', { memberships: [{ orgId: orgB, role: 'org_admin' }] }),
  };
  const orgScopes: Scope[] = ['metrics:read', 'calls:read', 'numbers:read', 'members:read'];
  const platformScopes: Scope[] = [
    ...orgScopes,
    'numbers:write',
    'orgs:admin',
    'users:admin',
    'audit:read',
    'calls:import',
    'mightycall:admin',
  ];
  return {
    database,
    app,
    deps,
    orgA,
    orgB,
    users,
    keys: {
      orgA: await insertKey(database, 'org', orgA, orgScopes),
      platform: await insertKey(database, 'platform', null, platformScopes),
      revoked: await insertKey(database, 'org', orgA, orgScopes, { revoked: true }),
    },
    logLines,
    orgKey: (orgId, scopes, options = {}) => insertKey(database, 'org', orgId, scopes, options),
    platformKey: (scopes) => insertKey(database, 'platform', null, scopes),
    session,
    async close() {
      await deps.auth.keys.close();
      await database.cleanup();
    },
  };
}

/** The error of an error response, checked against the one error shape. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; details?: unknown }> {
  return ErrorSchema.parse(await res.json()).error;
}
