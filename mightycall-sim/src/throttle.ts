// The 429 answer once an api key's daily quota (quota.ts) is spent: the middleware and its documented text.
import type { MiddlewareHandler } from 'hono';
import type { SimEnv } from './env.js';
import { timestamp } from './format.js';
import type { SimAccount } from './types.js';

/** The documented throttle text: "Too many requests. Retry after <yyyy-MM-ddTHH:mm:ss.fffffff> UTC". */
export function retryAfterMessage(retryAtMs: number): string {
  return `Too many requests. Retry after ${timestamp(retryAtMs, 7, '')} UTC`;
}

/** Answers 429 with the "Retry after" text and a Retry-After header once the key's quota is spent. */
export function quotaMiddleware(now: () => number): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const account = c.get('account') as SimAccount | undefined;
    if (!account) return next();
    const quota = account.quota;
    const verdict = quota.consume(now());
    if (!verdict.ok) {
      const seconds = Math.max(1, Math.ceil((verdict.retryAtMs - now()) / 1000));
      c.header('Retry-After', String(seconds));
      return c.json({ message: retryAfterMessage(verdict.retryAtMs) }, 429);
    }
    await next();
  };
}
