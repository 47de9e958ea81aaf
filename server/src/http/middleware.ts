// Cross-cutting HTTP concerns: request ids, access logs, security headers and the error responder.
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ANONYMOUS } from '../auth/principal.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { peerIsTrustedProxy, TrustedProxies } from './client-address.js';
import type { AppEnv } from './context.js';
import { AppError, errorBody } from './errors.js';
import type { Logger } from './logger.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('principal', ANONYMOUS);
    const started = performance.now();
    await next();
    // On the answer's own headers: c.header() after the answer exists would copy the whole response.
    c.res.headers.set('x-request-id', requestId);
    // The route pattern, not the raw path: paths may carry tokens (webhooks) that must never reach a log.
    logger.info('request', {
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}

/** Whether the browser reached us over https: directly, or per X-Forwarded-Proto from a trusted proxy peer. */
export function requestIsHttps(c: Context, proxies: TrustedProxies): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  if (!peerIsTrustedProxy(c, proxies)) return false;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

export function securityHeaders(
  options: { trustedProxies: TrustedProxies } = { trustedProxies: new TrustedProxies([]) },
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('x-content-type-options', 'nosniff');
    h.set('referrer-policy', 'strict-origin-when-cross-origin');
    h.set('x-frame-options', 'DENY');
    if (!h.has('content-security-policy')) {
      h.set(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    }
    // HSTS means something only over https; a forwarded scheme counts only when the proxy is trusted.
    if (requestIsHttps(c, options.trustedProxies)) {
      h.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
  };
}

export function errorResponder(logger: Logger) {
  return (err: Error, c: Context<AppEnv>): Response => {
    const requestId = c.get('requestId');
    if (err instanceof AppError) {
      const res = c.json(errorBody(err.code, err.message, err.details), err.status);
      for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code =
        status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : status === 400
              ? 'malformed_request'
              : `http_${status}`;
      const sent = c.req.header('content-type');
      const message =
        status === 413
          ? 'The request body is larger than this endpoint accepts.'
          : status === 415
            ? `This endpoint takes a JSON body: send Content-Type: application/json (got ${sent ? JSON.stringify(sent.slice(0, 100)) : 'none'}).`
            : err.message || 'The request could not be processed.';
      return c.json(errorBody(code, message), status);
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn('database unavailable', { requestId, error: err.message });
      const res = c.json(
        errorBody('database_unavailable', 'The database is unavailable; retry shortly.', undefined, requestId),
        503,
      );
      res.headers.set('retry-after', '2');
      return res;
    }
    logger.error('unhandled error', { requestId, error: err.message, stack: err.stack });
    return c.json(errorBody('internal_error', 'Something went wrong on our side.', undefined, requestId), 500);
  };
}
