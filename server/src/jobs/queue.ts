// The job queue's statements: enqueue (inside the caller's transaction), claim due rows, record how a run ended.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';

export interface NewJob {
  /** a kind some runner registered (e.g. 'mail.send') */
  kind: string;
  payload: unknown;
  /** at most one job per kind and key, ever: enqueueing the same key again does nothing */
  key?: string;
  /** not before this time (default: now) */
  runAt?: Date;
  /** attempts before the job ends failed (default 8) */
  maxAttempts?: number;
}

/**
 * Adds a job in `tx`, so it exists exactly when what caused it commits. `tx` must run as the system principal
 * (or a platform admin): the jobs table is theirs alone. Returns the job's id, or null when its key was taken.
 */
export async function enqueue(tx: Tx, job: NewJob): Promise<string | null> {
  const row = await tx
    .insertInto('jobs')
    .values({
      kind: job.kind,
      key: job.key ?? null,
      payload: JSON.stringify(job.payload ?? {}),
      ...(job.runAt ? { run_at: job.runAt } : {}),
      ...(job.maxAttempts ? { max_attempts: job.maxAttempts } : {}),
    })
    .onConflict((oc) => oc.columns(['kind', 'key']).where('key', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export interface ClaimedJob {
  id: string;
  kind: string;
  key: string | null;
  payload: unknown;
  /** this attempt's number, from 1 */
  attempts: number;
  max_attempts: number;
}

/**
 * Takes up to `limit` due jobs of the given kinds for `owner` until `lockedUntil`: queued ones past their time,
 * and running ones whose holder's lock ran out (the process died). Rows another runner is claiming right now are
 * skipped, not waited for (FOR UPDATE SKIP LOCKED), so two processes never take the same job.
 */
export async function claimDueJobs(
  tx: Tx,
  claim: {
    kinds: readonly string[];
    owner: string;
    now: Date;
    lockedUntil: Date;
    limit: number;
    /** jobs not to take again (those this pass already ran: a failed one waits for its back-off) */
    exclude?: readonly string[];
  },
): Promise<ClaimedJob[]> {
  if (claim.kinds.length === 0) return [];
  const result = await sql<ClaimedJob>`
    update jobs set status = 'running', attempts = attempts + 1, locked_by = ${claim.owner},
      locked_until = ${claim.lockedUntil}
    where id in (
      select id from jobs
      where kind in (${sql.join(claim.kinds)})
        and ((status = 'queued' and run_at <= ${claim.now}) or (status = 'running' and locked_until < ${claim.now}))
        ${claim.exclude?.length ? sql`and id not in (${sql.join(claim.exclude)})` : sql``}
      order by run_at, id
      limit ${claim.limit}
      for update skip locked
    )
    returning id, kind, key, payload, attempts, max_attempts`.execute(tx);
  return result.rows;
}

/** The job succeeded (only while `owner` still holds it). */
export async function markJobDone(tx: Tx, id: string, owner: string, now: Date): Promise<void> {
  await tx
    .updateTable('jobs')
    .set({ status: 'done', finished_at: now, locked_by: null, locked_until: null, last_error: null })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .execute();
}

/** The attempt failed: queued again at `retryAt`, or failed for good when retryAt is null. */
export async function markJobFailed(
  tx: Tx,
  id: string,
  owner: string,
  failure: { message: string; retryAt: Date | null; now: Date },
): Promise<void> {
  await tx
    .updateTable('jobs')
    .set({
      status: failure.retryAt ? 'queued' : 'failed',
      ...(failure.retryAt ? { run_at: failure.retryAt } : { finished_at: failure.now }),
      last_error: failure.message.slice(0, 2000),
      locked_by: null,
      locked_until: null,
    })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .execute();
}

/** Takes the (kind, key) lease when nobody holds it, it expired, or `owner` holds it already. */
export async function claimLease(
  tx: Tx,
  lease: { kind: string; key: string; owner: string; now: Date; until: Date },
): Promise<boolean> {
  const result = await sql<{ key: string }>`
    insert into job_leases (kind, key, owner, expires_at)
    values (${lease.kind}, ${lease.key}, ${lease.owner}, ${lease.until})
    on conflict (kind, key) do update set owner = excluded.owner, expires_at = excluded.expires_at
      where job_leases.expires_at < ${lease.now} or job_leases.owner = ${lease.owner}
    returning key`.execute(tx);
  return result.rows.length > 0;
}

export async function renewLease(tx: Tx, lease: { kind: string; key: string; owner: string; until: Date }) {
  await tx
    .updateTable('job_leases')
    .set({ expires_at: lease.until })
    .where('kind', '=', lease.kind)
    .where('key', '=', lease.key)
    .where('owner', '=', lease.owner)
    .execute();
}

export async function releaseLease(tx: Tx, lease: { kind: string; key: string; owner: string }): Promise<void> {
  await tx
    .deleteFrom('job_leases')
    .where('kind', '=', lease.kind)
    .where('key', '=', lease.key)
    .where('owner', '=', lease.owner)
    .execute();
}

/** Forgets finished jobs older than `before` (failed ones stay: their errors are worth reading). */
export async function pruneDoneJobs(tx: Tx, before: Date): Promise<number> {
  const result = await tx
    .deleteFrom('jobs')
    .where('status', '=', 'done')
    .where('finished_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
