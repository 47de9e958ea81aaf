// The built web app over real HTTP: precompressed copies chosen by Accept-Encoding, their headers and bytes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { type ServerType, serve } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/context.js';
import { acceptedEncodings, registerWebApp } from './routes.js';

const SCRIPT = `export const figures = [${Array.from({ length: 400 }, (_, i) => `{"answered":${i}}`).join(',')}];\n`;
const INDEX = `<!doctype html><html lang="en"><title>VictorySync</title><script type="module" src="/assets/index-abc123.js"></script>${' '.repeat(2000)}</html>`;

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request whose body comes back exactly as sent on the wire (fetch would decompress it). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web app served precompressed', () => {
  let dist: string;
  let server: ServerType;
  let port: number;

  beforeAll(async () => {
    // Given a build with brotli and gzip copies beside the hashed script and index.html (as `vite build` writes).
    dist = await mkdtemp(join(tmpdir(), 'vs-dist-compressed-'));
    await mkdir(join(dist, 'assets'));
    for (const [path, text] of [
      ['assets/index-abc123.js', SCRIPT],
      ['index.html', INDEX],
    ] as const) {
      await writeFile(join(dist, path), text);
      await writeFile(join(dist, `${path}.br`), brotliCompressSync(text));
      await writeFile(join(dist, `${path}.gz`), gzipSync(text));
    }
    await writeFile(join(dist, 'assets', 'plain-def456.css'), 'body{margin:0}');
    const app = new OpenAPIHono<AppEnv>();
    registerWebApp(app, { distDir: dist });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        port = info.port;
        resolve();
      });
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dist, { recursive: true, force: true });
  });

  it('sends brotli to a browser that accepts it, with the length of the bytes sent, and they decompress to the file', async () => {
    const res = await get(port, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(res.headers['content-length'])).toBe(res.body.byteLength);
    expect(res.body.byteLength).toBeLessThan(SCRIPT.length / 4);
    expect(brotliDecompressSync(res.body).toString()).toBe(SCRIPT);
  });

  it('sends gzip when brotli is not accepted or weighs less', async () => {
    for (const accept of ['gzip', 'br;q=0, gzip', 'gzip;q=1, br;q=0.5']) {
      const res = await get(port, '/assets/index-abc123.js', { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBe('gzip');
      expect(Number(res.headers['content-length']), accept).toBe(res.body.byteLength);
      expect(gunzipSync(res.body).toString(), accept).toBe(SCRIPT);
    }
  });

  it('sends the file itself without Accept-Encoding (or with only encodings it has no copy for)', async () => {
    const choices: Array<Record<string, string>> = [
      {},
      { 'accept-encoding': 'identity' },
      { 'accept-encoding': 'zstd, deflate' },
    ];
    for (const headers of choices) {
      const res = await get(port, '/assets/index-abc123.js', headers);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers.vary).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(SCRIPT.length);
      expect(res.body.toString()).toBe(SCRIPT);
    }
  });

  it('gives each encoding its own ETag, and answers a matching one with 304', async () => {
    const br = await get(port, '/assets/index-abc123.js', { 'accept-encoding': 'br' });
    const plain = await get(port, '/assets/index-abc123.js');
    expect(br.headers.etag).toBeTruthy();
    expect(br.headers.etag).not.toBe(plain.headers.etag);
    const again = await get(port, '/assets/index-abc123.js', {
      'accept-encoding': 'br',
      'if-none-match': String(br.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
  });

  it('compresses index.html for every client route, never cached without revalidation', async () => {
    for (const path of ['/', '/orgs/1/dashboard']) {
      const res = await get(port, path, { 'accept-encoding': 'br, gzip' });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-encoding'], path).toBe('br');
      expect(res.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(brotliDecompressSync(res.body).toString(), path).toBe(INDEX);
    }
  });

  it('sends a file without copies as it is, with no Vary', async () => {
    const res = await get(port, '/assets/plain-def456.css', { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.body.toString()).toBe('body{margin:0}');
  });

  it('never serves a compressed copy by its own name as a script', async () => {
    const res = await get(port, '/assets/index-abc123.js.br');
    expect(res.headers['content-type']).not.toContain('javascript');
  });
});

describe('Accept-Encoding', () => {
  it('orders by weight, prefers brotli among equals, honours q=0 and *', () => {
    expect(acceptedEncodings(undefined)).toEqual([]);
    expect(acceptedEncodings('gzip, deflate, br')).toEqual(['br', 'gzip']);
    expect(acceptedEncodings('gzip;q=0.8, br;q=0.4')).toEqual(['gzip', 'br']);
    expect(acceptedEncodings('br;q=0, gzip')).toEqual(['gzip']);
    expect(acceptedEncodings('*')).toEqual(['br', 'gzip']);
    expect(acceptedEncodings('*;q=0.5, gzip;q=0')).toEqual(['br']);
    expect(acceptedEncodings('GZIP ; Q=0.5')).toEqual(['gzip']);
    expect(acceptedEncodings('identity')).toEqual([]);
  });
});
