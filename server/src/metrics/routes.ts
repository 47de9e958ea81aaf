// HTTP routes of the metrics engine: client metrics, series, queue summary, agent and number breakdowns.
import { createRoute, type z } from '@hono/zod-openapi';
import type { Tx } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { defineRoute, json } from '../http/route.js';
import {
  AgentBreakdownSchema,
  ClientMetricsSchema,
  NumberBreakdownSchema,
  QueueSummarySchema,
  type RangeQuery,
  RangeQuerySchema,
  SeriesSchema,
  SortQuerySchema,
} from './schema.js';
import { agentBreakdown, clientMetrics, type MetricsQuery, numberBreakdown, queueSummary, series } from './service.js';

const tags = ['Metrics'];

export function toMetricsQuery(q: RangeQuery, orgId: string | null): MetricsQuery {
  if (q.tz && orgId !== null) {
    throw new AppError(400, 'invalid_request', "tz: an org's figures always use the org's own time zone", {
      field: 'tz',
    });
  }
  return {
    orgId,
    ...(q.range ? { range: q.range } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.interval ? { interval: q.interval } : {}),
    ...(q.tz ? { tz: q.tz } : {}),
    compare: q.compare !== 'false',
  };
}

/** Sorts breakdown items by a numeric field (`-field` for descending); unknown fields are a 400. */
export function sortItems<T extends object>(items: T[], sort: string | undefined): T[] {
  if (!sort) return items;
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  const sample = items[0] as Record<string, unknown> | undefined;
  if (sample && !(field in sample))
    throw new AppError(400, 'invalid_request', `sort: unknown field ${field}`, { field: 'sort' });
  const value = (item: T) => (item as Record<string, unknown>)[field];
  return [...items].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order =
      x === y ? 0 : x === null ? 1 : y === null ? -1 : (x as number | string) < (y as number | string) ? -1 : 1;
    return desc && x !== null && y !== null ? -order : order;
  });
}

export function registerMetricsRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'metrics:read',
      org: 'query',
      route: createRoute({
        method: 'get',
        path: '/api/client-metrics',
        tags,
        summary: 'KPIs of an org (or platform-wide) over a range, with the previous period and the change',
        request: { query: RangeQuerySchema },
        responses: { 200: json(ClientMetricsSchema, 'The figures') },
      }),
    },
    async (c, ctx) =>
      c.json(await ctx.tenant((tx) => clientMetrics(tx, toMetricsQuery(c.req.valid('query'), ctx.orgId))), 200),
  );

  for (const path of ['/api/calls/series', '/s/series']) {
    defineRoute(
      app,
      deps,
      {
        permission: 'metrics:read',
        org: 'query',
        route: createRoute({
          method: 'get',
          path,
          tags,
          summary: 'Calls over time in local buckets (empty buckets included)',
          request: { query: RangeQuerySchema },
          responses: { 200: json(SeriesSchema, 'The series') },
        }),
      },
      async (c, ctx) =>
        c.json(await ctx.tenant((tx) => series(tx, toMetricsQuery(c.req.valid('query'), ctx.orgId))), 200),
    );
  }

  for (const path of ['/api/calls/queue-summary', '/s/queue-summary']) {
    defineRoute(
      app,
      deps,
      {
        permission: 'metrics:read',
        org: 'query',
        route: createRoute({
          method: 'get',
          path,
          tags,
          summary: 'Inbound calls per queue',
          request: { query: RangeQuerySchema },
          responses: { 200: json(QueueSummarySchema, 'Per queue') },
        }),
      },
      async (c, ctx) =>
        c.json(await ctx.tenant((tx) => queueSummary(tx, toMetricsQuery(c.req.valid('query'), ctx.orgId))), 200),
    );
  }

  const SortedRangeQuery = RangeQuerySchema.extend(SortQuerySchema.shape);
  const breakdowns: Array<{
    path: string;
    summary: string;
    schema: z.ZodType;
    run: (tx: Tx, query: MetricsQuery) => Promise<{ items: object[] }>;
  }> = [
    {
      path: '/api/metrics/agents',
      summary: 'KPIs per agent extension',
      schema: AgentBreakdownSchema,
      run: agentBreakdown,
    },
    {
      path: '/api/metrics/numbers',
      summary: 'KPIs per business number',
      schema: NumberBreakdownSchema,
      run: numberBreakdown,
    },
  ];
  for (const b of breakdowns) {
    defineRoute(
      app,
      deps,
      {
        permission: 'metrics:read',
        org: 'query',
        route: createRoute({
          method: 'get',
          path: b.path,
          tags,
          summary: b.summary,
          request: { query: SortedRangeQuery },
          responses: { 200: json(b.schema, 'Per row') },
        }),
      },
      async (c, ctx) => {
        const query = c.req.valid('query');
        const result = await ctx.tenant((tx) => b.run(tx, toMetricsQuery(query, ctx.orgId)));
        return c.json({ ...result, items: sortItems(result.items, query.sort) }, 200);
      },
    );
  }
}
