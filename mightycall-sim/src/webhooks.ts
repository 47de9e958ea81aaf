// Webhook emitter: URL registration with the validation POST, and delivery of call event sequences.
import { createRng, hashSeed, type Rng } from '@victorysync/datagen';
import type { AccountRegistry } from './accounts.js';
import { addCall, completeCall, recordFromPlan } from './calls.js';
import type { SimClock } from './clock.js';
import { timestamp } from './format.js';
import { seededGuid } from './ids.js';
import { planFromScript, type ScriptedCall } from './script.js';
import { buildTimeline, eventEndpoints, type TimelineEvent } from './timeline.js';
import type { CallOutcome, CallPlan, SimAccount } from './types.js';

export const MAX_WEBHOOK_URLS = 10;

export interface WebhookEnvelope {
  Body: { From: string; To: string; Id: string; Extension?: string | null };
  Guid: string;
  ApiKey: string;
  Timestamp: string;
  EventType: string;
}

export interface DeliveryRecord {
  apiKey: string;
  url: string;
  callId: string;
  eventType: string;
  guid: string;
  /** HTTP status, or null when the request failed (network error, timeout) or was dropped */
  status: number | null;
  dropped: boolean;
  duplicate: boolean;
  error?: string;
  at: number;
}

export interface EmitOptions {
  /** pace deliveries by the events' offsets (real time divided by speed); default false: back to back */
  realtime?: boolean;
  /** realtime speed-up factor (default 1) */
  speed?: number;
}

export interface EmitResult {
  callId: string;
  journalId: string;
  outcome: CallOutcome;
  /** the events in timeline order (before shuffling, duplicates and drops) */
  events: WebhookEnvelope[];
  /** resolves when every delivery has been attempted (already resolved unless realtime) */
  done: Promise<void>;
}

export type RegisterResult = { ok: true; urls: string[] } | { ok: false; error: string };

const MAX_LOG = 5000;

export class WebhookEmitter {
  private readonly log: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly accounts: AccountRegistry,
    private readonly clock: SimClock,
  ) {}

  /** Adds a URL after the validation POST (body `{}`) answered 2xx; at most 10 URLs per account. */
  async register(apiKey: string, url: string): Promise<RegisterResult> {
    const account = this.accounts.get(apiKey);
    if (!account) return { ok: false, error: `unknown account ${apiKey}` };
    try {
      new URL(url);
    } catch {
      return { ok: false, error: 'invalid url' };
    }
    if (account.webhookUrls.includes(url)) return { ok: true, urls: [...account.webhookUrls] };
    if (account.webhookUrls.length >= MAX_WEBHOOK_URLS)
      return { ok: false, error: `at most ${MAX_WEBHOOK_URLS} webhook urls` };
    const result = await this.post(url, '{}', account.settings.webhooks.timeoutMs);
    if (result.status === null || result.status < 200 || result.status > 299) {
      return { ok: false, error: `validation POST failed: ${result.error ?? `status ${String(result.status)}`}` };
    }
    account.webhookUrls.push(url);
    return { ok: true, urls: [...account.webhookUrls] };
  }

  unregister(apiKey: string, url?: string): string[] {
    const account = this.accounts.require(apiKey);
    account.webhookUrls = url === undefined ? [] : account.webhookUrls.filter((u) => u !== url);
    return [...account.webhookUrls];
  }

  deliveries(apiKey?: string): DeliveryRecord[] {
    return this.log.filter((d) => apiKey === undefined || d.apiKey === apiKey);
  }

  clearDeliveries(): void {
    this.log.length = 0;
  }

  /** Plays a scripted call: stores it (in progress, then completed) and delivers its webhooks. */
  async emitCall(apiKey: string, script: ScriptedCall, options: EmitOptions = {}): Promise<EmitResult> {
    const account = this.accounts.require(apiKey);
    return this.emitPlan(account, planFromScript(account, script, this.clock.now()), options);
  }

  /** Stores the plan's call and delivers its event sequence to every registered URL. */
  async emitPlan(account: SimAccount, plan: CallPlan, options: EmitOptions = {}): Promise<EmitResult> {
    const record = recordFromPlan(account, plan, false);
    addCall(account, record);
    const switches = account.settings.webhooks;
    const timeline = buildTimeline(plan, switches);
    const envelopes = timeline.map((event, i) => this.envelope(account, plan, event, i));
    const rng = createRng(hashSeed(account.seed, 'delivery', plan.id));
    const finish = (event: TimelineEvent) => {
      if (event.final) completeCall(record);
    };
    const result: EmitResult = {
      callId: plan.id,
      journalId: record.journalId,
      outcome: recordFromPlan(account, plan, true).outcome ?? 'missed',
      events: envelopes,
      done: Promise.resolve(),
    };
    if (options.realtime) {
      result.done = this.playRealtime(account, timeline, envelopes, rng, options.speed ?? 1, finish);
      return result;
    }
    const order = timeline.map((_, i) => i);
    if (switches.shuffle) shuffle(order, rng);
    const repeats: number[] = [];
    for (const i of order) {
      const event = timeline[i];
      const envelope = envelopes[i];
      if (!event || !envelope) continue;
      finish(event);
      await this.deliver(account, envelope, rng, false);
      if (rng.next() < switches.duplicateRate) repeats.push(i);
    }
    for (const i of repeats) {
      const envelope = envelopes[i];
      if (envelope) await this.deliver(account, envelope, rng, true);
    }
    return result;
  }

  private playRealtime(
    account: SimAccount,
    timeline: TimelineEvent[],
    envelopes: WebhookEnvelope[],
    rng: Rng,
    speed: number,
    finish: (event: TimelineEvent) => void,
  ): Promise<void> {
    const switches = account.settings.webhooks;
    const jobs = timeline.map((event, i) => {
      const envelope = envelopes[i];
      // Shuffled delivery: a random extra delay of up to 2 s (scaled), enough to swap neighbours.
      const jitter = switches.shuffle ? rng.next() * 2000 : 0;
      const duplicate = rng.next() < switches.duplicateRate;
      return this.later((event.offsetMs + jitter) / speed, async () => {
        finish(event);
        if (!envelope) return;
        await this.deliver(account, envelope, rng, false);
        if (duplicate) await this.later(500 / speed, () => this.deliver(account, envelope, rng, true));
      });
    });
    return Promise.all(jobs).then(() => undefined);
  }

  private later(ms: number, job: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          if (this.closed) return resolve();
          job().then(resolve, resolve);
        },
        Math.max(0, ms),
      );
      this.timers.add(timer);
    });
  }

  private envelope(account: SimAccount, plan: CallPlan, event: TimelineEvent, index: number): WebhookEnvelope {
    const { from, to } = eventEndpoints(plan);
    const body: WebhookEnvelope['Body'] = { From: from, To: to, Id: plan.id };
    if (event.extension !== undefined) body.Extension = event.extension;
    // Sub-millisecond digits keep the 7-digit Timestamps of events at the same instant in order.
    const ticks = String(index % 10_000).padStart(4, '0');
    const stamp = `${timestamp(plan.startMs + event.offsetMs, 3, '')}${ticks}Z`;
    return {
      Body: body,
      Guid: seededGuid(account.seed, plan.id, 'event', index),
      ApiKey: account.apiKey,
      Timestamp: stamp,
      EventType: event.eventType,
    };
  }

  private async deliver(account: SimAccount, envelope: WebhookEnvelope, rng: Rng, duplicate: boolean): Promise<void> {
    const switches = account.settings.webhooks;
    const body = JSON.stringify(envelope);
    await Promise.all(
      account.webhookUrls.map(async (url) => {
        const base = {
          apiKey: account.apiKey,
          url,
          callId: envelope.Body.Id,
          eventType: envelope.EventType,
          guid: envelope.Guid,
          duplicate,
        };
        if (rng.next() < switches.dropRate) {
          this.record({ ...base, status: null, dropped: true, at: this.clock.now() });
          return;
        }
        let result = await this.post(url, body, switches.timeoutMs);
        const ok = result.status !== null && result.status >= 200 && result.status <= 299;
        if (!ok && switches.retryOnNon2xx && !this.closed) result = await this.post(url, body, switches.timeoutMs);
        this.record({ ...base, status: result.status, dropped: false, error: result.error, at: this.clock.now() });
      }),
    );
  }

  private record(entry: DeliveryRecord): void {
    if (entry.error === undefined) delete entry.error;
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }

  private async post(url: string, body: string, timeoutMs: number): Promise<{ status: number | null; error?: string }> {
    if (this.closed) return { status: null, error: 'simulator closed' };
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'MightyCall-Simulator' },
        body,
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      return { status: null, error: controller.signal.aborted ? 'timeout' : String(error) };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.controllers) controller.abort();
  }
}

function shuffle(items: number[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const a = items[i];
    const b = items[j];
    if (a !== undefined && b !== undefined) {
      items[i] = b;
      items[j] = a;
    }
  }
}
