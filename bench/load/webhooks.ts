// Webhook ingestion under load: simulator calls delivered to the real webhook endpoint at a steady rate plus
// bursts, each answer timed (acknowledgement), each call timed until its row is in `calls` (processing), then
// every call checked against the simulator: present once, with the right figures; every event stored once.
import type { RunningSimulator, ScriptedCall } from '@victorysync/mightycall-sim';
import type pg from 'pg';
import { INGEST_NUMBERS, SIM_API_KEY, SIM_EXTENSIONS } from './fixtures.js';
import { RawHttpPool } from './raw-http.js';
import { type Percentiles, percentiles, round, Samples } from './stats.js';

type SimCall = NonNullable<ReturnType<ReturnType<RunningSimulator['accounts']['require']>['callsById']['get']>>;

interface SentCall {
  id: string;
  /** position in the script sequence (picks the script, the number, and which calls get a redelivery) */
  seq: number;
  phase: 'steady' | 'burst';
  events: number;
  acked: number;
  failed: number;
  /** wall-clock ms: when the request of its last event was started */
  lastSentAt: number;
  /** wall-clock ms: when the poller first saw its row */
  seenAt: number | null;
}

interface QueuedEvent {
  call: SentCall;
  guid: string;
  body: string;
}

export interface WebhookOptions {
  /** server base URLs; events go to them in turn */
  targets: string[];
  hookPath: string;
  sim: RunningSimulator;
  owner: pg.Pool;
  connectionId: string;
  seconds: number;
  /** steady events per second */
  rate: number;
  burstSize: number;
  bursts: number;
  /** 0: a burst's events are all sent at once; otherwise evenly over this many ms (a burst at a rate) */
  burstSpreadMs: number;
  /** one call in this many gets one of its events delivered a second time */
  duplicateEvery: number;
  /** how long at most to wait for the last calls after sending ends */
  drainTimeoutMs: number;
  /** stop waiting earlier when no call was processed for this long */
  stallTimeoutMs: number;
  log(msg: string): void;
}

export interface WebhookResult {
  seconds: number;
  targetRate: number;
  eventsSent: { steady: number; burst: number; duplicate: number };
  /** steady events actually started per second */
  steadyRate: number;
  ackMs: {
    steady: Percentiles;
    /** steady events sent while no burst was being answered: the steady state, without bursts' queues */
    steadyBetweenBursts: Percentiles;
    burst: Percentiles;
    all: Percentiles;
    duplicate: Percentiles;
  };
  /**
   * The same acknowledgements timed from the moment the request was written on one of the sender's 256
   * connections, as autocannon and wrk time a request: what a sender's per-request timeout sees. `ackMs` also
   * counts the wait for a free connection, which for a burst sent at once is the sender's own queue.
   */
  wireAckMs: {
    steady: Percentiles;
    burst: Percentiles;
    all: Percentiles;
    /** burst events that were the first request of a new connection (the server accepted it first) */
    burstOnNewConnections: Percentiles;
    burstOnKeptAliveConnections: Percentiles;
  };
  /** how many steady events were sent while no burst was being answered */
  steadyBetweenBurstsSent: number;
  /** from a burst's first send to its last acknowledgement, ms each */
  burstWindowsMs: number[];
  non2xx: number;
  timeouts: number;
  networkErrors: number;
  statusCodes: Record<string, number>;
  calls: { sent: number; complete: number; withFailedEvents: number };
  /** from the start of a call's last delivery to the start of the transaction that inserted its row in `calls` */
  processingMs: Percentiles;
  /** rows that existed before their call's last event was sent (not the webhook path's doing) */
  insertedEarly: number;
  processedWithin5s: number;
  /** acknowledged calls not in `calls` when the wait ended */
  notProcessed: number;
  /** …of which the server still had work queued (unprocessed inbox events or a pending fetch): behind, not lost */
  unfinished: number;
  /** …of which nothing was left to do: lost */
  lost: number;
  /** seconds waited after sending for the last calls */
  drainSeconds: number;
  /** calls arriving in `calls` per second, from the first event sent to the last call seen */
  processedPerSecond: number;
  /** calls (all of whose events were acknowledged) per second while sending */
  arrivedPerSecond: number;
  doubled: number;
  wrongFigures: number;
  examples: string[];
  inbox: { rows: number; distinctKeys: number; expected: number; unprocessed: number };
  liveRowsOpen: number;
  duplicateDeliveries: { answeredDuplicate: number; storedAgain: number };
}

const SCRIPTS: Array<(i: number) => ScriptedCall> = [
  (i) => ({ ringExtensions: [ext(i), ext(i + 1)], answeredBy: ext(i + 1), talkSeconds: 30 + (i % 90) }),
  (i) => ({ ringExtensions: [ext(i)], answeredBy: ext(i), talkSeconds: 10 + (i % 200) }),
  (i) => ({ kind: 'outgoing', extension: ext(i), to: `+1555${String(2_000_000 + (i % 7_000_000))}`, talkSeconds: 25 }),
  (i) => ({ ringExtensions: [ext(i)], ringSeconds: 12 }),
  (i) => ({ ringExtensions: [[ext(i), ext(i + 2)]], answeredBy: ext(i + 2), talkSeconds: 60 }),
  (i) => ({ ringExtensions: [ext(i)], voicemail: true, voicemailSeconds: 15 }),
];
function ext(i: number): string {
  return SIM_EXTENSIONS[i % SIM_EXTENSIONS.length] ?? '201';
}

/** Scripts `count` events' worth of calls in the simulator (stored there, finished, nothing delivered yet). */
async function scriptCalls(
  sim: RunningSimulator,
  phase: SentCall['phase'],
  events: number,
  first: number,
): Promise<{ calls: SentCall[]; queue: QueuedEvent[] }> {
  const calls: SentCall[] = [];
  const queue: QueuedEvent[] = [];
  // Every event in the past: calls started 10 minutes ago are over by now, as MightyCall would have them.
  const startAt = Date.now() - 10 * 60_000;
  for (let i = first; queue.length < events; i++) {
    const script = SCRIPTS[i % SCRIPTS.length]?.(i) ?? {};
    const number = INGEST_NUMBERS[i % INGEST_NUMBERS.length] ?? '';
    const placed = script.kind === 'outgoing' ? { from: number } : { to: number };
    const emitted = await sim.control.emitCall(SIM_API_KEY, { ...script, ...placed, startAt });
    const call: SentCall = {
      id: emitted.callId.toLowerCase(),
      seq: i,
      phase,
      events: emitted.events.length,
      acked: 0,
      failed: 0,
      lastSentAt: 0,
      seenAt: null,
    };
    calls.push(call);
    for (const envelope of emitted.events) queue.push({ call, guid: envelope.Guid, body: JSON.stringify(envelope) });
  }
  return { calls, queue };
}

interface Answer {
  status: number | null;
  ms: number;
  /** from being written on its connection (see RawAnswer.wireMs) */
  wireMs: number | null;
  fresh: boolean;
  duplicate: boolean | null;
  error?: 'timeout' | 'network';
}

/** One delivery through the target's pool; `duplicate` is read from the receiver's JSON answer. */
async function post(pool: RawHttpPool, target: URL, body: string, timeoutMs: number): Promise<Answer> {
  const a = await pool.post(target.pathname, body, timeoutMs);
  if (a.error) return { status: null, ms: a.ms, wireMs: a.wireMs, fresh: a.fresh, duplicate: null, error: a.error };
  let duplicate: boolean | null = null;
  try {
    duplicate = (JSON.parse(a.body) as { duplicate?: boolean }).duplicate ?? null;
  } catch {
    // not JSON: the status says enough
  }
  return { status: a.status, ms: a.ms, wireMs: a.wireMs, fresh: a.fresh, duplicate };
}

const iso = (d: Date | string | number | null) => (d === null ? null : new Date(d).toISOString());

/** The calls row the simulator's call should have produced (the fields a dashboard shows). */
function expectedRow(call: SimCall) {
  const p = call.plan;
  return {
    direction: p.kind === 'outgoing' ? 'outbound' : 'inbound',
    status: call.outcome,
    business_number: p.businessNumber,
    external_number: p.client,
    started_at: iso(p.startMs),
    answered_at: iso(call.answeredMs),
    ended_at: iso(call.endedMs),
    agent_extension: p.kind === 'outgoing' ? p.caller : p.answeredBy,
  };
}

export async function runWebhooks(o: WebhookOptions): Promise<WebhookResult> {
  const urls = o.targets.map((t) => new URL(`${t}${o.hookPath}`));
  // 256 kept-alive sockets per server, as an http.Agent with maxSockets 256 would open.
  const targets = urls.map((url) => ({ url, pool: new RawHttpPool(url.hostname, Number(url.port), 256) }));
  let turn = 0;
  const send = (body: string) => {
    const target = targets[turn++ % targets.length];
    if (!target) throw new Error('runWebhooks: no target server');
    return post(target.pool, target.url, body, 10_000);
  };

  o.log(`  scripting ${o.rate * o.seconds + o.burstSize * o.bursts} events in the simulator…`);
  const steady = await scriptCalls(o.sim, 'steady', Math.ceil(o.rate * o.seconds), 0);
  const bursts: Array<Awaited<ReturnType<typeof scriptCalls>>> = [];
  for (let b = 0; b < o.bursts; b++) bursts.push(await scriptCalls(o.sim, 'burst', o.burstSize, 1_000_000 * (b + 1)));
  const allCalls = [...steady.calls, ...bursts.flatMap((b) => b.calls)];
  const byId = new Map(allCalls.map((c) => [c.id, c]));

  const ack = { steady: new Samples(), burst: new Samples(), duplicate: new Samples() };
  const wire = { steady: new Samples(), burst: new Samples(), burstFresh: new Samples(), burstReused: new Samples() };
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  let timeouts = 0;
  let networkErrors = 0;
  let answeredDuplicate = 0;
  let storedAgain = 0;
  const acceptedGuids = new Set<string>();
  const sent = { steady: 0, burst: 0, duplicate: 0 };
  const inFlight = new Set<Promise<void>>();
  const redeliveries: QueuedEvent[] = [];

  const count = (a: Answer) => {
    if (a.error === 'timeout') timeouts++;
    else if (a.error) networkErrors++;
    else {
      statusCodes[String(a.status)] = (statusCodes[String(a.status)] ?? 0) + 1;
      if (a.status === null || a.status < 200 || a.status > 299) non2xx++;
    }
  };
  // Send time and acknowledgement of every first delivery, to tell steady events answered beside a burst's queue
  // from those answered in the steady state.
  const timed: Array<{ phase: SentCall['phase']; sentAt: number; ms: number }> = [];
  const burstStarts: number[] = [];
  const deliver = (event: QueuedEvent) => {
    const call = event.call;
    call.lastSentAt = Date.now();
    sent[call.phase]++;
    const sentAt = performance.now();
    const p = send(event.body).then((a) => {
      ack[call.phase].push(a.ms);
      if (a.wireMs !== null) {
        wire[call.phase].push(a.wireMs);
        if (call.phase === 'burst') (a.fresh ? wire.burstFresh : wire.burstReused).push(a.wireMs);
      }
      timed.push({ phase: call.phase, sentAt, ms: a.ms });
      count(a);
      if (a.status !== null && a.status >= 200 && a.status <= 299) {
        call.acked++;
        acceptedGuids.add(event.guid);
        if (call.acked === call.events && call.seq % o.duplicateEvery === 0) redeliveries.push(event);
      } else call.failed++;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const redeliver = (event: QueuedEvent) => {
    sent.duplicate++;
    const p = send(event.body).then((a) => {
      ack.duplicate.push(a.ms);
      count(a);
      if (a.duplicate === true) answeredDuplicate++;
      else if (a.duplicate === false) storedAgain++;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  // Processing: poll `calls` for the calls whose every event was acknowledged. The latency is taken from the
  // row's created_at (the start of the transaction that inserted it, same machine clock), so the poll interval
  // does not blur it; polling 4 times a second keeps the poller's own load on the database small.
  let polling = true;
  let insertedEarly = 0;
  const processing = new Samples();
  const poll = async () => {
    while (polling) {
      const waiting = allCalls.filter((c) => c.seenAt === null && c.acked === c.events && c.events > 0);
      for (let i = 0; i < waiting.length; i += 5000) {
        const ids = waiting.slice(i, i + 5000).map((c) => c.id);
        const found = await o.owner.query<{ provider_call_id: string; created_at: Date }>(
          `select provider_call_id, created_at from calls
            where provider = 'mightycall' and provider_call_id = any($1::text[])`,
          [ids],
        );
        const now = Date.now();
        for (const r of found.rows) {
          const call = byId.get(r.provider_call_id);
          if (call && call.seenAt === null) {
            call.seenAt = now;
            const ms = r.created_at.getTime() - call.lastSentAt;
            // A row older than the call's last event came from elsewhere (a journal sync), not from the webhooks.
            if (ms < 0) insertedEarly++;
            else processing.push(ms);
          }
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const poller = poll();

  // Steady sending: every 5 ms, whatever is due since the start (open loop: a slow server does not slow us).
  const started = performance.now();
  const startedWall = Date.now();
  let next = 0;
  const burstTimers = bursts.map((b, k) =>
    setTimeout(
      () => {
        const start = performance.now();
        burstStarts.push(start);
        if (o.burstSpreadMs <= 0) {
          o.log(`  burst ${k + 1}: ${b.queue.length} events at once`);
          for (const event of b.queue) deliver(event);
          return;
        }
        o.log(`  burst ${k + 1}: ${b.queue.length} events over ${o.burstSpreadMs} ms`);
        let sentOfBurst = 0;
        const spread = setInterval(() => {
          const share = Math.min(1, (performance.now() - start) / o.burstSpreadMs);
          const due = Math.min(b.queue.length, Math.ceil(share * b.queue.length));
          while (sentOfBurst < due) deliver(b.queue[sentOfBurst++] as QueuedEvent);
          if (sentOfBurst >= b.queue.length) clearInterval(spread);
        }, 5);
      },
      ((k + 1) * o.seconds * 1000) / (o.bursts + 1),
    ),
  );
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(steady.queue.length, Math.floor(elapsed * o.rate));
      while (next < due) deliver(steady.queue[next++] as QueuedEvent);
      while (redeliveries.length > 0) redeliver(redeliveries.shift() as QueuedEvent);
      if (next >= steady.queue.length && elapsed >= o.seconds) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  for (const t of burstTimers) clearTimeout(t);
  const sendSeconds = (performance.now() - started) / 1000;
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  while (redeliveries.length > 0) redeliver(redeliveries.shift() as QueuedEvent);
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  o.log(
    `  sent; waiting for processing (at most ${Math.round(o.drainTimeoutMs / 1000)} s, or ${Math.round(o.stallTimeoutMs / 1000)} s without progress)…`,
  );

  const drainStart = performance.now();
  let lastProgress = drainStart;
  let lastSeen = processing.length;
  let lastLog = drainStart;
  while (performance.now() - drainStart < o.drainTimeoutMs && performance.now() - lastProgress < o.stallTimeoutMs) {
    const waiting = allCalls.filter((c) => c.seenAt === null && c.acked === c.events).length;
    if (waiting === 0) break;
    if (processing.length !== lastSeen) {
      lastSeen = processing.length;
      lastProgress = performance.now();
    }
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      o.log(`    ${waiting} calls not yet in calls`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const drainSeconds = round((performance.now() - drainStart) / 1000, 1);
  // A burst's window: from its start until its last event was answered.
  const windows = burstStarts.map((start, k) => {
    const until = burstStarts[k + 1] ?? Number.POSITIVE_INFINITY;
    let end = start;
    for (const t of timed)
      if (t.phase === 'burst' && t.sentAt >= start && t.sentAt < until) end = Math.max(end, t.sentAt + t.ms);
    return { start, end };
  });
  const quiet = new Samples();
  for (const t of timed) {
    if (t.phase !== 'steady') continue;
    // Sent inside a window, or answered after one began: it queued beside the burst.
    if (windows.some((w) => t.sentAt + t.ms >= w.start && t.sentAt <= w.end)) continue;
    quiet.push(t.ms);
  }
  polling = false;
  await poller;
  for (const target of targets) target.pool.close();

  // Verification against the simulator and the inbox.
  const complete = allCalls.filter((c) => c.acked === c.events);
  const ids = complete.map((c) => c.id);
  const rows = await o.owner.query<{
    provider_call_id: string;
    n: number;
    direction: string;
    status: string;
    business_number: string;
    external_number: string | null;
    started_at: Date;
    answered_at: Date | null;
    ended_at: Date;
    agent_extension: string | null;
  }>(
    `select c.provider_call_id, count(*) over (partition by c.provider_call_id)::int as n, c.direction, c.status,
            p.e164 as business_number, c.external_number, c.started_at, c.answered_at, c.ended_at, c.agent_extension
       from calls c join phone_numbers p on p.id = c.business_number_id
      where c.provider = 'mightycall' and c.provider_call_id = any($1::text[])`,
    [ids],
  );
  const account = o.sim.accounts.require(SIM_API_KEY);
  const found = new Map(rows.rows.map((r) => [r.provider_call_id, r]));
  let wrongFigures = 0;
  const examples: string[] = [];
  for (const c of complete) {
    const row = found.get(c.id);
    const simCall = account.callsById.get(c.id);
    if (!row || !simCall) continue;
    const want = expectedRow(simCall);
    const got = {
      direction: row.direction,
      status: row.status,
      business_number: row.business_number,
      external_number: row.external_number,
      started_at: iso(row.started_at),
      answered_at: iso(row.answered_at),
      ended_at: iso(row.ended_at),
      agent_extension: row.agent_extension,
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      wrongFigures++;
      if (examples.length < 5) examples.push(`${c.id}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
    }
  }
  // Missing calls: still queued in the server (behind), or nothing left to do for them (lost).
  const missing = complete.filter((c) => !found.has(c.id)).map((c) => c.id);
  const queued = await o.owner.query<{ call_id: string }>(
    `select call_id from mightycall_webhook_inbox
      where connection_id = $1 and call_id = any($2::text[]) and processed_at is null
     union
     select call_id from mightycall_live_calls
      where connection_id = $1 and call_id = any($2::text[]) and fetch_state = 'pending'`,
    [o.connectionId, missing],
  );
  const unfinished = queued.rows.length;
  const lost = missing.length - unfinished;
  const doubledCalls = rows.rows.filter((r) => r.n > 1).length;
  const inbox = await o.owner.query<{ rows: number; keys: number; unprocessed: number }>(
    `select count(*)::int as rows, count(distinct dedupe_key)::int as keys,
            count(*) filter (where processed_at is null)::int as unprocessed
       from mightycall_webhook_inbox where connection_id = $1 and call_id = any($2::text[])`,
    [o.connectionId, allCalls.map((c) => c.id)],
  );
  const live = await o.owner.query<{ open: number }>(
    `select count(*) filter (where state <> 'completed' or fetch_state is distinct from 'done')::int as open
       from mightycall_live_calls where connection_id = $1 and call_id = any($2::text[])`,
    [o.connectionId, ids],
  );
  const inboxRow = inbox.rows[0] ?? { rows: 0, keys: 0, unprocessed: 0 };
  const seen = processing.values();
  let lastSeenAt = startedWall;
  for (const c of allCalls) if (c.seenAt !== null && c.seenAt > lastSeenAt) lastSeenAt = c.seenAt;
  let within = 0;
  for (const ms of seen) if (ms <= 5000) within++;
  const all = new Samples();
  for (const s of [ack.steady, ack.burst]) for (const v of s.values()) all.push(v);
  const allWire = new Samples();
  for (const s of [wire.steady, wire.burst]) for (const v of s.values()) allWire.push(v);
  return {
    seconds: round(sendSeconds, 1),
    targetRate: o.rate,
    eventsSent: sent,
    steadyRate: round(sent.steady / sendSeconds, 1),
    ackMs: {
      steady: percentiles(ack.steady.values()),
      steadyBetweenBursts: percentiles(quiet.values()),
      burst: percentiles(ack.burst.values()),
      all: percentiles(all.values()),
      duplicate: percentiles(ack.duplicate.values()),
    },
    wireAckMs: {
      steady: percentiles(wire.steady.values()),
      burst: percentiles(wire.burst.values()),
      all: percentiles(allWire.values()),
      burstOnNewConnections: percentiles(wire.burstFresh.values()),
      burstOnKeptAliveConnections: percentiles(wire.burstReused.values()),
    },
    steadyBetweenBurstsSent: quiet.length,
    burstWindowsMs: windows.map((w) => round(w.end - w.start, 0)),
    non2xx,
    timeouts,
    networkErrors,
    statusCodes,
    calls: { sent: allCalls.length, complete: complete.length, withFailedEvents: allCalls.length - complete.length },
    processingMs: percentiles(seen),
    insertedEarly,
    processedWithin5s: within,
    notProcessed: missing.length,
    unfinished,
    lost,
    drainSeconds,
    processedPerSecond: round(seen.length / Math.max(0.001, (lastSeenAt - startedWall) / 1000), 1),
    arrivedPerSecond: round(complete.length / sendSeconds, 1),
    // An event stored twice, a redelivery accepted as new, or a call row twice.
    doubled: Math.max(0, inboxRow.rows - acceptedGuids.size) + storedAgain + doubledCalls,
    wrongFigures,
    examples,
    inbox: {
      rows: inboxRow.rows,
      distinctKeys: inboxRow.keys,
      expected: acceptedGuids.size,
      unprocessed: inboxRow.unprocessed,
    },
    liveRowsOpen: live.rows[0]?.open ?? 0,
    duplicateDeliveries: { answeredDuplicate, storedAgain },
  };
}
