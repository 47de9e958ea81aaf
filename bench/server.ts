// A warm VictorySync server process for the benchmarks: started on a free port against a database URL, signed in
// as the benchmark's platform admin.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '../deploy/nginx.js';
import { BENCH_ADMIN } from './dataset.js';

const ROOT = new URL('..', import.meta.url).pathname;

export interface BenchServer {
  port: number;
  base: string;
  /** the platform admin's session cookie */
  cookie: string;
  process: ChildProcess;
  stop(): void;
}

export async function startBenchServer(
  databaseUrl: string,
  env: Record<string, string> = {},
  /** the checkout whose server runs (another commit's, for bench/compare.ts) */
  root = ROOT,
): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}/server/src/main.ts`], {
    cwd: root,
    env: {
      ...process.env,
      // A throwaway key: the benchmark stores no MightyCall credentials.
      VICTORYSYNC_SECRET_KEY: process.env.VICTORYSYNC_SECRET_KEY ?? randomBytes(32).toString('base64'),
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      VICTORYSYNC_DEMO: '0',
      VICTORYSYNC_LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '8',
      // Latency of computing the answer: the dashboard micro-cache would serve repeats from memory.
      VICTORYSYNC_DASHBOARD_CACHE_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () => child.kill('SIGTERM');
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 120; i++) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify(BENCH_ADMIN),
    });
    if (!login.ok) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { port, base, cookie, process: child, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
