// GET /api/admin/portfolio: every client org on one screen, for platform admins (signed in; no API key scope grants it).
import { createRoute } from '@hono/zod-openapi';
import type { App, AppDeps } from '../http/context.js';
import { defineRoute, json } from '../http/route.js';
import { PortfolioQuerySchema, PortfolioSchema } from './schema.js';
import { portfolio } from './service.js';

export function registerPortfolioRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'platform:portfolio',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/portfolio',
        tags: ['Portfolio'],
        summary: "Every org's today, last seven days and calls waiting now, worst first",
        description:
          "Per org: today's offered calls, answer rate and service level against its own target (today is the " +
          "org's local date; the figures equal `GET /api/client-metrics?org_id=…&range=day` for it), calls ringing " +
          'now and the longest wait now (as its wallboard), and the last seven local days for a sparkline. Read ' +
          'from the daily rollups and the live state; not cached, so poll it for a live view.',
        request: { query: PortfolioQuerySchema },
        responses: { 200: json(PortfolioSchema, 'The portfolio now') },
      }),
    },
    async (c, ctx) => {
      const query = c.req.valid('query');
      // The live state's clock, so "waiting now" is measured as the wallboard measures it.
      const now = new Date(deps.mightycall.clock.now());
      return c.json(await ctx.read((tx) => portfolio(tx, query, now)), 200);
    },
  );
}
