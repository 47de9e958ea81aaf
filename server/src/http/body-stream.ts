// Request bodies read as they arrive, for the routes that must not hold a whole body in memory (the call import)
// or must not pay for the generic path (webhooks): the size limit counted per chunk, and the body rules of
// input-guards.ts (UTF-8, no NUL) checked as the text is decoded.
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
