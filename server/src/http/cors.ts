// CORS, closed by default: with VICTORYSYNC_CORS_ORIGINS unset no response carries a CORS header; with it set,
// exactly the listed origins may call the API from a browser, cookies included.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { errorBody } from './errors.js';

const ALLOWED_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
/** What browsers may send: JSON bodies, API keys, act-as, and a request id to trace by. */
const ALLOWED_HEADERS = 'authorization, content-type, x-api-key, x-request-id, x-user-id';
/** What scripts of an allowed origin may read besides the CORS-safelisted headers. */
const EXPOSED_HEADERS =
  'x-request-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, content-disposition';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** `scheme://host[:port]` in lower case, or null when `value` is not an http(s) origin. */
export function toOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}

function addVary(headers: Headers, names: string[]): void {
  const present = (headers.get('vary') ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const lower = new Set(present.map((v) => v.toLowerCase()));
  const merged = [...present, ...names.filter((n) => !lower.has(n.toLowerCase()))];
  if (merged.length > 0) headers.set('vary', merged.join(', '));
}

/**
 * Answers preflights (OPTIONS with Access-Control-Request-Method) from an allowed origin with 204 and the
 * Access-Control-Allow-* headers, and refuses them from any other origin with 403; actual requests from an
 * allowed origin get Access-Control-Allow-Origin (that origin, never `*`) with credentials. Without origins
 * the middleware does nothing at all.
 */
export function cors(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins.map(toOrigin).filter((o): o is string => o !== null));
  if (allowed.size === 0) return (_c, next) => next();
  return async (c, next) => {
    const sent = c.req.header('origin');
    const origin = sent && sent !== 'null' ? toOrigin(sent) : null;
    const permitted = origin !== null && allowed.has(origin);
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      if (!permitted) {
        const res = c.json(
          errorBody('cors_origin_rejected', `Cross-origin requests from ${sent ?? 'this page'} are not allowed.`),
          403,
        );
        addVary(res.headers, ['Origin']);
        return res;
      }
      const res = c.body(null, 204);
      res.headers.set('access-control-allow-origin', sent ?? '');
      res.headers.set('access-control-allow-credentials', 'true');
      res.headers.set('access-control-allow-methods', ALLOWED_METHODS);
      res.headers.set('access-control-allow-headers', ALLOWED_HEADERS);
      res.headers.set('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      addVary(res.headers, ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers']);
      return res;
    }
    await next();
    // The answer depends on Origin whenever CORS is on, so caches must key on it.
    addVary(c.res.headers, ['Origin']);
    if (permitted) {
      c.res.headers.set('access-control-allow-origin', sent ?? '');
      c.res.headers.set('access-control-allow-credentials', 'true');
      c.res.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
    }
  };
}
