// Prometheus metrics of one process (prom-client, a registry per app): HTTP requests by route pattern, the
// database pools, the webhook inbox and the sync jobs. Served by GET /metrics (health/metrics-route.ts).
import type { MiddlewareHandler } from 'hono';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { systemPrincipal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import type { ReadRouting } from '../db/read-routing.js';
import { withPrincipal } from '../db/tenant.js';
import type { AppEnv } from '../http/context.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const SYSTEM = systemPrincipal('metrics scrape');

/** `2xx`, `4xx`…: a label with five values, whatever the routes answer. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

export class Telemetry {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_class'>;
  private readonly duration: Histogram<'method' | 'route' | 'status_class'>;

  /** `defaults`: Node's process metrics too (CPU, memory, event loop, GC); only where /metrics is served. */
  constructor(database: Database, options: { defaults: boolean; now?: () => number; reads?: ReadRouting }) {
    const registers = [this.registry];
    const now = options.now ?? Date.now;
    if (options.defaults) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'victorysync_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    });
    this.duration = new Histogram({
      name: 'victorysync_http_request_duration_seconds',
      help: 'Time to the response headers, by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'victorysync_db_pool_connections',
      help: 'Connections of each PostgreSQL pool of this process: total open, idle, and requests waiting for one',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { name, pool } of database.stats.pools) {
          this.set({ pool: name, state: 'total' }, pool.totalCount);
          this.set({ pool: name, state: 'idle' }, pool.idleCount);
          this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
        }
      },
    });
    new Counter({
      name: 'victorysync_db_query_errors_total',
      help: 'Statements of this process that failed (any reason: constraint, connection lost, timeout)',
      registers,
      collect() {
        this.reset();
        this.inc(database.stats.queryErrors);
      },
    });
    const reads = options.reads;
    if (reads?.enabled) {
      new Counter({
        name: 'victorysync_db_reads_total',
        help: 'Dashboard reads of this process, by where they ran (replica, or primary: own write not replayed yet, replica down)',
        labelNames: ['on'],
        registers,
        collect() {
          this.reset();
          this.inc({ on: 'replica' }, reads.served.replica);
          this.inc({ on: 'primary' }, reads.served.primary);
        },
      });
      new Gauge({
        name: 'victorysync_read_replica_up',
        help: '1 while this process sends dashboard reads to the read replica, 0 while it found it unreachable',
        registers,
        collect() {
          this.set(reads.replicaUp ? 1 : 0);
        },
      });
    }
    // Figures of the shared database, read at scrape time: every process reports the same values.
    const inboxDepth = new Gauge({
      name: 'victorysync_webhook_inbox_depth',
      help: 'MightyCall webhook events stored and not yet processed (whole database)',
      registers,
    });
    const inboxAge = new Gauge({
      name: 'victorysync_webhook_inbox_oldest_age_seconds',
      help: 'Age of the oldest unprocessed webhook event (0 when none)',
      registers,
    });
    const runs = new Gauge({
      name: 'victorysync_sync_job_runs',
      help: 'MightyCall sync runs recorded per job, over all connections (a database total; use increase())',
      labelNames: ['job'],
      registers,
    });
    const failures = new Gauge({
      name: 'victorysync_sync_job_failures',
      help: 'Consecutive failures of each job, summed over connections (0 once each has succeeded again)',
      labelNames: ['job'],
      registers,
    });
    const lag = new Gauge({
      name: 'victorysync_sync_job_lag_seconds',
      help: 'How far the most overdue run of each job is past its due time (0: none overdue)',
      labelNames: ['job'],
      registers,
    });
    const scrapeDatabase = async () => {
      const [inbox, jobs] = await withPrincipal(database.db, SYSTEM, async (tx) => [
        await tx
          .selectFrom('mightycall_webhook_inbox')
          .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('received_at').as('oldest')])
          .where('processed_at', 'is', null)
          .executeTakeFirst(),
        await tx
          .selectFrom('mightycall_sync_state as s')
          .innerJoin('mightycall_connections as c', 'c.id', 's.connection_id')
          .select((eb) => [
            's.job',
            eb.fn.sum<number>('s.runs').as('runs'),
            eb.fn.sum<number>('s.failures').as('failures'),
            eb.fn.min('s.next_run_at').as('due'),
          ])
          .where('c.enabled', '=', true)
          .groupBy('s.job')
          .execute(),
      ]);
      const at = now();
      inboxDepth.set(Number(inbox?.depth ?? 0));
      inboxAge.set(inbox?.oldest ? Math.max(0, (at - new Date(inbox.oldest).getTime()) / 1000) : 0);
      for (const gauge of [runs, failures, lag]) gauge.reset();
      for (const job of jobs) {
        runs.set({ job: job.job }, Number(job.runs ?? 0));
        failures.set({ job: job.job }, Number(job.failures ?? 0));
        lag.set({ job: job.job }, job.due ? Math.max(0, (at - new Date(job.due).getTime()) / 1000) : 0);
      }
    };
    this.scrapeDatabase = scrapeDatabase;
  }

  private readonly scrapeDatabase: () => Promise<void>;

  /** The exposition text; the database figures are left as last read when the database does not answer. */
  async render(): Promise<string> {
    await this.scrapeDatabase().catch(() => undefined);
    return this.registry.metrics();
  }

  /** Counts every answer by its route pattern (never the raw path: ids and webhook tokens stay out of labels). */
  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      const started = performance.now();
      await next();
      const labels = {
        method: METHODS.has(c.req.method) ? c.req.method : 'other',
        route: c.req.routePath,
        status_class: statusClass(c.res.status),
      };
      this.requests.inc(labels);
      this.duration.observe(labels, (performance.now() - started) / 1000);
    };
  }
}
