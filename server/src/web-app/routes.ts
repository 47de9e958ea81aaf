// Serves the built web app (web/dist): immutable hashed /assets/*, a never-stale index.html, SPA fallback outside /api.
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

function send(c: Context<AppEnv>, file: LoadedFile, type: string, cacheControl: string): Response {
  const headers = { 'content-type': type, 'cache-control': cacheControl, etag: file.etag };
  if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, headers);
  return c.body(file.body, 200, headers);
}

export interface WebAppOptions {
  /** where the built app lives; defaults to web/dist of this repository */
  distDir?: string;
}

export function registerWebApp(app: App, options: WebAppOptions = {}): void {
  const dist = normalize(options.distDir ?? DEFAULT_DIST);
  // Hashed assets never change under the same name, so they are cached in memory as well as in browsers.
  const assetCache = new Map<string, LoadedFile>();

  app.get('/assets/*', async (c) => {
    const full = inside(dist, c.req.path);
    if (!full) return c.text('Not found', 404);
    let file = assetCache.get(full) ?? null;
    if (!file) {
      file = await load(full);
      if (!file) return c.text('Not found', 404, { 'cache-control': REVALIDATE });
      assetCache.set(full, file);
    }
    return send(c, file, TYPES[extname(full)] ?? 'application/octet-stream', IMMUTABLE);
  });

  app.get('*', async (c, next) => {
    const path = c.req.path;
    if (isServerPath(path)) return next();
    // A real file at the top level of dist (favicon, robots.txt); anything else is a client-side route.
    if (path !== '/' && extname(path)) {
      const full = inside(dist, path);
      const file = full ? await load(full) : null;
      if (full && file) return send(c, file, TYPES[extname(full)] ?? 'application/octet-stream', REVALIDATE);
      return c.text('Not found', 404);
    }
    const index = await load(join(dist, 'index.html'));
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
