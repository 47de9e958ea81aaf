// The call import over HTTP reads its body as it arrives: a file larger than the generic body limit lands (the
// import has a limit of its own), and a body over the import limit, with bytes that are not UTF-8, or with a
// NUL is refused with a 4xx after good lines were already read, leaving nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type client, platformAdminClient, testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';

const PASSWORD = 'a-long-test-password-1';
const IMPORT_LIMIT = 4 * 1_048_576;

function line(provider: string, i: number): string {
  const start = Date.parse('2026-02-01T10:00:00Z') + i * 60_000;
  return JSON.stringify({
    provider,
    provider_call_id: `call-${i}`,
    direction: 'inbound',
    status: 'missed',
    business_number: '+16465550177',
    external_number: `+1646555${String(1000 + (i % 9000))}`,
    started_at: new Date(start).toISOString(),
    answered_at: null,
    ended_at: new Date(start + 30_000).toISOString(),
    agent_extension: null,
    queue: 'Padding '.repeat(20).trim(),
  });
}

/** A body sent in pieces of `size` bytes, as a stream (no Content-Length: chunked on the wire). */
function streamOf(bytes: Uint8Array, size = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else {
        controller.enqueue(bytes.subarray(at, at + size));
        at += size;
      }
    },
  });
}

describe.each(testTargets())('call import as a stream on %s', (target) => {
  let database: TestDatabase;
  let admin: ReturnType<typeof client>;
  const countOf = async (provider: string) =>
    Number(
      (
        await database.db
          .selectFrom('calls')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('provider', '=', provider)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const post = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) => {
    // A stream body needs duplex 'half' (Node's fetch types know it; the DOM's RequestInit does not).
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body,
      duplex: 'half',
    };
    return admin.json<{ received?: number; inserted?: number; error?: { code: string; message: string } }>(
      '/api/admin/calls/import',
      init,
    );
  };

  beforeAll(async () => {
    database = await openTestDatabase(target);
    const { app } = testApp(database, { VICTORYSYNC_IMPORT_MAX_BYTES: String(IMPORT_LIMIT) });
    admin = await platformAdminClient(database, app, PASSWORD);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it('lands a file larger than the generic body limit, sent in pieces', async () => {
    const lines = Array.from({ length: 6_000 }, (_, i) => line('stream-big', i));
    const bytes = new TextEncoder().encode(lines.join('\n'));
    expect(bytes.length).toBeGreaterThan(1_048_576);
    expect(bytes.length).toBeLessThan(IMPORT_LIMIT);
    const res = await post(streamOf(bytes));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 6_000, inserted: 6_000 });
    expect(await countOf('stream-big')).toBe(6_000);
  });

  it('refuses a body over the import limit with 413 and keeps none of it', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => line('stream-over', i));
    const bytes = new TextEncoder().encode(lines.join('\n'));
    expect(bytes.length).toBeGreaterThan(IMPORT_LIMIT);
    const chunked = await post(streamOf(bytes));
    expect(chunked.status).toBe(413);
    expect(chunked.body.error?.code).toBe('payload_too_large');
    // With a Content-Length it is refused before anything is read.
    const declared = await post(lines.join('\n'));
    expect(declared.status).toBe(413);
    expect(await countOf('stream-over')).toBe(0);
  });

  it('refuses bytes that are not UTF-8, or a NUL, after good lines, and keeps none of them', async () => {
    const good = new TextEncoder().encode(
      `${Array.from({ length: 3_000 }, (_, i) => line('stream-bad', i)).join('\n')}\n`,
    );
    const withBadByte = new Uint8Array([...good, 0x7b, 0xff, 0x7d, 0x0a]);
    const notUtf8 = await post(streamOf(withBadByte, 4096));
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.body.error?.message).toBe('body: not valid UTF-8');
    const withNul = new Uint8Array([...good, 0x7b, 0x00, 0x7d, 0x0a]);
    const nul = await post(streamOf(withNul, 4096));
    expect(nul.status).toBe(400);
    expect(nul.body.error?.message).toBe('body: contains a NUL byte');
    expect(await countOf('stream-bad')).toBe(0);
  });
});
