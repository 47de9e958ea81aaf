// Live traffic: the datagen generator over a sliding, time-compressed window, played as real calls.
import { generateCalls } from '@victorysync/datagen';
import { type AccountRegistry, DEMO_API_KEY } from './accounts.js';
import { planFromGenerated } from './calls.js';
import type { SimClock } from './clock.js';
import type { WebhookEmitter } from './webhooks.js';

export interface LiveOptions {
  /** account that receives the traffic (default the demo account) */
  apiKey?: string;
  /** simulated generator time per real time (default 60: one generator minute per real second) */
  compression?: number;
  /** how often the window slides, real ms (default 1000) */
  tickMs?: number;
  /** multiplies ring/talk/voicemail lengths of the played calls (default 1 = real length) */
  durationScale?: number;
  /** multiplies the generator's calls per day (default 1) */
  volume?: number;
  /** only calls in each org's opening hours, in its own time zone: quiet at night locally (default false) */
  openHoursOnly?: boolean;
}

export interface LiveStatus {
  running: boolean;
  apiKey: string | null;
  compression: number;
  durationScale: number;
  /** calls started so far */
  started: number;
  /** calls whose final event has been handled */
  completed: number;
  /** the generator time the window has reached (ISO) */
  generatorTime: string | null;
}

/**
 * Each tick takes the generator's calls of the next window [cursor, cursor + tickMs × compression) and
 * starts each one at its compressed offset within the tick, re-based to the real clock. Ids come from the
 * generator, so the traffic is the same stream the demo data is built from.
 */
export class LiveTraffic {
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<NodeJS.Timeout>();
  private cursor = 0;
  private options: Required<LiveOptions> | null = null;
  private started = 0;
  private completed = 0;

  constructor(
    private readonly accounts: AccountRegistry,
    private readonly webhooks: WebhookEmitter,
    private readonly clock: SimClock,
  ) {}

  start(options: LiveOptions = {}): LiveStatus {
    this.stop();
    const resolved: Required<LiveOptions> = {
      apiKey: options.apiKey ?? DEMO_API_KEY,
      compression: options.compression ?? 60,
      tickMs: options.tickMs ?? 1000,
      durationScale: options.durationScale ?? 1,
      volume: options.volume ?? 1,
      openHoursOnly: options.openHoursOnly ?? false,
    };
    this.accounts.require(resolved.apiKey);
    if (!(resolved.compression > 0 && resolved.tickMs >= 10 && resolved.durationScale > 0 && resolved.volume > 0)) {
      throw new Error('compression, durationScale and volume must be positive, tickMs at least 10');
    }
    this.options = resolved;
    this.cursor = this.clock.now();
    this.started = 0;
    this.completed = 0;
    this.tick();
    this.timer = setInterval(() => this.tick(), resolved.tickMs);
    return this.status();
  }

  stop(): LiveStatus {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    return this.status();
  }

  status(): LiveStatus {
    const o = this.options;
    return {
      running: this.timer !== null,
      apiKey: o?.apiKey ?? null,
      compression: o?.compression ?? 0,
      durationScale: o?.durationScale ?? 0,
      started: this.started,
      completed: this.completed,
      generatorTime: o ? new Date(this.cursor).toISOString() : null,
    };
  }

  private tick(): void {
    const o = this.options;
    if (!o) return;
    const account = this.accounts.get(o.apiKey);
    if (!account) {
      this.stop();
      return;
    }
    const from = this.cursor;
    const to = from + o.tickMs * o.compression;
    this.cursor = to;
    const window = {
      seed: account.seed,
      from: new Date(from),
      to: new Date(to),
      volume: o.volume,
      openHoursOnly: o.openHoursOnly,
    };
    for (const generated of generateCalls(account.topology, window)) {
      if (account.callsById.has(generated.providerCallId)) continue;
      const delay = (generated.startedAt.getTime() - from) / o.compression;
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        const plan = planFromGenerated(account, generated);
        plan.startMs = this.clock.now();
        for (const step of plan.ringSteps) step.ms = Math.round(step.ms * o.durationScale);
        plan.talkMs = Math.round(plan.talkMs * o.durationScale);
        plan.voicemailMs = Math.round(plan.voicemailMs * o.durationScale);
        this.started++;
        void this.webhooks.emitPlan(account, plan, { realtime: true }).then((result) =>
          result.done.then(() => {
            this.completed++;
          }),
        );
      }, delay);
      this.pending.add(timer);
    }
  }
}
