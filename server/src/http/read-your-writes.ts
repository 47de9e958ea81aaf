// Read-your-writes across processes: a caller who wrote carries the primary's WAL position of that write in a
// cookie, so whichever process serves its next read keeps it off a replica that has not replayed the write yet.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Principal } from '../auth/principal.js';
import { formatLsn, type Lsn, parseLsn, type ReadRouting } from '../db/read-routing.js';
import type { TrustedProxies } from './client-address.js';
import { requestIsHttps } from './middleware.js';

const COOKIE = 'vs_read_after';
/** a cookie outlives no write the routing still remembers */
const COOKIE_SECONDS = 5 * 60;

/** Whose writes a read must see: a user (through a session or acting key) or a key; null for the rest. */
export function readerOf(principal: Principal): string | null {
  if (principal.kind === 'user') return `user:${principal.userId}`;
  if (principal.kind === 'org_key' || principal.kind === 'platform_key') return `key:${principal.keyId}`;
  return null;
}

/** The position the request's cookie carries (a malformed one counts as none: it can only ever cost a primary read). */
export function carriedPosition(c: Context): Lsn | null {
  return parseLsn(getCookie(c, COOKIE));
}

/** After a request that wrote: remember its position here and hand it to the caller for the other processes. */
export async function rememberWrite(
  c: Context,
  reads: ReadRouting,
  reader: string,
  trustedProxies: TrustedProxies,
): Promise<void> {
  const lsn = await reads.noteWrite(reader);
  if (lsn === null) return;
  setCookie(c, COOKIE, formatLsn(lsn), {
    httpOnly: true,
    sameSite: 'Lax',
    secure: requestIsHttps(c, trustedProxies),
    path: '/',
    maxAge: COOKIE_SECONDS,
  });
}

/** Once the replica has replayed what the cookie carries, the cookie has done its work. */
export function forgetCarried(c: Context, trustedProxies: TrustedProxies): void {
  deleteCookie(c, COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: requestIsHttps(c, trustedProxies) });
}
