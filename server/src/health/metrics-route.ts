// GET /metrics: this process's Prometheus metrics, for a scraper holding VICTORYSYNC_METRICS_TOKEN. Without the
// variable there is no such endpoint (404); a request without the token, or with another, gets 401.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { App, AppDeps } from '../http/context.js';
import { errorBody } from '../http/errors.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Same time whatever the guess: both sides are hashed to 32 bytes and compared with timingSafeEqual. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export function registerMetricsEndpoint(app: App, deps: AppDeps): void {
  const token = deps.config.metricsToken;
  app.get('/metrics', async (c) => {
    if (token === null) return c.json(errorBody('route_not_found', 'No route for GET /metrics'), 404);
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (!tokenMatches(presented, token)) {
      c.header('www-authenticate', 'Bearer realm="metrics"');
      return c.json(errorBody('unauthorized', 'GET /metrics needs the metrics bearer token.'), 401);
    }
    const text = await deps.telemetry.render();
    return c.body(text, 200, {
      'content-type': deps.telemetry.registry.contentType,
      'cache-control': 'no-store',
    });
  });
}
