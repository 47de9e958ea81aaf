// Runs deploy/nginx.conf, the site file a production install uses, as an unprivileged-style nginx of its own:
// a temporary prefix, its own pid, temp paths and logs, stderr for errors, `daemon off`. Only the deployment's
// ports, addresses and certificate are filled in (each substitution must find its target exactly once).
// Used by the deployment tests (server/test/deploy/) and the load benchmark (bench/load/).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SITE_FILE = new URL('./nginx.conf', import.meta.url).pathname;

export interface SiteOptions {
  /** `127.0.0.1:3001`-style addresses of the server processes, in place of the file's two */
  backends: string[];
  /** the plain-HTTP listener (the file's redirect to https) */
  httpPort: number;
  /** the TLS listener (the file's 443), or null: plain HTTP there instead, no ssl_ lines (the benchmark) */
  tls: { port: number; certificate: string; key: string } | { port: number; plain: true };
  /** the live stream location's proxy_read_timeout (the file's 60s), e.g. `2s` */
  liveReadTimeout?: string;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? [];
  if (matches.length !== 1) throw new Error(`deploy/nginx.conf: expected one ${what}, found ${matches.length}`);
  return text.replace(pattern, replacement);
}

/** The site file with this deployment's ports, addresses and certificate in place of the production ones. */
export function renderSite(site: string, options: SiteOptions): string {
  const upstreams = [...site.matchAll(/^( +)server 127\.0\.0\.1:300\d( .*)$/gm)];
  if (upstreams.length !== 2) throw new Error(`deploy/nginx.conf: expected two upstream servers`);
  const [indent, rest] = [upstreams[0]?.[1] ?? '', upstreams[0]?.[2] ?? ''];
  let text = site.replace(/^( +)server 127\.0\.0\.1:3001( .*)$/m, () =>
    options.backends.map((b) => `${indent}server ${b}${rest}`).join('\n'),
  );
  text = replaceOnce(text, /^ +server 127\.0\.0\.1:3002 .*\n/m, '', 'second upstream server');
  text = replaceOnce(text, /listen 80;/, `listen 127.0.0.1:${options.httpPort};`, 'port-80 listener');
  if ('plain' in options.tls) {
    text = replaceOnce(text, /listen 443 ssl http2;/, `listen 127.0.0.1:${options.tls.port};`, 'TLS listener');
    text = text.replace(/^ +ssl_.*\n/gm, '');
  } else {
    text = replaceOnce(text, /listen 443 ssl/, `listen 127.0.0.1:${options.tls.port} ssl`, 'TLS listener');
    text = replaceOnce(text, /ssl_certificate \S+;/, `ssl_certificate ${options.tls.certificate};`, 'certificate');
    text = replaceOnce(text, /ssl_certificate_key \S+;/, `ssl_certificate_key ${options.tls.key};`, 'key');
  }
  if (options.liveReadTimeout) {
    text = replaceOnce(
      text,
      /(location ~ \^\/api\/orgs\/\[\^\/\]\+\/live\$ \{[^}]*?proxy_read_timeout )60s;/,
      `$1${options.liveReadTimeout};`,
      'live stream read timeout',
    );
  }
  return text;
}

/** The nginx binary from Debian's packages (.ci/run installs it), or null when it is not installed. */
export function findNginx(): string | null {
  for (const path of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(path)) return path;
  return null;
}

/** A self-signed certificate for `localhost` and 127.0.0.1 (openssl), as PEM files in `dir`. */
export async function selfSignedCertificate(dir: string): Promise<{ certificate: string; key: string; pem: string }> {
  const certificate = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      certificate,
    ],
    { stdio: 'ignore' },
  );
  return { certificate, key, pem: await readFile(certificate, 'utf8') };
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port ?? 0;
}

/**
 * `count` distinct free ports: all are held open at once before any is released, so the system cannot hand
 * the same port out twice (one at a time, a port just released may come back as the next one).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === 'object' && a ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface RunningNginx {
  dir: string;
  /** the rendered site, as nginx runs it */
  site: string;
  child: ChildProcess;
  output(): string;
  /** reloads a changed site (SIGHUP), e.g. with other backends */
  reload(site: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts nginx on the rendered site in a temporary prefix; resolves once it accepts connections. */
export async function startNginx(site: string, probePort: number): Promise<RunningNginx> {
  const binary = findNginx();
  if (!binary) throw new Error('nginx is not installed: apt-get install nginx-light (or nginx)');
  const dir = await mkdtemp(join(tmpdir(), 'vs-nginx-'));
  for (const sub of ['logs', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub));
  await writeFile(join(dir, 'victorysync.conf'), site);
  // The main file a distribution ships, reduced to what a private instance needs (temp paths inside `dir`).
  const main = [
    // As root the workers would run as nobody, who cannot write into this private directory.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${dir}/client_body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    `  access_log ${dir}/logs/access.log;`,
    `  include ${dir}/victorysync.conf;`,
    '}',
    '',
  ].join('\n');
  await writeFile(join(dir, 'nginx.conf'), main);
  const args = ['-p', `${dir}/`, '-e', 'stderr', '-c', join(dir, 'nginx.conf')];
  const test = spawn(binary, [...args, '-t', '-g', `pid ${dir}/nginx.pid;`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let checked = '';
  test.stderr?.on('data', (d: Buffer) => {
    checked += d.toString();
  });
  const ok = await new Promise<boolean>((resolve) => test.on('exit', (code) => resolve(code === 0)));
  if (!ok) throw new Error(`nginx -t refused the configuration:\n${checked}\n${site}`);

  let out = '';
  const child = spawn(binary, [...args, '-g', `daemon off; pid ${dir}/nginx.pid; error_log stderr;`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${out}`);
    if (await answersAsNginx(probePort)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start listening:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const running: RunningNginx = {
    dir,
    site,
    child,
    output: () => out,
    async reload(next) {
      await writeFile(join(dir, 'victorysync.conf'), next);
      running.site = next;
      child.kill('SIGHUP');
      // The old workers finish their requests; new ones take the new configuration.
      await new Promise((r) => setTimeout(r, 500));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return running;
}

/**
 * Whether nginx itself listens on the port: a plain HTTP request is answered with its Server header (on a TLS
 * port too, with its "plain HTTP request was sent to HTTPS port" page). Anything else on the port, such as
 * another process that took it, does not count: nginx keeps retrying a busy port for a while before it gives up.
 */
function answersAsNginx(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => socket.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) done(/^server: nginx/im.test(head));
    });
    socket.once('end', () => done(/^server: nginx/im.test(head)));
    socket.once('error', () => done(false));
  });
}
