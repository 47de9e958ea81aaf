// Serves the built web app (web/dist): immutable hashed /assets/*, a never-stale index.html, SPA fallback outside /api;
// each file as its build-time brotli or gzip copy (file.br, file.gz) when the client accepts it.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import type { App, AppEnv } from '../http/context.js';

const DEFAULT_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Paths the app never answers with the SPA: the API keeps its JSON 404s, health stays machine-readable. */
function isServerPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/health' || path.startsWith('/health/');
}

interface LoadedFile {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** The bytes to send for a file: the original, or a precompressed copy with its Content-Encoding. */
interface Variant extends LoadedFile {
  encoding: Encoding | null;
}

type Encoding = 'br' | 'gzip';
/** Preferred first when the client accepts several equally: brotli is the smaller. */
const ENCODINGS: ReadonlyArray<{ encoding: Encoding; suffix: string }> = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
];

async function load(path: string): Promise<LoadedFile | null> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return null;
    const bytes = await readFile(path);
    const body = new Uint8Array(bytes.byteLength);
    body.set(bytes);
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`;
    return { body, etag };
  } catch {
    return null;
  }
}

/**
 * The encodings an Accept-Encoding header allows, best first: q=0 refuses one, `*` stands for any not named,
 * and `identity` is always acceptable here (a client that refuses it still gets the original rather than a 406).
 */
export function acceptedEncodings(header: string | undefined): Encoding[] {
  if (!header) return [];
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    weights.set(name.trim(), Number.isFinite(weight) ? weight : 0);
  }
  const star = weights.get('*');
  return ENCODINGS.map(({ encoding }, order) => ({ encoding, order, q: weights.get(encoding) ?? star ?? 0 }))
    .filter((e) => e.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
    .map((e) => e.encoding);
}

/** The original file and whichever precompressed copies exist beside it. */
async function loadVariants(path: string): Promise<Variant[] | null> {
  const original = await load(path);
  if (!original) return null;
  const variants: Variant[] = [{ ...original, encoding: null }];
  for (const { encoding, suffix } of ENCODINGS) {
    const copy = await load(path + suffix);
    if (copy) variants.push({ ...copy, encoding });
  }
  return variants;
}

function pick(variants: readonly Variant[], acceptEncoding: string | undefined): Variant {
  for (const encoding of acceptedEncodings(acceptEncoding)) {
    const found = variants.find((v) => v.encoding === encoding);
    if (found) return found;
  }
  return variants.find((v) => v.encoding === null) ?? (variants[0] as Variant);
}

/** Resolves a URL path inside dist, refusing anything that would climb out of it. */
function inside(dist: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = normalize(join(dist, decoded));
  return full.startsWith(dist.endsWith(sep) ? dist : dist + sep) ? full : null;
}

function send(c: Context<AppEnv>, variants: readonly Variant[], type: string, cacheControl: string): Response {
  const file = pick(variants, c.req.header('accept-encoding'));
  const headers: Record<string, string> = {
    'content-type': type,
    'cache-control': cacheControl,
    etag: file.etag,
    'content-length': String(file.body.byteLength),
  };
  // Caches must key on Accept-Encoding whenever the answer depends on it.
  if (variants.length > 1) headers.vary = 'Accept-Encoding';
  if (file.encoding) headers['content-encoding'] = file.encoding;
  if (c.req.header('if-none-match') === file.etag) {
    delete headers['content-length'];
    return c.body(null, 304, headers);
  }
  return c.body(file.body, 200, headers);
}

export interface WebAppOptions {
  /** where the built app lives; defaults to web/dist of this repository */
  distDir?: string;
}

export function registerWebApp(app: App, options: WebAppOptions = {}): void {
  const dist = normalize(options.distDir ?? DEFAULT_DIST);
  // Hashed assets never change under the same name, so they are cached in memory as well as in browsers.
  const assetCache = new Map<string, Variant[]>();

  app.get('/assets/*', async (c) => {
    const full = inside(dist, c.req.path);
    if (!full) return c.text('Not found', 404);
    let variants = assetCache.get(full) ?? null;
    if (!variants) {
      variants = await loadVariants(full);
      if (!variants) return c.text('Not found', 404, { 'cache-control': REVALIDATE });
      assetCache.set(full, variants);
    }
    return send(c, variants, TYPES[extname(full)] ?? 'application/octet-stream', IMMUTABLE);
  });

  app.get('*', async (c, next) => {
    const path = c.req.path;
    if (isServerPath(path)) return next();
    // A real file at the top level of dist (favicon, robots.txt); anything else is a client-side route.
    if (path !== '/' && extname(path)) {
      const full = inside(dist, path);
      const variants = full ? await loadVariants(full) : null;
      if (full && variants) return send(c, variants, TYPES[extname(full)] ?? 'application/octet-stream', REVALIDATE);
      return c.text('Not found', 404);
    }
    const index = await loadVariants(join(dist, 'index.html'));
    if (!index) {
      return c.text(
        'The web app has not been built. Run `npm run build -w web` (or `npm start`, which builds it) and reload.',
        503,
        { 'cache-control': 'no-store' },
      );
    }
    return send(c, index, TYPES['.html'] ?? 'text/html', REVALIDATE);
  });
}
