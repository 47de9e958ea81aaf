// zod schemas of the portfolio API: every client org's today, its last seven days and its live queue, for the agency.
import { z } from '@hono/zod-openapi';

/** The most orgs one answer holds; the rest are counted in `total` (narrow with `q`). */
export const PORTFOLIO_MAX_ORGS = 500;

/** The columns the portfolio sorts by (`-name` for descending); `worst` is the default order (docs/metrics.md). */
export const PORTFOLIO_SORT_FIELDS = [
  'name',
  'offeredCalls',
  'answerRatePct',
  'serviceLevelPct',
  'serviceLevelGapPts',
  'waitingNow',
  'longestWaitNowSeconds',
  'alertsFiring',
] as const;
export type PortfolioSortField = (typeof PORTFOLIO_SORT_FIELDS)[number];

export const PortfolioQuerySchema = z.object({
  q: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'Only orgs whose name contains this text (case-insensitive)' }),
  sort: z
    .string()
    .max(40)
    .optional()
    .openapi({
      description: `\`worst\` (the default: furthest below its service-level target first) or one of ${PORTFOLIO_SORT_FIELDS.map((f) => `\`${f}\``).join(', ')}; a leading \`-\` sorts descending. Empty figures sort last either way.`,
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PORTFOLIO_MAX_ORGS)
    .default(PORTFOLIO_MAX_ORGS)
    .openapi({ description: `How many orgs to answer, after sorting (at most ${PORTFOLIO_MAX_ORGS})` }),
});
export type PortfolioQuery = z.infer<typeof PortfolioQuerySchema>;

const pct = z.number().nullable();

export const PortfolioDaySchema = z
  .strictObject({
    day: z.string().openapi({ description: "A local date in the org's time zone", example: '2026-03-08' }),
    offeredCalls: z.number().int(),
    answerRatePct: pct,
    serviceLevelPct: pct,
  })
  .openapi('PortfolioDay');

export const PortfolioOrgSchema = z
  .strictObject({
    orgId: z.string(),
    name: z.string(),
    timezone: z.string(),
    today: z.string().openapi({ description: "The org's local date now; the figures below count this day" }),
    offeredCalls: z.number().int(),
    answeredCalls: z.number().int(),
    answerRatePct: pct,
    serviceLevelPct: pct,
    serviceLevelTargetPct: z.number(),
    serviceLevelThresholdSeconds: z.number().int(),
    serviceLevelGapPts: pct.openapi({
      description: 'serviceLevelPct − serviceLevelTargetPct in percentage points (negative: below target)',
    }),
    waitingNow: z.number().int().openapi({ description: 'Calls ringing now (the wallboard’s Waiting)' }),
    longestWaitNowSeconds: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'How long the oldest ringing call has waited, whole seconds; null when none' }),
    alertsFiring: z
      .number()
      .int()
      .openapi({ description: "The org's alert rules firing now (its alerts page lists them)" }),
    days: z.array(PortfolioDaySchema).openapi({ description: 'The last seven local days, oldest first, today last' }),
  })
  .openapi('PortfolioOrg');
export type PortfolioOrg = z.infer<typeof PortfolioOrgSchema>;

export const PortfolioSchema = z
  .strictObject({
    asOf: z.string().openapi({ description: 'The instant the figures and the live state were read' }),
    sort: z.string(),
    total: z.number().int().openapi({ description: 'Orgs matching the filter (orgs may hold fewer: see limit)' }),
    truncated: z.boolean(),
    orgs: z.array(PortfolioOrgSchema),
  })
  .openapi('Portfolio');
export type Portfolio = z.infer<typeof PortfolioSchema>;
