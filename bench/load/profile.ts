// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time by area (a package, a
// server module, node internals, GC, idle) and by function, and inclusive time of the server's own functions.
// Run on its own: tsx bench/load/profile.ts <file.cpuprofile> [start-up ms to skip]
import { readdir, readFile } from 'node:fs/promises';
import { round } from './stats.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** what ran while it was taken */
  scenario?: string;
  file: string;
  /** start-up samples left out (the process was not yet serving) */
  skippedMs: number;
  totalMs: number;
  /** the share of samples the main thread was not idle */
  busyPercent: number;
  byArea: ProfileEntry[];
  selfTop: ProfileEntry[];
  /** server/src functions, time including what they call (each sample counted once per function) */
  inclusiveTop: ProfileEntry[];
}

const ROOT_URL = new URL('../../', import.meta.url).href;

function short(url: string): string {
  return url.replace(ROOT_URL, '').replace(/^file:\/\//, '');
}

/** The area a frame belongs to: a package under node_modules, a server module, node internals, or V8's own. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: V8/native, not attributed)';
    return `(native) ${functionName || 'anonymous'}`;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /(server|mightycall-sim|datagen)\/src\/([^/]+)/.exec(url);
  if (own?.[1] && own[2]) return own[1] === 'server' ? `server/${own[2].replace(/\.ts$/, '')}` : own[1];
  return short(url);
}

function frameName(frame: CallFrame): string {
  // Code run through tsx reports line 1 for everything: leave it out rather than mislead.
  const line = frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : '';
  return frame.url ? `${frame.functionName || '(anonymous)'} ${short(frame.url)}${line}` : frame.functionName;
}

/** Self and inclusive time of the samples taken `skipMs` or more after the profile started. */
export function summarizeProfile(profile: CpuProfile, file: string, skipMs = 0, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    elapsed += dt;
    if (elapsed < skipMs) continue;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const area = areaOf(node.callFrame);
    if (area === '(idle)') {
      idle += ms;
      continue;
    }
    add(areas, area, ms);
    add(functions, frameName(node.callFrame), ms);
    // Inclusive: every distinct server function on the stack of these samples.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !/server\/src\//.test(frame.url)) continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusive, name, ms);
    }
  }
  const busy = total - idle;
  const list = (map: Map<string, number>, base: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: round(ms, 0), percent: round((ms / base) * 100, 1) }));
  return {
    file: short(file),
    skippedMs: round(Math.min(skipMs, elapsed), 0),
    totalMs: round(total, 0),
    busyPercent: round((busy / total) * 100, 1),
    byArea: list(areas, busy),
    selfTop: list(functions, busy),
    inclusiveTop: list(inclusive, busy),
  };
}

/** The main thread's profile of process `pid` in `dir` (node names them CPU.<date>.<time>.<pid>.<thread>.<n>). */
export async function mainThreadProfile(dir: string, pid: number): Promise<string> {
  const name = (await readdir(dir)).find((f) => f.includes(`.${pid}.0.`) && f.endsWith('.cpuprofile'));
  if (!name) throw new Error(`no main-thread CPU profile of process ${pid} in ${dir}`);
  return `${dir}/${name}`;
}

export async function readProfile(file: string, skipMs = 0): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, file, skipMs);
}

export function formatProfile(s: ProfileSummary, rows = 12): string {
  const table = (title: string, entries: ProfileEntry[]) =>
    [
      `| ${title} | ms | % of busy |`,
      '|---|---|---|',
      ...entries.slice(0, rows).map((e) => `| ${e.name.replaceAll('|', '\\|')} | ${e.ms} | ${e.percent} |`),
    ].join('\n');
  return [
    `Profile${s.scenario ? ` of the ${s.scenario}` : ''} (${s.file}): ${s.totalMs} ms sampled after ${s.skippedMs} ms of start-up, main thread busy ${s.busyPercent} % of it; shares below are of the busy time.`,
    '',
    table('area (self time)', s.byArea),
    '',
    table('function (self time)', s.selfTop),
    '',
    table('server function (inclusive)', s.inclusiveTop),
  ].join('\n');
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/load/profile.ts <file.cpuprofile> [skip-ms]\n');
    process.exit(2);
  }
  readProfile(file, Number(process.argv[3] ?? 0)).then(
    (summary) => process.stdout.write(`${formatProfile(summary, 25)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
