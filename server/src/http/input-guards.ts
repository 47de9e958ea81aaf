// Input rules every route shares, checked before any route code runs: a well-formed URL (percent-escapes that
// decode to UTF-8, no NUL), each query parameter at most once and only the ones the route declares, and a body
// that is UTF-8 without NUL and, when it is JSON, not nested absurdly deep.
import { isUtf8 } from 'node:buffer';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

/** Deeper JSON than this is refused: no request of this API nests more than a few levels. */
export const MAX_JSON_DEPTH = 64;

/** The methods whose bodies are read and checked. */
export const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const invalid = (field: string, problem: string): AppError =>
  new AppError(400, 'invalid_request', `${field}: ${problem}`, { issues: [{ path: field, message: problem }] });

/** The 400 for a body that breaks the shared rules. */
export const bodyInvalid = (problem: string): AppError => invalid('body', problem);

/** Percent-decodes one URL component; null when an escape is malformed or the bytes are not UTF-8. */
function decodeComponent(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/** What a client sent, shortened so a message can quote it. */
const shorten = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
const quote = (text: string): string => JSON.stringify(shorten(text));

/**
 * 400 for an API path whose percent-escapes do not decode to UTF-8 or that holds a NUL: before any route code
 * (and before authorization, which reads path parameters), since such a path is malformed for every route.
 */
export function pathCheck(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = c.req.url;
    // Without an escape there is nothing to decode (the HTTP parser refuses raw control characters).
    if (!url.includes('%')) return next();
    const path = decodeComponent(new URL(url).pathname);
    if (path === null) throw invalid('path', 'malformed percent-encoding or invalid UTF-8');
    if (path.includes('\u0000')) throw invalid('path', 'contains a NUL character');
    return next();
  };
}

/**
 * 400 for a malformed query string, a repeated query parameter (`?org_id=a&org_id=b` would otherwise
 * be read one way by authorization and another by validation), or a parameter the route does not declare
 * (a misspelt `orgId=` would otherwise be ignored silently). Part of each route's own chain (route.ts), after
 * authorization: a caller who may not use the route learns nothing of its parameters.
 */
export function queryCheck(allowed: ReadonlySet<string>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = c.req.url;
    const queryStart = url.indexOf('?');
    if (queryStart < 0) return next();

    const seen = new Set<string>();
    const query = url.slice(queryStart + 1).split('#')[0] ?? '';
    for (const part of query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const rawKey = eq < 0 ? part : part.slice(0, eq);
      const key = decodeComponent(rawKey);
      if (key === null) throw invalid('query', `malformed percent-encoding or invalid UTF-8 in ${quote(rawKey)}`);
      // Named in messages, so at most 40 characters of it (and no NUL) are echoed back.
      const field = `query.${shorten(key.replaceAll('\u0000', ''))}`;
      const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
      if (value === null) throw invalid(field, 'malformed percent-encoding or invalid UTF-8');
      if (key.includes('\u0000') || value.includes('\u0000')) throw invalid(field, 'contains a NUL character');
      if (!allowed.has(key)) {
        const known = [...allowed].sort().join(', ');
        throw invalid(
          field,
          known ? `not a parameter of this endpoint (it takes ${known})` : 'this endpoint takes no query parameters',
        );
      }
      if (seen.has(key)) throw invalid(field, 'given more than once');
      seen.add(key);
    }
    return next();
  };
}

const NUL_ESCAPE = [0x75, 0x30, 0x30, 0x30, 0x30]; // "u0000" after a backslash

/**
 * What the shared rules need to know of JSON text (as bytes): how deep arrays and objects nest (the scan stops
 * once past `limit`) and whether a string holds an escaped NUL (\u0000). Bytes outside strings that are not
 * JSON are not judged here; the parser does that.
 */
export function scanJson(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY): { depth: number; nul: boolean } {
  let depth = 0;
  let deepest = 0;
  let nul = false;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) {
        if (!nul && NUL_ESCAPE.every((x, k) => bytes[i + 1 + k] === x)) nul = true;
        i++; // the escaped byte never ends the string
      } else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) break;
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return { depth: deepest, nul };
}

/**
 * 400 for a request body that is not UTF-8 (decoders would swap the bad bytes for U+FFFD and carry on), holds a
 * NUL (PostgreSQL text cannot store one: it would fail as a 500), or is JSON nested deeper than MAX_JSON_DEPTH
 * (JSON.stringify of a 10,000-deep value overflows the stack). Runs after the body-size limit; the bytes it
 * reads stay cached for the route.
 */
export function bodyGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method) || !c.req.raw.body) return next();
    checkBodyBytes(new Uint8Array(await c.req.arrayBuffer()), c.req.header('content-type'));
    return next();
  };
}

/** The body rules of bodyGuard on bytes already read (a route that reads its body itself applies them too). */
export function checkBodyBytes(bytes: Uint8Array, contentType: string | undefined): void {
  if (bytes.length === 0) return;
  if (!isUtf8(bytes)) throw invalid('body', 'not valid UTF-8');
  // PostgreSQL text cannot hold NUL, and no field of this API needs one.
  if (bytes.includes(0)) throw invalid('body', 'contains a NUL byte');
  if ((contentType ?? '').toLowerCase().includes('csv')) return;
  const scan = scanJson(bytes, MAX_JSON_DEPTH);
  if (scan.depth > MAX_JSON_DEPTH) throw invalid('body', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (scan.nul) throw invalid('body', 'contains a NUL character (\\u0000)');
}
