// The real process: start on the embedded database, answer /health, stop cleanly, keep data across restarts,
// and refuse to start when an applied migration no longer matches its file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const ADMIN = { email: 'restart-admin@example.com', password: 'a-long-enough-password' };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(dataDir: string, port: number): Running {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      VICTORYSYNC_DATA_DIR: dataDir,
      VICTORYSYNC_ADMIN_EMAIL: ADMIN.email,
      VICTORYSYNC_ADMIN_PASSWORD: ADMIN.password,
      VICTORYSYNC_DEMO: '1',
      VICTORYSYNC_LOG_LEVEL: 'warn',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitForHealth(
  port: number,
  limitMs: number,
): Promise<{ body: { status: string; migrationVersion: string }; ms: number }> {
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200)
        return { body: (await res.json()) as { status: string; migrationVersion: string }, ms: Date.now() - t0 };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no healthy answer within ${limitMs} ms`);
}

async function orgNames(port: number): Promise<string[]> {
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify(ADMIN),
  });
  expect(login.status).toBe(200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const res = await fetch(`${base}/api/admin/orgs`, { headers: { cookie } });
  const body = (await res.json()) as { orgs: Array<{ name: string }> };
  return body.orgs.map((o) => o.name).sort();
}

/** Two GETs of /health on one TCP connection, `idleMs` apart: the statuses, or null where the socket had closed. */
async function twoOnOneConnection(port: number, idleMs: number): Promise<Array<number | null>> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  const ask = async () => {
    const before = statuses().length;
    if (closed) return null;
    socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    for (let i = 0; i < 100 && !closed; i++) {
      const seen = statuses();
      if (seen.length > before) return seen[seen.length - 1] ?? null;
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  };
  const first = await ask();
  await new Promise((r) => setTimeout(r, idleMs));
  const second = await ask();
  socket.destroy();
  return [first, second];
}

describe('the server process on the embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vs-process-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers /health within 30 s, keeps its data across a clean stop and start, and refuses an edited migration', {
    timeout: 180_000,
  }, async () => {
    const port = await freePort();
    const first = start(dataDir, port);
    const health = await waitForHealth(port, 30_000);
    expect(health.body.status).toBe('ok');
    expect(health.body.migrationVersion).toMatch(/^\d{4}$/);
    const before = await orgNames(port);
    expect(before).toEqual(['Harbor Dental Group', 'Sunset Plumbing', 'Thames Lettings']);
    // An idle kept-alive connection outlives Node's default 5 s (a sender reuses it for its next burst).
    expect(await twoOnOneConnection(port, 6_000)).toEqual([200, 200]);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start(dataDir, port);
    await waitForHealth(port, 30_000);
    expect(await orgNames(port)).toEqual(before);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // An applied migration whose file changed: the recorded checksum no longer matches.
    const database = await openDatabase({ kind: 'pglite', dataDir });
    await sql`update schema_migrations set checksum = 'edited' where version = '0001'`.execute(database.db);
    await database.close();
    const third = start(dataDir, port);
    expect(await third.exited).toBe(1);
    expect(third.output()).toMatch(/cannot start: Migration 0001_init\.sql was edited after it was applied/);
  });
});
