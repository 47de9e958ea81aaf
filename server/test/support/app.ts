// An in-process app over a test database, and a tiny client that signs in and sends requests like a browser.
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { App, AppDeps } from '../../src/http/context.js';
import { createLogger } from '../../src/http/logger.js';
import { createServices } from '../../src/services.js';
import type { TestDatabase } from './database.js';
import { createUser } from './fixtures.js';

export const ORIGIN = 'http://localhost';

export function testApp(
  database: TestDatabase,
  env: Record<string, string> = {},
): { app: App; deps: AppDeps; logs: string[] } {
  const logs: string[] = [];
  const config = loadConfig({ VICTORYSYNC_LOG_LEVEL: 'info', ...env });
  const logger = createLogger(config.logLevel, (line) => {
    logs.push(line);
  });
  const deps = createServices({ config, database, logger });
  return { app: createApp(deps), deps, logs };
}

export interface Client {
  request(path: string, init?: RequestInit): Promise<Response>;
  json<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
}

/** A client carrying either a session cookie (after signing in) or fixed headers (an API key). */
export function client(
  app: App,
  headers: Record<string, string> = {},
): Client & { login(email: string, password: string): Promise<void> } {
  let cookie: string | null = null;
  const request = (path: string, init: RequestInit = {}) => {
    const h = new Headers(init.headers);
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    if (cookie) h.set('cookie', cookie);
    if (init.method && init.method !== 'GET') h.set('origin', ORIGIN);
    return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers: h }));
  };
  return {
    request,
    async json<T>(path: string, init?: RequestInit) {
      const res = await request(path, init);
      return { status: res.status, body: (await res.json()) as T };
    },
    async login(email: string, password: string) {
      const res = await request('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      const set = res.headers.get('set-cookie') ?? '';
      cookie = set.split(';')[0] ?? null;
    },
  };
}

/** Creates the platform admin root@example.com with `password` and signs them in on `app`. */
export async function platformAdminClient(database: Database, app: App, password: string) {
  await createUser(database, 'root@example.com', { platformAdmin: true, password });
  const admin = client(app);
  await admin.login('root@example.com', password);
  return admin;
}
