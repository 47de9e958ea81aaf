// The three sync jobs of a connection: numbers (inventory), agents (extension → name/email), calls (journal).
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { systemPrincipal } from '../../auth/principal.js';
import { type NormalizedCall, upsertCalls } from '../../calls/ingest.js';
import { withKnownQueues } from '../../calls/number-queues.js';
import { type Tx, withPrincipal } from '../../db/tenant.js';
import type { DB } from '../../db/types.js';
import type { MightyCallClient } from '../client/client.js';
import { type AgentRecord, agentsFromJournal, callFromJournal, PROVIDER } from '../client/mapping.js';
import type { Clock } from '../client/transport.js';
import { phoneOf } from '../client/wire.js';
import type { ConnectionRow } from '../db-types.js';
import { closeLiveCalls } from '../ingest/live-store.js';

const SYSTEM = systemPrincipal('mightycall sync');
export const DAY_MS = 86_400_000;
/** Journal windows overlap the previous run by this much: calls show up in the journal only once finished. */
export const OVERLAP_MS = 2 * 3_600_000;
const AGENT_HARVEST_DAYS = 30;
const AGENT_HARVEST_PAGES = 3;
const PROFILE_LOOKUPS_PER_RUN = 25;

export interface JobContext {
  db: Kysely<DB>;
  connection: ConnectionRow;
  client: MightyCallClient;
  clock: Clock;
}

export interface JobOutcome {
  rows: number;
}

/** Progress of an on-demand backfill, kept in mightycall_sync_state.backfill and shown by /status. */
const BackfillSchema = z.object({
  days: z.number(),
  fromMs: z.number(),
  toMs: z.number(),
  cursorMs: z.number(),
  slicesDone: z.number(),
  slicesTotal: z.number(),
  rows: z.number(),
  requestedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type BackfillProgress = z.infer<typeof BackfillSchema>;

/** The stored progress, or null when there is none (or it is unreadable: the backfill is then forgotten). */
export function backfillOf(value: unknown): BackfillProgress | null {
  const parsed = BackfillSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function newBackfill(days: number, now: number): BackfillProgress {
  return {
    days,
    fromMs: now - days * DAY_MS,
    toMs: now,
    cursorMs: now - days * DAY_MS,
    slicesDone: 0,
    slicesTotal: days,
    rows: 0,
    requestedAt: new Date(now).toISOString(),
    finishedAt: null,
  };
}

const run = <T>(db: Kysely<DB>, work: (tx: Tx) => Promise<T>) => withPrincipal(db, SYSTEM, work);

/** Active numbers are upserted as active; numbers gone from MightyCall become inactive (assignments stay). */
export async function syncNumbers(ctx: JobContext): Promise<JobOutcome> {
  const { active, deleted } = await ctx.client.phoneNumbers('sync');
  const account = ctx.connection.provider_account;
  const now = new Date(ctx.clock.now());
  const live = new Map<string, { label: string | null; ref: string | null }>();
  for (const n of active) {
    const e164 = phoneOf(n.number);
    if (e164) live.set(e164, { label: n.label?.trim() || null, ref: n.objectGuid ?? null });
  }
  const gone = new Map<string, { label: string | null; ref: string | null }>();
  for (const n of deleted) {
    const e164 = phoneOf(n.number);
    if (e164 && !live.has(e164)) gone.set(e164, { label: n.label?.trim() || null, ref: n.objectGuid ?? null });
  }
  const row = (e164: string, v: { label: string | null; ref: string | null }, isActive: boolean) => ({
    e164,
    label: v.label,
    provider: PROVIDER,
    provider_account: account,
    provider_ref: v.ref,
    is_active: isActive,
    last_synced_at: now,
  });
  await run(ctx.db, async (tx) => {
    if (live.size > 0) {
      await tx
        .insertInto('phone_numbers')
        .values([...live].map(([e164, v]) => row(e164, v, true)))
        .onConflict((oc) =>
          oc.column('e164').doUpdateSet({
            label: sql`coalesce(excluded.label, phone_numbers.label)`,
            provider: PROVIDER,
            provider_account: account,
            provider_ref: sql`excluded.provider_ref`,
            is_active: true,
            last_synced_at: now,
            updated_at: now,
          }),
        )
        .execute();
    }
    if (gone.size > 0) {
      // History only: never take over a number another account (or an admin) owns.
      await tx
        .insertInto('phone_numbers')
        .values([...gone].map(([e164, v]) => row(e164, v, false)))
        .onConflict((oc) =>
          oc
            .column('e164')
            .doUpdateSet({ is_active: false, last_synced_at: now, updated_at: now })
            .where((eb) =>
              eb.or([
                eb('phone_numbers.provider_account', '=', account),
                eb('phone_numbers.provider_account', 'is', null),
              ]),
            ),
        )
        .execute();
    }
    let retire = tx
      .updateTable('phone_numbers')
      .set({ is_active: false, last_synced_at: now, updated_at: now })
      .where('provider', '=', PROVIDER)
      .where('provider_account', '=', account)
      .where('is_active', '=', true);
    if (live.size > 0) retire = retire.where('e164', 'not in', [...live.keys()]);
    await retire.execute();
  });
  return { rows: live.size + gone.size };
}

async function upsertAgents(tx: Tx, account: string, agents: Iterable<AgentRecord>): Promise<number> {
  const unique = new Map<string, AgentRecord>();
  for (const a of agents) unique.set(a.extension, a);
  if (unique.size === 0) return 0;
  const written = await tx
    .insertInto('agents')
    .values(
      [...unique.values()].map((a) => ({
        provider: PROVIDER,
        provider_account: account,
        extension: a.extension,
        display_name: a.name,
        email: a.email,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['provider', 'provider_account', 'extension'])
        .doUpdateSet({
          display_name: sql`excluded.display_name`,
          email: sql`coalesce(excluded.email, agents.email)`,
          updated_at: sql`now()`,
        })
        .where((eb) =>
          eb.or([
            eb('agents.display_name', 'is distinct from', eb.ref('excluded.display_name')),
            eb.and([
              eb('excluded.email', 'is not', null),
              eb('agents.email', 'is distinct from', eb.ref('excluded.email')),
            ]),
          ]),
        ),
    )
    .returning('id')
    .execute();
  return written.length;
}

/** Names from the journal's agent/users (recent month), then /profile/{ext} for known extensions it did not name. */
export async function syncAgents(ctx: JobContext): Promise<JobOutcome> {
  const now = ctx.clock.now();
  const account = ctx.connection.provider_account;
  const named = new Map<string, AgentRecord>();
  let pages = 0;
  for await (const page of ctx.client.journal({
    fromMs: now - AGENT_HARVEST_DAYS * DAY_MS,
    toMs: now,
    priority: 'sync',
  })) {
    for (const request of page.requests)
      for (const agent of agentsFromJournal(request)) named.set(agent.extension, agent);
    if (++pages >= AGENT_HARVEST_PAGES) break;
  }
  const known = await run(ctx.db, (tx) =>
    tx
      .selectFrom('agents')
      .select('extension')
      .where('provider', '=', PROVIDER)
      .where('provider_account', '=', account)
      .execute(),
  );
  const unnamed = known.map((k) => k.extension).filter((e) => !named.has(e));
  for (const extension of unnamed.slice(0, PROFILE_LOOKUPS_PER_RUN)) {
    const profile = await ctx.client.profile(extension, 'sync');
    const name = `${profile?.firstName ?? ''} ${profile?.lastName ?? ''}`.trim();
    if (profile && name) named.set(extension, { extension, name, email: profile.email?.trim() || null });
  }
  await run(ctx.db, (tx) => upsertAgents(tx, account, named.values()));
  return { rows: named.size };
}

/** Journal calls of [fromMs, toMs) → calls (plus the agents they name); live calls they finish are closed. */
async function syncCallWindow(ctx: JobContext, fromMs: number, toMs: number): Promise<number> {
  const account = ctx.connection.provider_account;
  let rows = 0;
  for await (const page of ctx.client.journal({ fromMs, toMs, priority: 'sync' })) {
    const calls: NormalizedCall[] = [];
    const agents: AgentRecord[] = [];
    for (const request of page.requests) {
      const call = callFromJournal(request, account, page.raw.get(request.id));
      if (call) calls.push(call);
      agents.push(...agentsFromJournal(request));
    }
    await run(ctx.db, async (tx) => {
      // MightyCall's journal names no queue: an inbound call takes its number's, as the history shows it.
      await upsertCalls(tx, await withKnownQueues(tx, calls, ctx.clock.now()));
      await upsertAgents(tx, account, agents);
      await closeLiveCalls(tx, ctx.connection.id, calls, ctx.clock.now());
    });
    rows += calls.length;
  }
  return rows;
}

/** Day-sized slices of [fromMs, toMs): each one costs at least one request, so the quota plan can stop between them. */
function slicesOf(fromMs: number, toMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = fromMs; start < toMs; start += DAY_MS) out.push([start, Math.min(toMs, start + DAY_MS)]);
  return out;
}

export interface CallsState {
  /** the journal is synced up to here */
  watermark: Date | null;
  backfill: BackfillProgress | null;
}

export type SaveProgress = (patch: { watermark?: Date; backfill?: BackfillProgress }) => Promise<void>;

/**
 * A pending backfill first (oldest slice first, progress saved after each slice, so a quota pause or a
 * restart resumes where it stopped), then the incremental window: watermark − overlap … now.
 */
export async function syncCalls(ctx: JobContext, state: CallsState, save: SaveProgress): Promise<JobOutcome> {
  let rows = 0;
  const backfill = state.backfill ? { ...state.backfill } : null;
  if (backfill && !backfill.finishedAt) {
    for (const [from, to] of slicesOf(backfill.cursorMs, backfill.toMs)) {
      const written = await syncCallWindow(ctx, from, to);
      rows += written;
      backfill.rows += written;
      backfill.cursorMs = to;
      backfill.slicesDone = Math.min(backfill.slicesTotal, backfill.slicesDone + 1);
      await save({ backfill });
    }
    backfill.finishedAt = new Date(ctx.clock.now()).toISOString();
    await save({ backfill });
  }
  const now = ctx.clock.now();
  const start = Math.min(now, (state.watermark?.getTime() ?? now - DAY_MS) - OVERLAP_MS);
  for (const [from, to] of slicesOf(start, now)) {
    rows += await syncCallWindow(ctx, from, to);
    await save({ watermark: new Date(to) });
  }
  return { rows };
}
