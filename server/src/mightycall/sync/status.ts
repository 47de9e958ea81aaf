// What an admin sees of a connection: a summary per connection and the full status (jobs, quota, webhooks).
import type { Tx } from '../../db/tenant.js';
import type { QuotaUsage } from '../client/quota.js';
import { toView, webhookUrlOf } from '../connections.js';
import type { ConnectionRow, SyncStatus } from '../db-types.js';
import { type JobStateRow, jobStates } from './state.js';
import { backfillOf } from './sync-jobs.js';

export interface ConnectionSummary {
  id: string;
  name: string;
  host: ConnectionRow['host'];
  baseUrl: string;
  accountId: string;
  enabled: boolean;
  status: SyncStatus;
  lastSyncAt: string | null;
  lastError: string | null;
  webhookUrl: string;
  quotaUsed: number;
  quotaLimit: number;
  credentialsRefused: { at: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The connection's overall state: an error or a quota wait of any job wins, then the calls job's. */
function overall(jobs: readonly JobStateRow[]): {
  status: SyncStatus;
  lastSyncAt: Date | null;
  lastError: string | null;
} {
  const rank: Record<SyncStatus, number> = { error: 4, waiting_quota: 3, running: 2, ok: 1, never: 0 };
  const worst = [...jobs].sort((a, b) => rank[b.status] - rank[a.status])[0];
  const calls = jobs.find((j) => j.job === 'calls');
  return {
    status: worst?.status ?? 'never',
    lastSyncAt: calls?.last_success_at ?? null,
    lastError: worst?.status === 'error' || worst?.status === 'waiting_quota' ? worst.last_error : null,
  };
}

export async function summarize(
  tx: Tx,
  row: ConnectionRow,
  webhookToken: string,
  publicBase: string,
  quota: QuotaUsage,
): Promise<ConnectionSummary> {
  const view = toView(row);
  const state = overall(await jobStates(tx, row.id));
  return {
    id: view.id,
    name: view.name,
    host: view.host,
    baseUrl: view.baseUrl,
    accountId: view.providerAccount,
    enabled: view.enabled,
    status: state.status,
    lastSyncAt: iso(state.lastSyncAt),
    lastError: state.lastError,
    webhookUrl: webhookUrlOf(publicBase, row.id, webhookToken),
    quotaUsed: quota.used,
    quotaLimit: quota.limit,
    credentialsRefused: row.credentials_refused_at
      ? { at: row.credentials_refused_at.toISOString(), message: row.credentials_refusal ?? 'refused' }
      : null,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

function backfillView(value: unknown) {
  const b = backfillOf(value);
  if (!b) return null;
  return {
    days: b.days,
    from: new Date(b.fromMs).toISOString(),
    to: new Date(b.toMs).toISOString(),
    cursor: new Date(b.cursorMs).toISOString(),
    slicesDone: b.slicesDone,
    slicesTotal: b.slicesTotal,
    rows: b.rows,
    requestedAt: b.requestedAt,
    finishedAt: b.finishedAt,
  };
}

export async function connectionStatus(
  tx: Tx,
  row: ConnectionRow,
  webhookToken: string,
  publicBase: string,
  quota: QuotaUsage,
  now: number,
) {
  const connection = await summarize(tx, row, webhookToken, publicBase, quota);
  const jobs = await jobStates(tx, row.id);
  const inbox = await tx
    .selectFrom('mightycall_webhook_inbox')
    .select((eb) => [
      eb.fn
        .countAll<number>()
        .filterWhere('received_at', '>', new Date(now - 86_400_000))
        .as('received'),
      eb.fn.countAll<number>().filterWhere('processed_at', 'is', null).as('pending'),
      eb.fn.max('received_at').as('last'),
    ])
    .where('connection_id', '=', row.id)
    .executeTakeFirst();
  return {
    connection,
    webhookUrl: connection.webhookUrl,
    quota: {
      used: quota.used,
      limit: quota.limit,
      syncRemaining: quota.syncRemaining,
      blockedUntil: iso(quota.blockedUntil),
      throttledCount: quota.throttledCount,
    },
    jobs: jobs.map((j) => ({
      job: j.job,
      status: j.status,
      lastStartedAt: iso(j.last_started_at),
      lastFinishedAt: iso(j.last_finished_at),
      lastSuccessAt: iso(j.last_success_at),
      lastRows: j.last_rows,
      lastError: j.last_error,
      nextRunAt: iso(j.next_run_at),
      requestedAt: iso(j.requested_at),
      runs: j.runs,
      failures: j.failures,
      watermark: iso(j.watermark),
      backfill: backfillView(j.backfill),
    })),
    webhooks: {
      received24h: Number(inbox?.received ?? 0),
      pending: Number(inbox?.pending ?? 0),
      lastReceivedAt: inbox?.last ? new Date(inbox.last).toISOString() : null,
    },
  };
}
