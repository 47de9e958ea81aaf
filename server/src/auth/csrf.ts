// Cross-site request protection for cookie-authenticated mutations: the Origin (or Referer) must be our own.
import type { Context } from 'hono';
import type { Config } from '../config.js';
import { AppError } from '../http/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}`.toLowerCase();
  } catch {
    return null;
  }
}

/** Origins a browser page of ours can have: the Host the request came to, the public URL, the CORS list. */
function trustedOrigins(c: Context, config: Config): Set<string> {
  // The request URL carries the Host header the browser sent; a proxy may pass the original as X-Forwarded-Host.
  const trusted = new Set<string>([new URL(c.req.url).origin.toLowerCase()]);
  const forwardedHost = c.req.header('x-forwarded-host');
  if (forwardedHost) {
    trusted.add(`http://${forwardedHost}`.toLowerCase());
    trusted.add(`https://${forwardedHost}`.toLowerCase());
  }
  for (const url of [config.publicUrl, ...config.corsOrigins]) {
    const origin = url ? originOf(url) : null;
    if (origin) trusted.add(origin);
  }
  return trusted;
}

/**
 * For the signed-out forms (sign-in, accept invite, forgot and reset password, verify email), which scripts may
 * also call: a request that says where it comes from (Origin or Referer) must come from one of our pages.
 */
export function assertSameOriginIfStated(c: Context, config: Config): void {
  if (c.req.header('origin') || c.req.header('referer')) assertSameOrigin(c, config);
}

/**
 * Throws 403 unless a state-changing request shows it comes from one of our pages. Browsers send Origin
 * on every cross-site POST/PATCH/DELETE; without Origin, Referer or Sec-Fetch-Site the request is refused.
 */
export function assertSameOrigin(c: Context, config: Config): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  const referer = c.req.header('referer');
  const claimed = origin && origin !== 'null' ? originOf(origin) : referer ? originOf(referer) : null;
  if (claimed) {
    if (trustedOrigins(c, config).has(claimed)) return;
    throw new AppError(403, 'csrf_rejected', `Cross-site request refused: origin ${claimed} is not this application.`);
  }
  const site = c.req.header('sec-fetch-site');
  if (site === 'same-origin' || site === 'none') return;
  throw new AppError(
    403,
    'csrf_rejected',
    'Cookie-authenticated requests that change data must carry an Origin header from this application; scripts should use an API key.',
  );
}
