// Where the machine's CPU went during a scenario: the server process(es), PostgreSQL (every postgres process),
// this load generator, and everything else; plus the database's transactions per request.
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import { round } from './stats.js';

/** Linux reports process times in clock ticks of 1/100 s on every platform Node runs on. */
const TICK_MS = 10;

async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

async function postgresCpuMs(): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes('(postgres)')) total += await processCpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function machineMs(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

async function transactions(db: pg.Pool): Promise<number> {
  const r = await db.query<{ n: string }>(
    'select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()',
  );
  return Number(r.rows[0]?.n ?? 0);
}

export interface CpuSplit {
  /** CPU seconds over the window */
  serverS: number;
  postgresS: number;
  loadGeneratorS: number;
  otherS: number;
  /** the whole machine's busy share over the window, 100 % = every core busy */
  machineBusyPercent: number;
  /** CPU ms per response */
  perRequestMs: { server: number; postgres: number; loadGenerator: number };
  /** database transactions per response (the server's, plus whatever else ran on that database meanwhile) */
  transactionsPerRequest: number;
}

export interface CpuMeter {
  stop(responses: number): Promise<CpuSplit>;
}

export async function startCpuMeter(serverPids: number[], db: pg.Pool): Promise<CpuMeter> {
  const serverCpu = async () => (await Promise.all(serverPids.map(processCpuMs))).reduce((a, b) => a + b, 0);
  const [s0, p0, m0, x0] = await Promise.all([serverCpu(), postgresCpuMs(), machineMs(), transactions(db)]);
  const g0 = process.cpuUsage();
  return {
    async stop(responses: number) {
      const g = process.cpuUsage(g0);
      const [s1, p1, m1, x1] = await Promise.all([serverCpu(), postgresCpuMs(), machineMs(), transactions(db)]);
      const server = s1 - s0;
      const postgres = p1 - p0;
      const generator = (g.user + g.system) / 1000;
      const busy = m1.busy - m0.busy;
      const per = (ms: number) => (responses > 0 ? round(ms / responses, 3) : Number.NaN);
      return {
        serverS: round(server / 1000, 1),
        postgresS: round(postgres / 1000, 1),
        loadGeneratorS: round(generator / 1000, 1),
        otherS: round(Math.max(0, busy - server - postgres - generator) / 1000, 1),
        machineBusyPercent: round((busy / Math.max(1, m1.total - m0.total)) * 100, 1),
        perRequestMs: { server: per(server), postgres: per(postgres), loadGenerator: per(generator) },
        transactionsPerRequest: responses > 0 ? round((x1 - x0) / responses, 2) : Number.NaN,
      };
    },
  };
}
