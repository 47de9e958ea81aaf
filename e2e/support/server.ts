// Starts the real server for a test file: built web app, free port, fresh PGlite data dir, demo data, known admin.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../deploy/nginx.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ADMIN = { email: 'e2e-admin@victorysync.test', password: 'e2e-admin-password-123' };

export interface DemoUser {
  email: string;
  password: string;
  /** e.g. "org_admin of Harbor Dental Group" */
  role: string;
}

export interface RunningServer {
  baseUrl: string;
  /** the demo MightyCall simulator the server runs in-process (control API under /_sim) */
  simUrl: string;
  admin: typeof ADMIN;
  /** the demo users the server printed once on its first start */
  demoUsers: DemoUser[];
  output: () => string;
  stop: () => Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than any web source, as `npm start` does. */
export function ensureWebBuilt(): void {
  const web = join(ROOT, 'web');
  const index = join(web, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(web)) return;
  // NODE_ENV=production: under Vitest it is 'test', and Vite would then bundle React's development build (and
  // this machine's file paths) into the web/dist that `npm start` serves too.
  const build = spawnSync('npm', ['run', 'build', '-w', 'web'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
}

/** Lines like "  agent of Harbor Dental Group   maya.chen@harbor.example  Wq0BW…" from the first-start banner. */
export function parseDemoUsers(output: string): DemoUser[] {
  const users: DemoUser[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s{2}(\S.*?)\s+(\S+@\S+)\s{2}(\S+)\s*$/.exec(line);
    if (match?.[1] && match[2] && match[3] && !match[3].startsWith('(')) {
      users.push({ role: match[1].trim(), email: match[2], password: match[3] });
    }
  }
  return users;
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      // The banner with the demo credentials is printed once listening; wait for it too.
      if (res.ok && output().includes('running at')) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not become healthy in time:\n${output()}`);
}

export async function startServer(): Promise<RunningServer> {
  ensureWebBuilt();
  // Both at once: taken one after the other, the second can be the first again (the simulator then took
  // another port and the tests talked to the server in its place).
  const [port, simPort] = await freePorts(2);
  if (port === undefined || simPort === undefined) throw new Error('no free ports');
  const dataDir = mkdtempSync(join(tmpdir(), 'vs-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    VICTORYSYNC_DATA_DIR: dataDir,
    VICTORYSYNC_DEMO: '1',
    VICTORYSYNC_ADMIN_EMAIL: ADMIN.email,
    VICTORYSYNC_ADMIN_PASSWORD: ADMIN.password,
    VICTORYSYNC_LOG_LEVEL: 'warn',
    VICTORYSYNC_PUBLIC_URL: `http://127.0.0.1:${port}`,
    MIGHTYCALL_SIM_PORT: String(simPort),
    // Alert rules evaluated every 2 s, so a browser test sees one fire and resolve within seconds.
    VICTORYSYNC_ALERT_INTERVAL_SECONDS: '2',
  };
  // Always the embedded database: a fresh one per test file.
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => log;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  const simUrl = `http://127.0.0.1:${simPort}`;
  return { baseUrl, simUrl, admin: ADMIN, demoUsers: parseDemoUsers(log), output, stop };
}

/**
 * Demo mode plays random live calls through the simulator. Tests that compare figures need them to hold
 * still: wait for the traffic to start, stop it, and let the webhook inbox drain.
 */
export async function stopDemoTraffic(server: RunningServer): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`${server.simUrl}/_sim/live`)
      .then((r) => (r.ok ? (r.json() as Promise<{ running: boolean }>) : null))
      .catch(() => null);
    if (status?.running) break;
    if (Date.now() > deadline)
      throw new Error(`the demo simulator did not start its live traffic:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stopped = await fetch(`${server.simUrl}/_sim/live/stop`, { method: 'POST' });
  if (!stopped.ok) throw new Error(`could not stop the simulator's live traffic: ${stopped.status}`);
  await new Promise((r) => setTimeout(r, 3000));
}
