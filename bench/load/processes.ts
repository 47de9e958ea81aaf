// Child processes of the load benchmark: the servers under test (tsx or a bundle run by plain node), nginx
// in front of two of them, their RSS sampled from /proc every second, and a cleanup that never leaves one running.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { freePort, freePorts, renderSite, SITE_FILE, startNginx } from '../../deploy/nginx.js';
import type { RssSample } from './stats.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** Outside the tree (the linter checks every file in it): the server bundle and CPU profiles. */
/**
 * Node flags of the server processes (LOAD_SERVER_NODE_OPTIONS; '' for none). Without a heap cap, V8 on a
 * 24 GB machine lets the heap of a busy server grow lazily toward gigabytes; a cap is what a deployment sets.
 */
export const SERVER_NODE_OPTIONS = process.env.LOAD_SERVER_NODE_OPTIONS ?? '--max-old-space-size=512';
export const TMP = `${tmpdir()}/victorysync-load/`;

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills every child still running when this process ends, however it ends. */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench:load: ${signal}, stopping child processes\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

function track(child: ChildProcess): void {
  installCleanup();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Ends a child: SIGTERM (a graceful stop writes its CPU profile), SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, 5000)));
}

/** Resident set size of a process in MB, from /proc (null when it is gone). */
export async function rssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of one process every second from now until stop(). */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(private readonly pid: number) {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), 1000);
  }

  private async sample(): Promise<void> {
    const mb = await rssMb(this.pid);
    if (mb !== null) this.samples.push({ t: Math.round(performance.now() - this.started) / 1000, mb });
  }

  stop(): RssSample[] {
    clearInterval(this.timer);
    return this.samples;
  }
}

export type ServerMode = 'tsx' | 'bundle';

/**
 * Bundles the server into TMP with esbuild (the copy tsx already depends on): workspace packages are bundled,
 * everything else stays external and is found through TMP/node_modules, a link to the repository's; each
 * module's `import.meta.url` stays its source file's URL, so the migrations and the web app are found too.
 */
export async function bundleServer(): Promise<string> {
  const outfile = `${TMP}server/main.mjs`;
  await mkdir(`${TMP}server`, { recursive: true });
  // A link left by a run from another checkout would point at that checkout's packages: link anew each time.
  await rm(`${TMP}node_modules`, { force: true });
  await symlink(`${ROOT}node_modules`, `${TMP}node_modules`);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [`${ROOT}server/src/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: false,
    logLevel: 'warning',
    plugins: [
      {
        name: 'victorysync-load',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@victorysync/') ? undefined : { path: args.path, external: true },
          );
          build.onLoad({ filter: /\.ts$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            const url = JSON.stringify(pathToFileURL(args.path).href);
            return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
          });
        },
      },
    ],
  });
  return outfile;
}

export interface ServerOptions {
  name: string;
  databaseUrl: string;
  mode: ServerMode;
  /** the bundle from bundleServer() when mode is 'bundle' */
  bundle?: string;
  secretKey: string;
  poolSize: number;
  keyRateLimit: number;
  /** write a V8 CPU profile into this directory when the server stops */
  cpuProfDir?: string;
  env?: Record<string, string>;
}

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
  /** the last lines the server wrote (warnings and errors: it runs at log level warn) */
  output: string[];
  /** from spawn to the first healthy answer */
  startupMs: number;
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const spawned = performance.now();
  // Node flags for the servers only (not this process), on the command line so that V8 flags NODE_OPTIONS
  // refuses (--trace-gc) work too: by default the heap cap docs/operations.md asks deployments to set ("Memory").
  const args: string[] = SERVER_NODE_OPTIONS.split(/\s+/).filter(Boolean);
  if (options.cpuProfDir) {
    await mkdir(options.cpuProfDir, { recursive: true });
    // One file per thread (tsx runs its loader in a worker): the main thread's name has thread id 0.
    args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  if (options.mode === 'bundle') {
    if (!options.bundle) throw new Error('bundle mode needs the bundle path');
    args.push(options.bundle);
  } else {
    args.push('--import', 'tsx', `${ROOT}server/src/main.ts`);
  }
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.poolSize),
      PORT: String(port),
      HOST: '127.0.0.1',
      VICTORYSYNC_DEMO: '0',
      VICTORYSYNC_LOG_LEVEL: 'warn',
      VICTORYSYNC_SECRET_KEY: options.secretKey,
      VICTORYSYNC_KEY_RATE_LIMIT: String(options.keyRateLimit),
      VICTORYSYNC_METRICS_TOKEN: LOAD_METRICS_TOKEN,
      NODE_OPTIONS: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const output: string[] = [];
  // LOAD_SERVER_OUTPUT_DIR=<dir>: each server's whole output also goes to <dir>/<name>.log (e.g. with --trace-gc).
  const outputDir = process.env.LOAD_SERVER_OUTPUT_DIR;
  const file = outputDir ? fs.createWriteStream(`${outputDir}/${options.name}.log`, { flags: 'a' }) : null;
  const keep = (chunk: Buffer) => {
    file?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 200) output.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`server ${options.name} exited with ${child.exitCode}:\n${output.slice(-20).join('\n')}`);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stopChild(child, 1000);
      throw new Error(`server ${options.name} did not become healthy:\n${output.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('server has no pid');
  const startupMs = performance.now() - spawned;
  return { name: options.name, pid, port, url, child, output, startupMs, stop: () => stopChild(child) };
}

/**
 * nginx running deploy/nginx.conf (the production site file) in front of the given processes, as deployed but
 * without TLS: the figures are the servers' through the proxy users run, not nginx's encryption.
 */
export async function startProxy(backends: ServerProcess[]): Promise<{ url: string; stop(): Promise<void> }> {
  const [httpPort, port] = (await freePorts(2)) as [number, number];
  const site = renderSite(await readFile(SITE_FILE, 'utf8'), {
    backends: backends.map((b) => `127.0.0.1:${b.port}`),
    httpPort,
    tls: { port, plain: true },
  });
  const nginx = await startNginx(site, port);
  installCleanup();
  const kill = () => {
    if (nginx.child.exitCode === null) nginx.child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      process.off('exit', kill);
      // nginx's error log (upstream failures, resets) for a run that asks for it.
      if (process.env.LOAD_NGINX_LOG) await writeFile(process.env.LOAD_NGINX_LOG, nginx.output());
      await nginx.stop();
    },
  };
}

/** Requests a server process has answered, but its /metrics scrapes (LOAD_METRICS_TOKEN is set on every server). */
export async function requestsAnswered(server: ServerProcess): Promise<number> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${LOAD_METRICS_TOKEN}` } });
  let total = 0;
  for (const m of (await res.text()).matchAll(/^victorysync_http_requests_total\{([^}]*)\} (\d+)$/gm)) {
    if (!(m[1] ?? '').includes('route="/metrics"')) total += Number(m[2]);
  }
  return total;
}

export const LOAD_METRICS_TOKEN = randomBytes(24).toString('hex');

/** A throwaway 32-byte key: the bench connection is re-created on every run, so nothing outlives it. */
export function throwawaySecretKey(): string {
  return process.env.VICTORYSYNC_SECRET_KEY ?? randomBytes(32).toString('base64');
}

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  await writeFile(path, text);
}
