// HTTP routes of the metrics engine: KPIs (and their first-release form), series, queue summary, agent and number
// breakdowns.
import { createRoute, type z } from '@hono/zod-openapi';
import type { Tx } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { cachedJson, requestKey } from '../http/dashboard-cache.js';
import { AppError } from '../http/errors.js';
import { defineRoute, json } from '../http/route.js';
import { ClientMetricsV1Schema, clientMetricsV1 } from './client-metrics-v1.js';
import {
  AgentBreakdownSchema,
  HeatmapSchema,
  KpisSchema,
  NumberBreakdownSchema,
  QueueSummarySchema,
  type RangeQuery,
  RangeQuerySchema,
  SeriesSchema,
  SortQuerySchema,
} from './schema.js';
import { agentBreakdown, heatmap, kpis, type MetricsQuery, numberBreakdown, queueSummary, series } from './service.js';

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
    ...(q.compare ? { compare: q.compare === 'true' } : {}),
  };
}

/**
 * Sorts breakdown items by one of `fields` (`-field` for descending). Any other name is a 400, whether or not
 * there are items to sort (checked against the schema, so `constructor` or `__proto__` are unknown too).
 */
export function sortItems<T extends object>(items: T[], sort: string | undefined, fields: readonly string[]): T[] {
  if (!sort) return items;
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  if (!fields.includes(field)) {
    throw new AppError(400, 'invalid_request', `sort: unknown field ${JSON.stringify(field.slice(0, 40))}`, {
      field: 'sort',
      fields,
    });
  }
  const value = (item: T) => (item as Record<string, unknown>)[field];
  return [...items].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order =
      x === y ? 0 : x === null ? 1 : y === null ? -1 : (x as number | string) < (y as number | string) ? -1 : 1;
    return desc && x !== null && y !== null ? -order : order;
  });
}

/** One ranged metrics endpoint: its paths (aliases included), what it answers, and how it is computed. */
export interface RangedEndpoint {
  paths: string[];
  summary: string;
  description?: string;
  schema: z.ZodType;
  run: (tx: Tx, query: MetricsQuery) => Promise<object>;
  /** breakdowns take ?sort= over these fields of their items (from the item schema) */
  sortFields?: readonly string[];
}

export const METRICS_ENDPOINTS: RangedEndpoint[] = [
  {
    paths: ['/api/metrics/kpis'],
    summary: 'KPIs of an org (or platform-wide) over a range, with the previous period and the change',
    schema: KpisSchema,
    run: kpis,
  },
  {
    paths: ['/api/client-metrics'],
    summary: 'The KPIs under their first-release snake_case names (for integrations)',
    description:
      'The answer of `GET /api/metrics/kpis` for the same query with every figure renamed to its first-release ' +
      'name (`totalCalls` → `total_calls`, `answerRatePct` → `answer_rate_pct`, …), in the same order. Kept ' +
      'unchanged for integrations; new figures appear only in `/api/metrics/kpis`.',
    schema: ClientMetricsV1Schema,
    run: async (tx, query) => clientMetricsV1(await kpis(tx, query)),
  },
  {
    paths: ['/api/calls/series', '/s/series'],
    summary: 'Calls over time in local buckets (empty buckets included)',
    schema: SeriesSchema,
    run: series,
  },
  {
    paths: ['/api/calls/queue-summary', '/s/queue-summary'],
    summary: 'Inbound calls per queue',
    schema: QueueSummarySchema,
    run: queueSummary,
  },
  {
    paths: ['/api/metrics/agents'],
    summary: 'KPIs per agent extension',
    schema: AgentBreakdownSchema,
    run: agentBreakdown,
    sortFields: Object.keys(AgentBreakdownSchema.shape.items.element.shape),
  },
  {
    paths: ['/api/metrics/numbers'],
    summary: 'KPIs per business number',
    schema: NumberBreakdownSchema,
    run: numberBreakdown,
    sortFields: Object.keys(NumberBreakdownSchema.shape.items.element.shape),
  },
  {
    paths: ['/api/metrics/heatmap'],
    summary: 'Offered and answered calls per weekday and hour of the day, in the org time zone',
    description:
      'Each call counts in the weekday and hour its start has on the org clock (platform-wide: `tz`, default UTC), ' +
      'across DST changes. The figures are defined as the KPIs define them; `interval` does not apply.',
    schema: HeatmapSchema,
    run: heatmap,
  },
];

const SortedRangeQuery = RangeQuerySchema.extend(SortQuerySchema.shape);

export function registerMetricsRoutes(app: App, deps: AppDeps): void {
  for (const endpoint of METRICS_ENDPOINTS) {
    for (const path of endpoint.paths) {
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
            summary: endpoint.summary,
            ...(endpoint.description ? { description: endpoint.description } : {}),
            request: { query: SortedRangeQuery },
            responses: { 200: json(endpoint.schema, 'The figures') },
          }),
        },
        async (c, ctx) => {
          const { sort, ...query } = c.req.valid('query');
          const fields = endpoint.sortFields;
          if (sort && !fields) {
            throw new AppError(400, 'invalid_request', 'sort: this endpoint is not sortable', { field: 'sort' });
          }
          const metricsQuery = { ...toMetricsQuery(query, ctx.orgId), settings: deps.orgSettings };
          const key = () => requestKey(c, ctx);
          const answer = await deps.dashboard.json(key, async () => {
            const result = await ctx.read((tx) => endpoint.run(tx, metricsQuery));
            if (sort && fields && 'items' in result && Array.isArray(result.items)) {
              const sorted = { ...result, items: sortItems(result.items as object[], sort, fields) };
              const previous = 'previous' in result ? (result.previous as { items: object[] } | null) : null;
              return previous
                ? { ...sorted, previous: { ...previous, items: sortItems(previous.items, sort, fields) } }
                : sorted;
            }
            return result;
          });
          return cachedJson(c, answer);
        },
      );
    }
  }
}
