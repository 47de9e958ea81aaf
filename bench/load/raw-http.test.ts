// The webhook load's HTTP client against a real node:http server: answers framed by length or in chunks, answers
// split across reads, requests queued behind a few sockets in order, a hung answer timed out, a reset reported.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse, RawHttpPool } from './raw-http.js';

describe('parseResponse', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1');

  it('reads a body framed by Content-Length, and waits for all of it', () => {
    const whole = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello';
    expect(parseResponse(bytes(whole))).toEqual({ status: 200, body: 'hello', length: whole.length });
    expect(parseResponse(bytes(whole.slice(0, -1)))).toBeNull();
    expect(parseResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'))).toBeNull();
  });

  it('reads a chunked body, and waits for its last chunk', () => {
    const whole =
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n';
    expect(parseResponse(bytes(whole))).toEqual({ status: 404, body: 'abc0123456789', length: whole.length });
    expect(parseResponse(bytes(whole.slice(0, -2)))).toBeNull();
  });

  it('leaves the bytes of a following answer alone', () => {
    const first = 'HTTP/1.1 204 No Content\r\n\r\n';
    expect(parseResponse(bytes(`${first}HTTP/1.1 200 OK\r\n`))).toEqual({
      status: 204,
      body: '',
      length: first.length,
    });
  });
});

describe('RawHttpPool', () => {
  let server: http.Server;
  let port: number;
  const seen: string[] = [];
  let open = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        seen.push(body);
        if (req.url === '/hang') return;
        if (req.url === '/empty') {
          res.writeHead(204);
          res.end();
          return;
        }
        if (req.url?.startsWith('/headers')) {
          const { cookie, 'x-test': test } = req.headers;
          const answer = JSON.stringify({ method: req.method, url: req.url, cookie, test });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
          res.end(answer);
          return;
        }
        if (req.url === '/reset') {
          req.socket.destroy();
          return;
        }
        if (req.url === '/chunked') {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.write('{"echo":');
          setTimeout(() => res.end(`${JSON.stringify(body)}}`), 5);
          return;
        }
        const answer = JSON.stringify({ echo: body });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
      });
    });
    server.on('connection', (socket) => {
      open++;
      socket.on('close', () => open--);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends every request once over at most its sockets, and answers each with its own body', async () => {
    const pool = new RawHttpPool('127.0.0.1', port, 3);
    seen.length = 0;
    const bodies = Array.from({ length: 40 }, (_, i) => `{"n":${i},"text":"é ${'x'.repeat(i * 50)}"}`);
    const answers = await Promise.all(bodies.map((b, i) => pool.post(i % 2 ? '/chunked' : '/', b, 5_000)));
    answers.forEach((a, i) => {
      expect(a.status).toBe(i % 2 ? 201 : 200);
      expect(JSON.parse(a.body)).toEqual({ echo: bodies[i] });
      expect(a.ms).toBeGreaterThan(0);
      // Timed from its write, it excludes the wait for one of the 3 sockets, which most of the 40 requests had.
      expect(a.wireMs).not.toBeNull();
      expect(a.wireMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(a.ms);
    });
    const queuedFor = answers.map((a) => a.ms - (a.wireMs ?? 0));
    // Half the answers take 5 ms (chunked), so requests behind them waited at least that long for a socket.
    expect(Math.max(...queuedFor)).toBeGreaterThanOrEqual(4);
    expect([...seen].sort()).toEqual([...bodies].sort());
    expect(open).toBeLessThanOrEqual(3);
    // One first request per connection the pool opened (3), the rest on kept-alive connections.
    expect(answers.filter((a) => a.fresh)).toHaveLength(3);
    pool.close();
  });

  it('sends a GET with its header lines, and reads an answer without a body', async () => {
    const pool = new RawHttpPool('127.0.0.1', port, 1);
    const answer = await pool.get('/headers?x=1', { cookie: 'vs_session=abc', 'x-test': 'yes' }, 5_000);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      method: 'GET',
      url: '/headers?x=1',
      cookie: 'vs_session=abc',
      test: 'yes',
    });
    expect((await pool.get('/empty', {}, 5_000)).status).toBe(204);
    pool.close();
  });

  it('times out a request that gets no answer, and reports a reset; the pool goes on', async () => {
    const pool = new RawHttpPool('127.0.0.1', port, 1);
    const hung = await pool.post('/hang', '{}', 100);
    expect(hung).toMatchObject({ status: null, error: 'timeout' });
    expect(hung.ms).toBeGreaterThanOrEqual(99);
    expect(await pool.post('/reset', '{}', 5_000)).toMatchObject({ status: null, error: 'network' });
    const after = await pool.post('/', '{"ok":true}', 5_000);
    expect(after.status).toBe(200);
    pool.close();
  });
});
