// The route wrapper every module uses: resolves the caller, scopes the org, checks one named permission (default deny).
import { type RouteConfig, type RouteHandler, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { type AuditEntry, recordAudit } from '../audit/audit.js';
import { type Caller, ownOrgIds, permissionsOf, reachesEveryOrg } from '../auth/caller.js';
import { assertSameOrigin } from '../auth/csrf.js';
import { type Permission, SCOPES } from '../auth/permissions.js';
import { resolveCaller } from '../auth/resolve.js';
import type { AuthRuntime } from '../auth/runtime.js';
import { unauthenticated } from '../auth/unauthenticated.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import { clientAddress } from './client-address.js';
import type { App, AppDeps, AppEnv, RouteContext } from './context.js';
import { AppError, orgNotFound } from './errors.js';
import { queryCheck } from './input-guards.js';
import { carriedPosition, forgetCarried, readerOf, rememberWrite } from './read-your-writes.js';
import type { OrgSource } from './route-table.js';

export type HandlerContext<R extends RouteConfig> = Parameters<RouteHandler<R, AppEnv>>[0];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function defineRoute<R extends RouteConfig>(
  app: App,
  deps: AppDeps,
  spec: { route: R; permission: Permission; org: OrgSource },
  handler: (c: HandlerContext<R>, ctx: RouteContext) => Promise<Response> | Response,
): void {
  const path = spec.route.path.replaceAll(/\{(\w+)\}/g, ':$1');
  if (spec.org === 'param' && !path.includes('/:orgId')) {
    throw new Error(`${spec.route.method.toUpperCase()} ${path}: org 'param' needs an {orgId} path parameter`);
  }
  deps.routes.add({ method: spec.route.method.toUpperCase(), path, permission: spec.permission, org: spec.org });

  const existing = spec.route.middleware;
  const routeMiddleware = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  const route = {
    ...spec.route,
    // Authorization runs before input validation: an unauthorized caller learns nothing about the input rules.
    middleware: [authorize(deps, spec), ...queryRules(path, spec.route), ...routeMiddleware],
    responses: { ...standardErrors(spec), ...spec.route.responses },
    description: [spec.route.description, `Requires permission \`${spec.permission}\`.`].filter(Boolean).join('\n\n'),
    ...(spec.permission === 'public' ? {} : { security: [{ session: [] }, { apiKey: [] }] }),
  };
  const run = (c: HandlerContext<R>) => {
    const ctx = c.get('route');
    if (!ctx) throw new Error(`route context missing for ${path}`);
    return handler(c, ctx);
  };
  // The handlers return plain Responses (CSV, streams, JSON); the declared schemas document them.
  app.openapi(route, run as unknown as RouteHandler<typeof route, AppEnv>);
}

/** The shared query-string rules for an API route, with the parameters its schema declares. */
function queryRules(path: string, route: RouteConfig): MiddlewareHandler<AppEnv>[] {
  if (!path.startsWith('/api/') && !path.startsWith('/s/')) return [];
  const query = route.request?.query;
  if (query === undefined) return [queryCheck(new Set())];
  return query instanceof z.ZodObject ? [queryCheck(new Set(Object.keys(query.shape)))] : [];
}

/** The error answers the wrapper itself can give, documented on every route. */
function standardErrors(spec: { permission: Permission; org: OrgSource }) {
  const errors: Record<number, ReturnType<typeof json>> = {
    400: json(ErrorSchema, 'Invalid input; the message names the field'),
  };
  if (spec.permission === 'public') return errors;
  errors[401] = json(ErrorSchema, 'No valid session or API key');
  errors[403] = json(ErrorSchema, `The caller lacks \`${spec.permission}\``);
  if (spec.org !== 'none') errors[404] = json(ErrorSchema, 'The org does not exist or the caller has no access to it');
  errors[429] = json(ErrorSchema, 'The API key exceeded its rate limit (see Retry-After)');
  return errors;
}

function authorize(deps: AppDeps, spec: { permission: Permission; org: OrgSource }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { auth } = deps;
    const caller = await resolveCaller(c, auth, spec.permission !== 'public');
    c.set('principal', caller.principal);
    const rate = caller.key ? consumeRate(auth, caller.key.id) : {};
    // Set now for error answers (built from the context), and again below for responses a handler built itself.
    for (const [name, value] of Object.entries(rate)) c.header(name, value);
    const run = async () => {
      await admitAndRun(c, next, caller, spec, deps, auth);
      // Answers built through the context have them already; a Response the handler made itself does not.
      if (caller.key && !c.res.headers.has('x-ratelimit-limit')) {
        for (const [name, value] of Object.entries(rate)) c.res.headers.set(name, value);
      }
    };
    const p = caller.principal;
    if (p.kind !== 'user' || !p.actingKeyId) return run();
    // Every request made while acting as a user is recorded with both identities, refused ones too.
    let status = 500;
    try {
      await run();
      status = c.res.status;
    } catch (error) {
      if (error instanceof AppError) status = error.status;
      throw error;
    } finally {
      const origin = { caller, ip: clientAddress(c, deps.config.auth.trustedProxies), requestId: c.get('requestId') };
      await withPrincipal(deps.database.db, p, (tx) =>
        recordAudit(tx, origin, {
          action: 'auth.act_as',
          orgId: c.get('route')?.orgId ?? null,
          targetType: 'route',
          targetId: `${c.req.method} ${c.req.routePath}`,
          after: { status },
        }),
      );
    }
  };
}

/** Checks the caller against the route (signed in, same origin, org reach, permission), then runs it. */
async function admitAndRun(
  c: Context<AppEnv>,
  next: () => Promise<void>,
  caller: Caller,
  spec: { permission: Permission; org: OrgSource },
  deps: AppDeps,
  auth: AuthRuntime,
): Promise<void> {
  if (spec.permission !== 'public') {
    if (caller.principal.kind === 'anonymous') throw unauthenticated();
    if (caller.via === 'session') assertSameOrigin(c, deps.config);
  }
  const orgId = await resolveOrg(c, spec.org, caller, deps, auth);
  if (!permissionsOf(caller, orgId).has(spec.permission)) throw forbidden(caller, spec.permission);

  const ip = clientAddress(c, deps.config.auth.trustedProxies);
  const requestId = c.get('requestId');
  const origin = { caller, ip, requestId };
  const reads = deps.reads;
  const reader = reads.enabled ? readerOf(caller.principal) : null;
  const carried = reads.enabled ? carriedPosition(c) : null;
  // A request that may change data and committed a transaction on the primary: its caller's reads must see it.
  const writing = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
  let wrote = false;
  const tenant = async <T>(work: (tx: Tx) => Promise<T>) => {
    const result = await withPrincipal(deps.database.db, caller.principal, work);
    if (writing) wrote = true;
    return result;
  };
  const withOrg = (entry: AuditEntry): AuditEntry => ({
    ...entry,
    orgId: entry.orgId === undefined ? orgId : entry.orgId,
  });
  c.set('route', {
    principal: caller.principal,
    caller,
    orgId,
    tenant,
    read: (work) => reads.read(reader, carried, (db) => withPrincipal(db, caller.principal, work, { readOnly: true })),
    awaitsOwnWrite: reads.awaitsOwnWrite(reader, carried),
    audit: (entry) => tenant((tx) => recordAudit(tx, origin, withOrg(entry))),
    auditIn: (tx, entry) => recordAudit(tx, origin, withOrg(entry)),
    can: (permission, other) => permissionsOf(caller, other === undefined ? orgId : other).has(permission),
    ip,
    requestId,
    auth,
  });
  await next();
  if (!reads.enabled) return;
  const proxies = deps.config.auth.trustedProxies;
  if (wrote && reader !== null) await rememberWrite(c, reads, reader, proxies);
  else if (carried !== null && !reads.awaitsOwnWrite(null, carried)) forgetCarried(c, proxies);
}

function consumeRate(auth: AuthRuntime, keyId: string): Record<string, string> {
  const d = auth.keys.consume(keyId);
  const headers = {
    'x-ratelimit-limit': String(d.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': String(d.resetAt),
  };
  if (!d.allowed) {
    throw new AppError(
      429,
      'rate_limited',
      `This API key is limited to ${d.limit} requests per minute; retry in ${d.retryAfterSeconds} s.`,
      { limit: d.limit, retryAfterSeconds: d.retryAfterSeconds },
      { ...headers, 'retry-after': String(d.retryAfterSeconds) },
    );
  }
  return headers;
}

/** The org the request is about, checked against what the caller reaches; 404 hides orgs it does not. */
async function resolveOrg(
  c: Context,
  source: OrgSource,
  caller: Caller,
  deps: AppDeps,
  auth: AuthRuntime,
): Promise<string | null> {
  if (source === 'none') return null;
  const field = source === 'param' ? 'path.orgId' : 'query.org_id';
  const raw = source === 'param' ? c.req.param('orgId') : c.req.query('org_id');
  if (raw === undefined || raw === '') {
    if (reachesEveryOrg(caller)) return null;
    const own = ownOrgIds(caller);
    if (own.length === 1 && own[0]) return own[0];
    const why = own.length === 0 ? 'you are not a member of any org' : 'you belong to several orgs; name one';
    throw new AppError(400, 'invalid_request', `${field}: required (${why})`, {
      issues: [{ path: field, message: 'required' }],
    });
  }
  if (!UUID.test(raw)) {
    throw new AppError(400, 'invalid_request', `${field}: must be an org id (UUID)`, {
      issues: [{ path: field, message: 'must be a UUID' }],
    });
  }
  const orgId = raw.toLowerCase();
  if (!reachesEveryOrg(caller)) {
    if (!ownOrgIds(caller).includes(orgId)) throw orgNotFound();
    return orgId;
  }
  if (auth.orgs.has(orgId)) return orgId;
  const found = await withPrincipal(deps.database.db, caller.principal, (tx) =>
    tx.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst(),
  );
  if (!found) throw orgNotFound();
  auth.orgs.add(orgId);
  return orgId;
}

function forbidden(caller: Caller, permission: Permission): AppError {
  const p = caller.principal;
  if (p.kind === 'org_key' || p.kind === 'platform_key') {
    const kind = p.kind === 'org_key' ? 'org' : 'platform';
    const scopes = SCOPES.filter((s) => s.kinds.includes(kind) && s.grants.includes(permission)).map((s) => s.scope);
    return new AppError(
      403,
      'insufficient_scope',
      scopes.length > 0
        ? `This API key needs the ${scopes.join(' or ')} scope.`
        : `API keys cannot be used for this; it needs a signed-in user with ${permission}.`,
      { requiredPermission: permission, grantingScopes: scopes },
    );
  }
  return new AppError(403, 'forbidden', `You do not have permission for this (${permission}).`, {
    requiredPermission: permission,
  });
}

// Small helpers for declaring routes, shared by every module.
export const UuidSchema = z.string().uuid('must be a UUID');
export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi('Error');
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
