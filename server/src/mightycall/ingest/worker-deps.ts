// What the inbox worker's two loops share (fold-loop.ts, fetch-loop.ts): their dependencies, the transaction
// they run in, the (connection, call) keys they handle, and standing aside while webhooks pour in.
import { type Kysely, sql } from 'kysely';
import { systemPrincipal } from '../../auth/principal.js';
import { type Tx, withPrincipal } from '../../db/tenant.js';
import type { DB } from '../../db/types.js';
import type { Logger } from '../../http/logger.js';
import type { MightyCallClient } from '../client/client.js';
import type { QuotaBudget } from '../client/quota.js';
import type { Clock } from '../client/transport.js';

const SYSTEM = systemPrincipal('mightycall webhooks');

export type FetchTarget = { client: MightyCallClient; account: string };

export interface WorkerHooks {
  /**
   * After a batch's live rows are written, before its events are marked processed, inside the batch's
   * transaction (tests inject a crash, or look at the transaction).
   */
  afterFoldWrite?(calls: number, tx: Tx): void | Promise<void>;
}

export interface WorkerDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** the client of a connection, or null when it is gone or disabled */
  clientFor(connectionId: string): Promise<FetchTarget | null>;
  pollMs?: number;
  sweepMs?: number;
  /** calls folded per transaction (default 200) */
  batchSize?: number;
  /** GET /calls/{id} requests in flight at once (default 8) */
  fetchConcurrency?: number;
  /**
   * How long a wake-up waits before folding (default 50 ms), so a stream of events is folded in batches of
   * some size rather than in one small transaction per event.
   */
  gatherMs?: number;
  hooks?: WorkerHooks;
  /**
   * True while this process is busy acknowledging a burst of webhooks: background folding and fetching wait
   * (at most maxYieldMs at a time), so the acknowledgements get the thread first.
   */
  pressure?: () => boolean;
  /** the longest a background cycle or fetch loop waits for pressure to pass (default 1,000 ms) */
  maxYieldMs?: number;
  /** the quota budget the clients count against: a fetch round counts its requests at once (prefund) */
  budget?: Pick<QuotaBudget, 'prefund' | 'refund'>;
}

/**
 * The worker's transactions write state derived from the inbox (live state, processed marks, fetched calls,
 * claims): their commits need not wait for the disk, since a lost one is redone from the inbox (`derived`).
 * Their statements read the inbox and live tables, which go from empty to thousands of rows in a burst, so
 * they are planned afresh each time (`freshPlans`).
 */
export function runDerived<T>(db: Kysely<DB>, work: (tx: Tx) => Promise<T>): Promise<T> {
  return withPrincipal(db, SYSTEM, work, { derived: true, freshPlans: true });
}

export const keyOf = (r: { connection_id: string; call_id: string }) => `${r.connection_id}\u0000${r.call_id}`;

/** (connection, call) pairs as a relation `k(connection_id, call_id)`: one statement text whatever their number. */
export const pairs = (list: ReadonlyArray<{ connection_id: string; call_id: string }>) =>
  sql`unnest(${list.map((p) => p.connection_id)}::uuid[], ${list.map((p) => p.call_id)}::text[]) AS k(connection_id, call_id)`;

/**
 * Waits while the process is under webhook pressure, for maxYieldMs at most: the work then runs to its end
 * however busy the process is, so a sustained flood delays folding by that much and no more. Stops waiting
 * once `active` says the loop was stopped.
 */
export async function standAside(deps: WorkerDeps, active: () => boolean): Promise<void> {
  const pressure = deps.pressure;
  if (!pressure) return;
  const until = performance.now() + (deps.maxYieldMs ?? 1000);
  while (active() && pressure() && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
}
