// A request refused before its body was read to the end (413 on Content-Length or halfway, 400 for JSON too deep
// or malformed, 415, 401) leaves its kept-alive connection fit for the next request: the rest of the body is
// drained and the same socket answers again, or the refusal says Connection: close and the client reconnects.
import http from 'node:http';
import net from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleUnreadBodies } from '../src/http/body-stream.js';
import type { App, AppEnv } from '../src/http/context.js';
import { testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { createUser } from './support/fixtures.js';

const PASSWORD = 'a-long-test-password-1';
const MAX_BODY = 2048;
const IMPORT_MAX = 4096;
// Over the limits, but within what the server drains (4 MiB) / beyond it.
const DRAINABLE = 100_000;
const UNDRAINABLE = 6_000_000;
const HOOK = '/api/webhooks/mightycall/00000000-0000-4000-8000-000000000000/not-a-real-token';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One client connection spoken to byte by byte, so which socket answers what is beyond doubt. */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  ended = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.waiting?.();
    });
    const end = () => {
      this.ended = true;
      this.waiting?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    // The server may close while the rest of a refused body is still being written (EPIPE, ECONNRESET).
    socket.on('error', end);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes one request; `body` goes with a Content-Length, or in chunks of `chunkSize` when `chunked`. */
  send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
    chunked = false,
    chunkSize = 16_384,
  ): void {
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: keep-alive'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body) lines.push(chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`);
    this.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
    if (!body) return;
    if (!chunked) {
      this.write(body);
      return;
    }
    for (let at = 0; at < body.length; at += chunkSize) {
      const piece = body.subarray(at, at + chunkSize);
      this.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
    }
    this.write(Buffer.from('0\r\n\r\n'));
  }

  /** Bytes as they are, for a body that stops halfway. */
  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The next response on this connection (Content-Length or chunked body). */
  async response(timeoutMs = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.ended) throw new Error(`connection ended before a whole response (${this.buffer.length} bytes)`);
      if (Date.now() > deadline) throw new Error('no response in time');
      await this.more(deadline - Date.now());
    }
  }

  /** Whether the server closes this connection within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.ended && Date.now() < deadline) await this.more(deadline - Date.now());
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }

  private more(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiting = () => {
        this.waiting = null;
        done();
      };
    });
  }

  private parse(): RawResponse | null {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return null;
    const [statusLine = '', ...headerLines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const rest = this.buffer.subarray(headEnd + 4);
    let body: Buffer;
    let used: number;
    if (headers['transfer-encoding'] === 'chunked') {
      const pieces: Buffer[] = [];
      let at = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', at);
        if (lineEnd < 0) return null;
        const size = Number.parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) return null;
        pieces.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(pieces);
      used = at;
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (rest.length < length) return null;
      body = rest.subarray(0, length);
      used = length;
    }
    this.buffer = this.buffer.subarray(headEnd + 4 + used);
    return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
  }
}

/** Serves `fetch` on a free port of 127.0.0.1, as main.ts serves the app. */
async function serveOnFreePort(fetch: App['fetch']): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      }),
    );
  });
}

const deepJson = Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`);
const padding = (size: number) => Buffer.alloc(size, 0x20);

describe.each(testTargets())('connections after an early refusal on %s', (target) => {
  let database: TestDatabase;
  let server: { port: number; close(): Promise<void> };
  let port: number;
  let cookie: string;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    const { app } = testApp(database, {
      VICTORYSYNC_MAX_BODY_BYTES: String(MAX_BODY),
      VICTORYSYNC_IMPORT_MAX_BYTES: String(IMPORT_MAX),
    });
    await createUser(database, 'root@example.com', { platformAdmin: true, password: PASSWORD });
    server = await serveOnFreePort(app.fetch);
    port = server.port;
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'root@example.com', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });
  afterAll(async () => {
    await server.close();
    await database.cleanup();
  });

  const json = { 'Content-Type': 'application/json' };
  const importAs = (contentType: string) => ({
    'Content-Type': contentType,
    Cookie: cookie,
    'Sec-Fetch-Site': 'same-origin',
  });

  /**
   * Sends the refused request on a fresh connection and checks its answer; then the next request must be
   * answered: on the same socket when the answer kept the connection, on a new one when it said close.
   */
  const refusedThenNext = async (
    request: { method?: string; path: string; headers: Record<string, string>; body: Buffer; chunked?: boolean },
    expected: { status: number; code: string; connection: 'kept' | 'closed' },
  ) => {
    const conn = await RawConnection.open(port);
    try {
      conn.send(request.method ?? 'POST', request.path, request.headers, request.body, request.chunked);
      const refused = await conn.response();
      expect({ status: refused.status, code: JSON.parse(refused.body).error?.code }).toEqual({
        status: expected.status,
        code: expected.code,
      });
      const says = refused.headers.connection?.toLowerCase() === 'close' ? 'closed' : 'kept';
      let next = conn;
      if (says === 'closed') {
        // Node closes after the answer, as the header promised.
        expect(await conn.closesWithin(5_000)).toBe(true);
        next = await RawConnection.open(port);
      }
      // An answer that did not say close promised the connection: the next request goes on the same socket.
      next.send('GET', '/health', {});
      expect((await next.response()).status).toBe(200);
      next.close();
      expect(says).toBe(expected.connection);
    } finally {
      conn.close();
    }
  };

  it('keeps the connection after a 400 for JSON nested too deep or malformed (the body was read whole)', async () => {
    const kept = { connection: 'kept' } as const;
    await refusedThenNext(
      { path: '/api/auth/login', headers: json, body: deepJson },
      { status: 400, code: 'invalid_request', ...kept },
    );
    await refusedThenNext(
      { path: '/api/auth/login', headers: json, body: Buffer.from('{"email": "root@example.com", "password": ') },
      { status: 400, code: 'malformed_request', ...kept },
    );
    await refusedThenNext(
      { path: HOOK, headers: json, body: deepJson },
      { status: 400, code: 'invalid_request', ...kept },
    );
  });

  it('drains an oversized body within reach and answers the next request on the same socket', async () => {
    const tooLarge = { status: 413, code: 'payload_too_large', connection: 'kept' } as const;
    for (const chunked of [false, true]) {
      await refusedThenNext({ path: '/api/auth/login', headers: json, body: padding(DRAINABLE), chunked }, tooLarge);
      await refusedThenNext({ path: HOOK, headers: json, body: padding(DRAINABLE), chunked }, tooLarge);
      await refusedThenNext(
        {
          path: '/api/admin/calls/import',
          headers: importAs('application/x-ndjson'),
          body: padding(DRAINABLE),
          chunked,
        },
        tooLarge,
      );
    }
    // Refusals that come before the import reads anything: the wrong media type, no credentials.
    await refusedThenNext(
      { path: '/api/admin/calls/import', headers: importAs('application/pdf'), body: padding(DRAINABLE) },
      { status: 415, code: 'unsupported_media_type', connection: 'kept' },
    );
    await refusedThenNext(
      { path: '/api/admin/calls/import', headers: { 'Content-Type': 'text/csv' }, body: padding(DRAINABLE) },
      { status: 401, code: 'unauthenticated', connection: 'kept' },
    );
  });

  it('says Connection: close when the rest of the body is too big to drain, and the client reconnects', async () => {
    const tooLarge = { status: 413, code: 'payload_too_large', connection: 'closed' } as const;
    for (const chunked of [false, true]) {
      await refusedThenNext({ path: '/api/auth/login', headers: json, body: padding(UNDRAINABLE), chunked }, tooLarge);
      await refusedThenNext({ path: HOOK, headers: json, body: padding(UNDRAINABLE), chunked }, tooLarge);
      await refusedThenNext(
        {
          path: '/api/admin/calls/import',
          headers: importAs('application/x-ndjson'),
          body: padding(UNDRAINABLE),
          chunked,
        },
        tooLarge,
      );
    }
  });

  it('serves a kept-alive http.Agent: every good request after a refused one succeeds', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, body: Buffer | null, headers: Record<string, string> = json) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          { agent, host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body ?? undefined);
      });
    try {
      const statuses: number[] = [];
      for (const [path, body] of [
        ['/api/auth/login', deepJson],
        [HOOK, padding(DRAINABLE)],
        ['/api/auth/login', padding(UNDRAINABLE)],
        [HOOK, padding(UNDRAINABLE)],
      ] as const) {
        statuses.push(await send(path, body));
        statuses.push(await send('/health', null));
      }
      expect(statuses).toEqual([400, 200, 413, 200, 413, 200, 413, 200]);
    } finally {
      agent.destroy();
    }
  });

  it('reads a body sent in pieces whole, for the generic routes and the import (each reads the connection)', async () => {
    const started = Date.parse('2026-02-01T10:00:00Z');
    const lines = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({
        provider: 'socket-import',
        provider_call_id: `call-${i}`,
        direction: 'inbound',
        status: 'missed',
        business_number: '+16465550177',
        external_number: `+1646555100${i}`,
        started_at: new Date(started + i * 60_000).toISOString(),
        answered_at: null,
        ended_at: new Date(started + i * 60_000 + 30_000).toISOString(),
        agent_extension: null,
      }),
    );
    // Spaces after the JSON, so the login body spans several pieces too.
    const login = Buffer.from(
      `${JSON.stringify({ email: 'root@example.com', password: PASSWORD })}${' '.repeat(1500)}`,
    );
    for (const chunked of [false, true]) {
      const conn = await RawConnection.open(port);
      conn.send('POST', '/api/auth/login', json, login, chunked, 256);
      expect((await conn.response()).status).toBe(200);
      conn.send(
        'POST',
        '/api/admin/calls/import',
        importAs('application/x-ndjson'),
        Buffer.from(lines.join('\n')),
        chunked,
        256,
      );
      const res = await conn.response();
      conn.close();
      expect({ status: res.status, received: JSON.parse(res.body).received }).toEqual({ status: 200, received: 8 });
    }
  });
});

describe('settleUnreadBodies on its own', () => {
  let server: { port: number; close(): Promise<void> };
  let port: number;

  beforeAll(async () => {
    const app = new Hono<AppEnv>();
    // Small caps, so that the slow and the too-big cases are quick to show.
    app.use('*', settleUnreadBodies(64 * 1024, 300));
    app.post('/refuse', (c) => c.json({ error: { code: 'refused', message: 'refused without reading' } }, 400));
    app.get('/ok', (c) => c.json({ ok: true }));
    server = await serveOnFreePort(app.fetch);
    port = server.port;
  });
  afterAll(async () => {
    await server.close();
  });

  it('waits for a body sent slowly, up to its time cap, then answers with Connection: close', async () => {
    const conn = await RawConnection.open(port);
    // Half of the declared body, then nothing more.
    conn.send('POST', '/refuse', { 'Content-Length': '2000' });
    conn.write(padding(1000));
    const started = Date.now();
    const res = await conn.response();
    expect(res.status).toBe(400);
    expect(res.headers.connection).toBe('close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await conn.closesWithin(2_000)).toBe(true);
    conn.close();
  });

  it('keeps the connection when the whole body arrives within the caps', async () => {
    const conn = await RawConnection.open(port);
    conn.send('POST', '/refuse', {}, padding(32 * 1024));
    const res = await conn.response();
    expect(res.status).toBe(400);
    expect(res.headers.connection).toBe('keep-alive');
    conn.send('GET', '/ok', {});
    expect((await conn.response()).status).toBe(200);
    conn.close();
  });
});
