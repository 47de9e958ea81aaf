// A micro-cache for dashboard reads: the same figures asked for by many screens of one org within a second are
// computed once. Only authorized requests reach it (route handlers call it after the wrapper's checks), and its
// key holds the org the wrapper resolved, so an answer is only ever served for the org it was computed for.
import type { Context, MiddlewareHandler } from 'hono';
import type { RouteContext } from './context.js';

interface Entry {
  /** when its computation started: an answer is never older than the cache time, counted from then */
  at: number;
  body: string;
}

export class DashboardCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 5_000,
  ) {}

  /**
   * The JSON text for the key: cached, joined to a computation already running, or computed now. The key is
   * asked for only when the cache is on; a null key computes an answer for this request alone.
   */
  async json(keyOf: () => string | null, compute: () => Promise<unknown>): Promise<{ body: string; cached: boolean }> {
    const key = this.ttlMs > 0 ? keyOf() : null;
    if (key === null) return { body: JSON.stringify(await compute()), cached: false };
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < this.ttlMs) return { body: entry.body, cached: true };
    const running = this.inflight.get(key);
    if (running) return { body: await running, cached: true };
    const work = compute().then((value) => JSON.stringify(value));
    this.inflight.set(key, work);
    try {
      const body = await work;
      this.entries.delete(key);
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(key, { at: now, body });
      return { body, cached: false };
    } finally {
      this.inflight.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * A change made through this instance (settings, numbers, assignments, imports, members…) drops every cached
 * answer at once. Webhook deliveries do not: they change live state, which is never cached.
 */
export function dropDashboardCacheOnWrites(cache: DashboardCache): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return;
    if (c.res.status >= 400 || c.req.path.startsWith('/api/webhooks/')) return;
    cache.clear();
  };
}

/** The cache key of a dashboard request: route, every query parameter (sorted, repeated ones kept), resolved org. */
export function dashboardKey(routePath: string, url: string, orgId: string | null): string {
  const params = [...new URL(url).searchParams].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
  return `${routePath}?${new URLSearchParams(params).toString()}#${orgId ?? 'platform'}`;
}

/** A route's cache key; none (an answer for this request alone) while the caller waits to see its own write. */
export function requestKey(c: Context, ctx: Pick<RouteContext, 'orgId' | 'awaitsOwnWrite'>): string | null {
  return ctx.awaitsOwnWrite ? null : dashboardKey(c.req.routePath, c.req.url, ctx.orgId);
}
/** The JSON answer, marked as served from the cache or freshly computed. */
export function cachedJson(c: Context, answer: { body: string; cached: boolean }): Response {
  return c.body(answer.body, 200, {
    'content-type': 'application/json; charset=UTF-8',
    'x-cache': answer.cached ? 'hit' : 'miss',
  });
}
