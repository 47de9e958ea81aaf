// Request bodies read as they arrive, for the routes that must not hold a whole body in memory (the call import)
// or must not pay for the generic path (webhooks): the size limit counted per chunk, the body rules of
// input-guards.ts (UTF-8, no NUL) checked as the text is decoded, and what is left of a body refused halfway
// read off the connection, so the connection can carry the client's next request.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';
import { bodyInvalid } from './input-guards.js';

export const tooLarge = (limit: number): AppError =>
  new AppError(413, 'payload_too_large', `Request bodies here are limited to ${limit} bytes.`);

/** The chunks of a body, failing with 413 as soon as more than `limit` bytes have come. */
export async function* limitedChunks(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  const chunks = source[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await chunks.next();
    } catch {
      // The sender went away mid-body: nothing of it may count as received.
      throw new AppError(400, 'malformed_request', 'The request body could not be read to its end.');
    }
    if (next.done) return;
    size += next.value.length;
    if (size > limit) {
      await chunks.return?.();
      throw tooLarge(limit);
    }
    yield next.value;
  }
}

/**
 * The request's body as it arrives. On Node it is read from the request itself, so that stopping early (a 413
 * halfway) leaves the rest on the connection for settleUnreadBodies: Node's default iterator would destroy the
 * socket on return, and @hono/node-server's web stream keeps a reader of its own on the connection. Under
 * app.request (tests) there is no connection: the web stream.
 */
export function bodyChunks(c: Context<AppEnv>): AsyncIterable<Uint8Array> {
  const incoming = c.env?.incoming;
  if (incoming) return incoming.iterator({ destroyOnReturn: false });
  return c.req.raw.body ?? (async function* () {})();
}

/**
 * 413 for a body over `maxSize`. A declared Content-Length is judged without reading (the route reads the
 * body once, later); a body without one is read here, under the limit, and handed on as bytes.
 */
export function bodyLimit(maxSize: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > maxSize) throw tooLarge(maxSize);
      return next();
    }
    // Not c.req.raw.body on Node: looking at it starts @hono/node-server reading the connection into a web
    // stream, a second reader beside bodyChunks.
    if (!c.env?.incoming && !c.req.raw.body) return next();
    const bytes = await readLimited(bodyChunks(c), maxSize);
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}

/** Reads a whole (small) body under a limit. */
export async function readLimited(source: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of limitedChunks(source, limit)) {
    parts.push(chunk);
    size += chunk.length;
  }
  const only = parts.length === 1 ? (parts[0] as Uint8Array) : null;
  if (only) return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  return Buffer.concat(parts, size);
}

/** The body as text, decoded as it arrives: 400 for bytes that are not UTF-8 or for a NUL. */
export async function* utf8Text(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk?: Uint8Array): string => {
    let text: string;
    try {
      text = chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw bodyInvalid('not valid UTF-8');
    }
    // PostgreSQL text cannot hold NUL, and no field of this API needs one.
    if (text.includes('\u0000')) throw bodyInvalid('contains a NUL byte');
    return text;
  };
  for await (const chunk of chunks) {
    const text = decode(chunk);
    if (text !== '') yield text;
  }
  const rest = decode();
  if (rest !== '') yield rest;
}

/**
 * How much of a body an answer left unread is read and thrown away before the answer goes, so the connection
 * stays open for the client's next request. 4 MiB: a few times the generic limit (1 MiB), so a client that
 * overshoots it keeps its connection, while a huge upload is not read for nothing. 5 s: enough for that at a
 * few Mbit/s, too short for a stalled sender to hold the request. Beyond either, the answer says Connection: close.
 */
export const DRAIN_MAX_BYTES = 4 * 1_048_576;
export const DRAIN_MAX_MS = 5_000;

/**
 * Reads and discards the rest of a request's body: true once it has all arrived (the connection can carry the
 * next request), false when it is bigger than `maxBytes`, slower than `maxMs`, or the connection broke.
 */
export function drainRest(incoming: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (incoming.complete) return Promise.resolve(true);
  if (incoming.destroyed || Number(incoming.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const settle = (drained: boolean) => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('close', onClose);
      incoming.off('error', onError);
      if (!drained) incoming.pause();
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) settle(false);
    };
    const onEnd = () => settle(true);
    const onClose = () => settle(incoming.complete);
    const onError = () => settle(false);
    const timer = setTimeout(() => settle(false), maxMs);
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('close', onClose);
    incoming.once('error', onError);
    incoming.resume();
  });
}

/**
 * For an answer given before its request's body had all arrived (a 413 on Content-Length, a refusal halfway,
 * a 401 before an upload): the rest is drained before the answer goes, so the kept-alive connection is fit for
 * the next request. Left unread, Node (and @hono/node-server, after 500 ms) would drop the connection without
 * having said so, and the client's next request on it would fail with a socket error. A body too big or too slow
 * to drain gets Connection: close on the answer, which Node honours by closing after it: the client reconnects.
 */
export function settleUnreadBodies(maxBytes = DRAIN_MAX_BYTES, maxMs = DRAIN_MAX_MS): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const incoming = c.env?.incoming;
    if (!incoming || incoming.complete) return;
    if (await drainRest(incoming, maxBytes, maxMs)) return;
    c.res.headers.set('connection', 'close');
  };
}
