// The demo's live traffic looks like a real week: calls only in each org's opening hours in its own zone, every
// inbound call in its line's queue, talk times distributed as in the history, played at their real length.
import { demoTopology, type GeneratedCall, generateCalls, OPENING_HOURS } from '@victorysync/datagen';
import { describe, expect, it } from 'vitest';
import { DEMO_LIVE_TRAFFIC } from './demo.js';

const topology = demoTopology();
const SEED = 42;
const DAY = 86_400_000;
// Monday 30 November 2026 00:00 UTC: a whole week, Monday to Sunday, in every demo zone.
const WEEK_FROM = Date.UTC(2026, 10, 30);

const live = [
  ...generateCalls(topology, {
    seed: SEED,
    from: new Date(WEEK_FROM),
    to: new Date(WEEK_FROM + 7 * DAY),
    volume: DEMO_LIVE_TRAFFIC.volume,
    openHoursOnly: DEMO_LIVE_TRAFFIC.openHoursOnly,
  }),
];
// The history the demo seeds: the same generator, every hour, the history's volume; four weeks before.
const history = [
  ...generateCalls(topology, { seed: SEED, from: new Date(WEEK_FROM - 28 * DAY), to: new Date(WEEK_FROM) }),
];

const zoneOf = (call: GeneratedCall) => {
  const number = topology.numbers.find((n) => n.e164 === call.businessNumber);
  const org = topology.orgs.find((o) => o.key === number?.orgKeys[0]);
  if (!org) throw new Error(`no org for ${call.businessNumber}`);
  return org.timezone;
};

/** Local weekday (0 = Sunday) and hour, read with Intl on its own (not the generator's clock). */
function localTime(ms: number, timeZone: string): { weekday: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday')),
    hour: Number(part('hour')),
  };
}

const talkSeconds = (calls: GeneratedCall[]) =>
  calls
    .filter((c) => c.status === 'answered' && c.answeredAt)
    .map((c) => (c.endedAt.getTime() - (c.answeredAt?.getTime() ?? 0)) / 1000)
    .sort((a, b) => a - b);
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** The two-sample Kolmogorov–Smirnov distance: the largest gap between the two empirical distributions. */
function ksDistance(a: number[], b: number[]): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] ?? 0, b[j] ?? 0);
    while (i < a.length && (a[i] ?? 0) <= x) i++;
    while (j < b.length && (b[j] ?? 0) <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

describe("the demo's live traffic over a week", () => {
  it('is played in real time at real length: the clock of the calls is the wall clock', () => {
    expect(DEMO_LIVE_TRAFFIC.compression).toBe(1);
    expect(DEMO_LIVE_TRAFFIC.durationScale).toBe(1);
  });

  it("puts every call in its org's opening hours in the org's own zone, and every org gets calls", () => {
    expect(live.length).toBeGreaterThan(500);
    for (const call of live) {
      const local = localTime(call.startedAt.getTime(), zoneOf(call));
      const open = OPENING_HOURS[local.weekday];
      expect(open, `${call.startedAt.toISOString()} in ${zoneOf(call)}`).not.toBeNull();
      expect(local.hour, `${call.startedAt.toISOString()} in ${zoneOf(call)}`).toBeGreaterThanOrEqual(open?.[0] ?? 99);
      expect(local.hour, `${call.startedAt.toISOString()} in ${zoneOf(call)}`).toBeLessThan(open?.[1] ?? -1);
    }
    const zones = new Set(live.map(zoneOf));
    expect(zones).toEqual(new Set(topology.orgs.map((o) => o.timezone)));
    // Closed on Sunday: not one call (the checks above already keep every night quiet).
    expect(live.filter((c) => localTime(c.startedAt.getTime(), zoneOf(c)).weekday === 0)).toEqual([]);
  });

  it("puts every inbound call in its line's queue (an outgoing call is dialled by an agent, in none)", () => {
    for (const call of live) {
      const line = topology.numbers.find((n) => n.e164 === call.businessNumber);
      expect(call.queue).toBe(call.direction === 'inbound' ? line?.queue : null);
    }
    expect(live.filter((c) => c.direction === 'inbound').length).toBeGreaterThan(live.length * 0.7);
  });

  it("lasts like the history: talk times distributed as the history's (quantiles within 10 %, KS distance < 0.06)", () => {
    const liveTalk = talkSeconds(live);
    const pastTalk = talkSeconds(history);
    expect(liveTalk.length).toBeGreaterThan(300);
    for (const q of [0.25, 0.5, 0.75, 0.9]) {
      const ratio = quantile(liveTalk, q) / quantile(pastTalk, q);
      expect(ratio, `talk time quantile ${q}`).toBeGreaterThan(0.9);
      expect(ratio, `talk time quantile ${q}`).toBeLessThan(1.1);
    }
    expect(ksDistance(liveTalk, pastTalk)).toBeLessThan(0.06);
  });
});
