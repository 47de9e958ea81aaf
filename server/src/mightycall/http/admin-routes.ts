// Platform-admin routes: MightyCall connections (CRUD), credentials test, run-now sync and status.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { userIdOf } from '../../auth/principal.js';
import type { App, AppDeps, RouteContext } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { publicOrigin } from '../../http/public-origin.js';
import { defineRoute, json, jsonBody } from '../../http/route.js';
import {
  accountLabelFor,
  baseUrlOf,
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  patched,
  setCredentialsRefused,
  toView,
  updateConnection,
} from '../connections.js';
import type { ConnectionRow } from '../db-types.js';
import { requestSync } from '../sync/state.js';
import { type ConnectionSummary, connectionStatus, summarize } from '../sync/status.js';
import { DAY_MS } from '../sync/sync-jobs.js';
import {
  ConnectionCreateSchema,
  ConnectionParams,
  ConnectionPatchSchema,
  ConnectionSchema,
  StatusSchema,
  SyncRequestSchema,
  TestResultSchema,
} from './api-schemas.js';
import { checkCredentials, credentialsRefused } from './credentials-check.js';

const tags = ['MightyCall'];
const BASE = '/api/admin/mightycall/connections';
const spec = { permission: 'platform:mightycall' as const, org: 'none' as const };

export function registerMightyCallAdminRoutes(app: App, deps: AppDeps): void {
  const publicBase = (c: Context) => publicOrigin(deps.config, c);

  /** Quota first (its own transaction), then the summary as the caller. */
  const summaryOf = async (c: Context, ctx: RouteContext, row: ConnectionRow): Promise<ConnectionSummary> => {
    const quota = await deps.mightycall.budget.usage(row.provider_account);
    const token = deps.mightycall.secretsOf(row).webhookToken;
    return ctx.tenant((tx) => summarize(tx, row, token, publicBase(c), quota));
  };

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'get',
        path: BASE,
        tags,
        summary: 'Every MightyCall connection with its sync state, quota and webhook URL (never its secrets)',
        responses: { 200: json(z.object({ connections: z.array(ConnectionSchema) }), 'Connections') },
      }),
    },
    async (c, ctx) => {
      const rows = await ctx.tenant((tx) => listConnections(tx));
      const connections: ConnectionSummary[] = [];
      for (const row of rows) connections.push(await summaryOf(c, ctx, row));
      return c.json({ connections }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'post',
        path: BASE,
        tags,
        summary:
          'Connect a MightyCall account: its keys are checked with MightyCall first (refused: 422, nothing saved), then stored encrypted',
        request: { body: jsonBody(ConnectionCreateSchema) },
        responses: {
          201: json(
            z.object({ connection: ConnectionSchema, check: TestResultSchema }),
            'Created, with the check (not ok only when MightyCall could not be reached)',
          ),
          409: json(z.unknown(), 'Already connected'),
          422: json(z.unknown(), 'MightyCall refused the API key or user key'),
        },
      }),
    },
    async (c, ctx) => {
      const body = c.req.valid('json');
      const runtime = deps.mightycall;
      const box = runtime.box();
      const baseUrl = baseUrlOf(body.host, body.baseUrl);
      const account = body.providerAccount ?? accountLabelFor(body.apiKey);
      const check = await checkCredentials(
        runtime.checkingClient({ baseUrl, apiKey: body.apiKey, userKey: body.userKey, account }),
        baseUrl,
      );
      if (check.token.refused) throw credentialsRefused(check);
      const callsFrom = new Date(runtime.clock.now() - (body.initialSyncDays ?? 1) * DAY_MS);
      const row = await ctx.tenant(async (tx) => {
        const created = await createConnection(tx, box, body, { createdBy: userIdOf(ctx.principal), callsFrom });
        await ctx.auditIn(tx, {
          action: 'mightycall.connection.create',
          targetType: 'mightycall_connection',
          targetId: created.id,
          after: toView(created),
        });
        return created;
      });
      if (body.dailyQuota) await runtime.budget.setLimit(row.provider_account, body.dailyQuota);
      runtime.scheduler.kick();
      return c.json({ connection: await summaryOf(c, ctx, row), check }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'get',
        path: `${BASE}/{id}`,
        tags,
        summary: 'One connection',
        request: { params: ConnectionParams },
        responses: { 200: json(z.object({ connection: ConnectionSchema }), 'The connection') },
      }),
    },
    async (c, ctx) => {
      const row = await ctx.tenant((tx) => getConnection(tx, c.req.valid('param').id));
      return c.json({ connection: await summaryOf(c, ctx, row) }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'patch',
        path: `${BASE}/{id}`,
        tags,
        summary:
          'Rename, re-key, move or pause a connection: new keys or another address are checked with MightyCall first (refused: 422, nothing saved)',
        request: { params: ConnectionParams, body: jsonBody(ConnectionPatchSchema) },
        responses: {
          200: json(
            z.object({ connection: ConnectionSchema, check: TestResultSchema.optional() }),
            'Updated (with the check when keys or address changed; not ok only when MightyCall could not be reached)',
          ),
          422: json(z.unknown(), 'MightyCall refused the API key or user key'),
        },
      }),
    },
    async (c, ctx) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const runtime = deps.mightycall;
      const current = await ctx.tenant((tx) => getConnection(tx, id));
      const next = patched(runtime.box(), current, body);
      const check = next.rekeyed
        ? await checkCredentials(
            runtime.checkingClient({
              baseUrl: next.baseUrl,
              apiKey: next.secrets.apiKey,
              userKey: next.secrets.userKey,
              account: current.provider_account,
            }),
            next.baseUrl,
          )
        : undefined;
      if (check?.token.refused) throw credentialsRefused(check);
      const row = await ctx.tenant(async (tx) => {
        const before = toView(await getConnection(tx, id));
        const updated = await updateConnection(tx, runtime.box(), id, body, runtime.webhookConnections);
        const rekeyed = body.apiKey !== undefined || body.userKey !== undefined;
        await ctx.auditIn(tx, {
          action: 'mightycall.connection.update',
          targetType: 'mightycall_connection',
          targetId: id,
          before,
          after: { ...toView(updated), ...(rekeyed ? { secretsChanged: true } : {}) },
        });
        return updated;
      });
      if (body.dailyQuota) await runtime.budget.setLimit(row.provider_account, body.dailyQuota);
      return c.json({ connection: await summaryOf(c, ctx, row), ...(check ? { check } : {}) }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'delete',
        path: `${BASE}/{id}`,
        tags,
        summary: 'Remove a connection (synced calls, numbers and agents stay)',
        request: { params: ConnectionParams },
        responses: { 204: { description: 'Deleted' } },
      }),
    },
    async (c, ctx) => {
      const { id } = c.req.valid('param');
      await ctx.tenant(async (tx) => {
        const row = await deleteConnection(tx, id, deps.mightycall.webhookConnections);
        await ctx.auditIn(tx, {
          action: 'mightycall.connection.delete',
          targetType: 'mightycall_connection',
          targetId: id,
          before: toView(row),
        });
      });
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'post',
        path: `${BASE}/{id}/test`,
        tags,
        summary:
          'Check the connection: MightyCall reachable (ping) and the keys accepted (a fresh token); a refusal stops its sync until new keys, a pass resumes it',
        request: { params: ConnectionParams },
        responses: { 200: json(TestResultSchema, 'A plain answer') },
      }),
    },
    async (c, ctx) => {
      const row = await ctx.tenant((tx) => getConnection(tx, c.req.valid('param').id));
      const check = await checkCredentials(deps.mightycall.checkingClientFor(row), row.base_url);
      const at = new Date(deps.mightycall.clock.now());
      if (check.token.refused) {
        await ctx.tenant((tx) => setCredentialsRefused(tx, row.id, { message: check.message, at }));
      } else if (check.ok && row.credentials_refused_at) {
        await ctx.tenant((tx) => setCredentialsRefused(tx, row.id, null));
        deps.mightycall.scheduler.kick();
      }
      return c.json(check, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'post',
        path: `${BASE}/{id}/sync`,
        tags,
        summary: 'Run sync now: one job or all; backfillDays re-reads that many days of calls (within the quota)',
        request: { params: ConnectionParams, body: jsonBody(SyncRequestSchema) },
        responses: {
          202: json(z.object({ requested: z.array(z.enum(['numbers', 'agents', 'calls'])) }), 'Queued'),
        },
      }),
    },
    async (c, ctx) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const now = deps.mightycall.clock.now();
      const requested = await ctx.tenant(async (tx) => {
        const row = await getConnection(tx, id);
        if (row.credentials_refused_at) {
          throw new AppError(
            409,
            'mightycall_credentials_refused',
            `MightyCall refused this connection's keys (${row.credentials_refusal ?? 'refused'}): save new keys, or test them again, before syncing.`,
          );
        }
        const jobs = await requestSync(tx, id, body, now);
        await ctx.auditIn(tx, {
          action: 'mightycall.sync.request',
          targetType: 'mightycall_connection',
          targetId: id,
          after: body,
        });
        return jobs;
      });
      deps.mightycall.scheduler.kick();
      return c.json({ requested }, 202);
    },
  );

  defineRoute(
    app,
    deps,
    {
      ...spec,
      route: createRoute({
        method: 'get',
        path: `${BASE}/{id}/status`,
        tags,
        summary: 'Per job: last success, rows, errors, backfill progress; quota used; the webhook URL to paste',
        request: { params: ConnectionParams },
        responses: { 200: json(StatusSchema, 'Status') },
      }),
    },
    async (c, ctx) => {
      const runtime = deps.mightycall;
      const row = await ctx.tenant((tx) => getConnection(tx, c.req.valid('param').id));
      const quota = await runtime.budget.usage(row.provider_account);
      const token = runtime.secretsOf(row).webhookToken;
      const now = runtime.clock.now();
      return c.json(await ctx.tenant((tx) => connectionStatus(tx, row, token, publicBase(c), quota, now)), 200);
    },
  );
}
