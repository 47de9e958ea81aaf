// `npm run bench:web`: the dashboard's page speed. Starts the demo server (built web app, embedded database),
// signs in as the demo org admin, times "KPI visible" over cold navigations in Chromium, runs Lighthouse (desktop
// and mobile) on the dashboard, and writes bench/results/web.md and web.json.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../e2e/support/server.js';
import { commitMeasured } from './commit.js';

const ROOT = new URL('..', import.meta.url).pathname;
// The browser tests' Chromium (Debian's); Lighthouse is told it through its own CHROME_PATH, and downloads none.
const CHROME = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KPI_RUNS = Number(process.env.BENCH_WEB_KPI_RUNS ?? 15);
const LIGHTHOUSE_RUNS = Number(process.env.BENCH_WEB_LIGHTHOUSE_RUNS ?? 3);
const COMMAND = 'npm run bench:web';
const log = (msg: string) => process.stdout.write(`${msg}\n`);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const p90 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.9) - 1] ?? 0;

interface Session {
  cookie: string;
  orgId: string;
  who: string;
}

async function signIn(baseUrl: string, email: string, password: string): Promise<Session> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const me = (await res.json()) as { memberships: Array<{ orgId: string }> };
  const orgId = me.memberships[0]?.orgId ?? '';
  if (!cookie) throw new Error('sign-in gave no session');
  return { cookie, orgId, who: email };
}

/**
 * The demo's first MightyCall sync imports the simulator's history, which keeps the server busy for a while after
 * it starts; the dashboard is measured on a settled server, as a visitor would meet it.
 */
async function waitForFirstSync(baseUrl: string, email: string, password: string): Promise<void> {
  const { cookie } = await signIn(baseUrl, email, password);
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const { connections } = await get<{ connections: Array<{ id: string }> }>('/api/admin/mightycall/connections');
  const deadline = Date.now() + 180_000;
  for (const { id } of connections) {
    for (;;) {
      const { jobs } = await get<{ jobs: Array<{ status: string; runs: number }> }>(
        `/api/admin/mightycall/connections/${id}/status`,
      );
      if (jobs.some((j) => j.runs > 0) && !jobs.some((j) => j.status === 'running')) break;
      if (Date.now() > deadline) throw new Error('the demo sync did not settle in 3 minutes');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  await new Promise((r) => setTimeout(r, 2000));
}

interface KpiTiming {
  /** navigation start → the first KPI figure on screen (ms) */
  kpiVisibleMs: number;
  /** the entry script fully received */
  entryEndMs: number;
  /** the app's script fully received (the entry, unless the app is a chunk of its own) */
  scriptEndMs: number;
  /** the first /api request sent */
  firstApiMs: number;
  /** the KPI request sent */
  kpiRequestMs: number;
  /** the KPI answer received */
  kpiResponseMs: number;
  cls: number;
}

/**
 * Runs in the page before its own scripts: sums layout shifts, and notes when the first KPI figure is in the DOM.
 * A string, not a function: tsx would wrap a function's inner functions in a helper the page does not have.
 */
const WATCH_SCRIPT = `
  window.__cls = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid^="kpi-value-"]')) {
      window.__kpiVisible = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

/** One cold navigation: a fresh browser context (no cache, no service worker), the session cookie only. */
async function timeKpiVisible(baseUrl: string, session: Session): Promise<KpiTiming[]> {
  const browser = await chromium.launch({ executablePath: CHROME, args: ['--headless', '--no-sandbox'] });
  const out: KpiTiming[] = [];
  try {
    for (let run = 0; run < KPI_RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const [name, value] = session.cookie.split('=');
      await context.addCookies([{ name: name ?? '', value: value ?? '', url: baseUrl }]);
      await context.addInitScript(WATCH_SCRIPT);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/orgs/${session.orgId}`);
      await page
        .waitForFunction(() => (window as unknown as { __kpiVisible?: number }).__kpiVisible !== undefined)
        .catch(async (error: unknown) => {
          const text = await page.locator('body').innerText();
          throw new Error(`no KPI figure on ${page.url()}: ${text.slice(0, 500)}`, { cause: error });
        });
      await page.waitForTimeout(1500);
      const timing = await page.evaluate(() => {
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const entry = resources.find((r) => /\/assets\/index-[^/]+\.js$/.test(r.name));
        // The app's code: in the entry itself, or in a chunk of its own when the entry imports it.
        const script = resources.find((r) => /\/assets\/start-app-[^/]+\.js$/.test(r.name)) ?? entry;
        const api = resources.filter((r) => r.name.includes('/api/'));
        const kpi = api.find((r) => r.name.includes('/api/metrics/kpis'));
        const w = window as unknown as { __kpiVisible: number; __cls: number };
        return {
          kpiVisibleMs: w.__kpiVisible,
          entryEndMs: entry?.responseEnd ?? 0,
          scriptEndMs: script?.responseEnd ?? 0,
          firstApiMs: Math.min(...api.map((r) => r.startTime)),
          kpiRequestMs: kpi?.startTime ?? 0,
          kpiResponseMs: kpi?.responseEnd ?? 0,
          cls: w.__cls,
        };
      });
      out.push(timing);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return out;
}

interface LighthouseScores {
  performance: number;
  accessibility: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** audits below a full score, for the report */
  flagged: string[];
  /** main-thread time by script (Lighthouse's bootup-time: total and scripting ms), the costliest first */
  scripts: string[];
  /** the long tasks Lighthouse saw (start and duration, ms) */
  longTasks: string[];
}

interface Details {
  details?: { items?: Array<Record<string, unknown>> };
}
const items = (audit: unknown): Array<Record<string, unknown>> => (audit as Details | undefined)?.details?.items ?? [];
const shortUrl = (url: unknown) => String(url).replace(/^https?:\/\/[^/]+/, '') || String(url);

async function runLighthouse(url: string, cookie: string, formFactor: 'desktop' | 'mobile'): Promise<LighthouseScores> {
  const dir = await mkdtemp(join(tmpdir(), 'vs-lighthouse-'));
  const output = join(dir, 'report.json');
  const args = [
    join(ROOT, 'node_modules/lighthouse/cli/index.js'),
    url,
    '--only-categories=performance,accessibility',
    `--extra-headers=${JSON.stringify({ Cookie: cookie })}`,
    '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
    '--output=json',
    `--output-path=${output}`,
    '--quiet',
  ];
  if (formFactor === 'desktop') args.push('--preset=desktop');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        env: { ...process.env, CHROME_PATH: CHROME },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lighthouse exited ${code}: ${stderr}`))));
    });
    const report = JSON.parse(await readFile(output, 'utf8')) as {
      categories: Record<string, { score: number; auditRefs: Array<{ id: string; weight: number }> }>;
      audits: Record<string, { score: number | null; numericValue?: number; title: string }>;
    };
    const score = (k: string) => Math.round((report.categories[k]?.score ?? 0) * 100);
    const num = (k: string) => report.audits[k]?.numericValue ?? 0;
    const flagged = Object.values(report.categories)
      .flatMap((c) => c.auditRefs.filter((r) => r.weight > 0))
      .map((r) => report.audits[r.id])
      .filter((a): a is { score: number; title: string } => a !== undefined && a.score !== null && a.score < 0.9)
      .map((a) => `${a.title} (${Math.round(a.score * 100)})`);
    return {
      performance: score('performance'),
      accessibility: score('accessibility'),
      fcpMs: num('first-contentful-paint'),
      lcpMs: num('largest-contentful-paint'),
      tbtMs: num('total-blocking-time'),
      cls: num('cumulative-layout-shift'),
      flagged,
      scripts: items(report.audits['bootup-time'])
        .slice(0, 6)
        .map(
          (i) => `${shortUrl(i.url)} ${Math.round(Number(i.total))} ms (scripting ${Math.round(Number(i.scripting))})`,
        ),
      longTasks: items(report.audits['long-tasks'])
        .slice(0, 8)
        .map((i) => `${Math.round(Number(i.duration))} ms at ${Math.round(Number(i.startTime))} (${shortUrl(i.url)})`),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The median run by performance score (Lighthouse's own advice for noisy runs). */
async function lighthouseMedian(url: string, cookie: string, formFactor: 'desktop' | 'mobile') {
  const runs: LighthouseScores[] = [];
  for (let i = 0; i < LIGHTHOUSE_RUNS; i++) {
    const run = await runLighthouse(url, cookie, formFactor);
    log(`lighthouse ${formFactor} #${i + 1}: performance ${run.performance}, accessibility ${run.accessibility}`);
    runs.push(run);
  }
  const sorted = [...runs].sort((a, b) => a.performance - b.performance);
  return { median: sorted[Math.floor(sorted.length / 2)] as LighthouseScores, runs };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? 0;
  log('starting the demo server…');
  const server = await startServer();
  try {
    const admin = server.demoUsers.find((u) => u.role.startsWith('org_admin'));
    if (!admin) throw new Error(`no demo org admin in the server's banner:\n${server.output()}`);
    await waitForFirstSync(server.baseUrl, server.admin.email, server.admin.password);
    const session = await signIn(server.baseUrl, admin.email, admin.password);
    const url = `${server.baseUrl}/orgs/${session.orgId}`;
    log(`timing KPI visible over ${KPI_RUNS} cold navigations…`);
    const kpi = await timeKpiVisible(server.baseUrl, session);
    const desktop = await lighthouseMedian(url, session.cookie, 'desktop');
    const mobile = await lighthouseMedian(url, session.cookie, 'mobile');
    const chromiumVersion = await new Promise<string>((resolve) => {
      const child = spawn(CHROME, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('exit', () => resolve(out.trim()));
    });
    const lighthouseVersion = (
      JSON.parse(await readFile(join(ROOT, 'node_modules/lighthouse/package.json'), 'utf8')) as { version: string }
    ).version;
    const results = {
      commit: commitMeasured(ROOT),
      measuredAt: new Date().toISOString(),
      command: COMMAND,
      // The 1-minute load average at the start and the end: other work on the machine slows every figure here.
      loadAverage: [Number(loadAtStart.toFixed(2)), Number((loadavg()[0] ?? 0).toFixed(2))],
      chromium: chromiumVersion,
      lighthouse: lighthouseVersion,
      kpiVisible: {
        runs: KPI_RUNS,
        medianMs: Math.round(median(kpi.map((k) => k.kpiVisibleMs))),
        p90Ms: Math.round(p90(kpi.map((k) => k.kpiVisibleMs))),
        entryEndMs: Math.round(median(kpi.map((k) => k.entryEndMs))),
        scriptEndMs: Math.round(median(kpi.map((k) => k.scriptEndMs))),
        firstApiMs: Math.round(median(kpi.map((k) => k.firstApiMs))),
        kpiRequestMs: Math.round(median(kpi.map((k) => k.kpiRequestMs))),
        kpiResponseMs: Math.round(median(kpi.map((k) => k.kpiResponseMs))),
        maxCls: Math.max(...kpi.map((k) => k.cls)),
      },
      desktop: desktop.median,
      mobile: mobile.median,
      desktopRuns: desktop.runs.map((r) => r.performance),
      mobileRuns: mobile.runs.map((r) => r.performance),
    };
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    await writeFile(join(ROOT, 'bench/results/web.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(ROOT, 'bench/results/web.md'), report(results));
    log(report(results));
  } finally {
    await server.stop();
  }
}

function report(r: {
  commit: string;
  measuredAt: string;
  command: string;
  loadAverage: number[];
  chromium: string;
  lighthouse: string;
  kpiVisible: {
    runs: number;
    medianMs: number;
    p90Ms: number;
    entryEndMs: number;
    scriptEndMs: number;
    firstApiMs: number;
    kpiRequestMs: number;
    kpiResponseMs: number;
    maxCls: number;
  };
  desktop: LighthouseScores;
  mobile: LighthouseScores;
  desktopRuns: number[];
  mobileRuns: number[];
}): string {
  const k = r.kpiVisible;
  const row = (name: string, s: LighthouseScores, runs: number[], target: number) =>
    `| ${name} | ${s.performance} (runs: ${runs.join(', ')}; target ≥ ${target}) | ${s.accessibility} (target 100) | ${Math.round(s.fcpMs)} ms | ${Math.round(s.lcpMs)} ms | ${Math.round(s.tbtMs)} ms | ${s.cls.toFixed(3)} |`;
  const flagged = (name: string, s: LighthouseScores) =>
    s.flagged.length ? `- ${name}: ${s.flagged.join('; ')}` : `- ${name}: nothing below 90`;
  return `# Dashboard page speed

Measured by \`${r.command}\` at commit ${r.commit} on ${r.measuredAt}, on this machine (2 cores shared), against the
demo server (\`npm start\`'s embedded database and demo data, the built web app served precompressed), once its
first MightyCall sync has settled, signed in as the demo org admin. ${r.chromium}; Lighthouse ${r.lighthouse} run headless against it (CHROME_PATH), simulated
throttling (Lighthouse's defaults: mobile is a mid-range phone on slow 4G, desktop its desktop preset). The
machine's 1-minute load average was ${r.loadAverage.join(' at the start, ')} at the end: other work on its two cores
slows the timings below, the KPI timing most (it is real time, not simulated).

## KPI visible after a cold navigation (Chromium, 1440×900, ${k.runs} runs, fresh context each: no cache)

| | median | p90 |
|---|---|---|
| navigation start → first KPI figure on screen | ${k.medianMs} ms | ${k.p90Ms} ms |

Where the time goes (medians, from navigation start): entry script received ${k.entryEndMs} ms, app script
received ${k.scriptEndMs} ms, first API request
sent ${k.firstApiMs} ms, KPI request sent ${k.kpiRequestMs} ms, answered ${k.kpiResponseMs} ms. Largest layout shift sum seen in these loads:
${k.maxCls.toFixed(4)}. Target: KPI visible ≤ 400 ms.

## Lighthouse on the dashboard (median of ${r.desktopRuns.length} runs by performance score)

| | performance | accessibility | FCP | LCP | TBT | CLS |
|---|---|---|---|---|---|---|
${row('desktop', r.desktop, r.desktopRuns, 95)}
${row('mobile', r.mobile, r.mobileRuns, 90)}

Audits scoring below 90 in the median runs:
${flagged('desktop', r.desktop)}
${flagged('mobile', r.mobile)}

Mobile main thread in the median run (simulated slow CPU), by script: ${r.mobile.scripts.join('; ') || 'none listed'}.
Its long tasks: ${r.mobile.longTasks.join('; ') || 'none'}.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
