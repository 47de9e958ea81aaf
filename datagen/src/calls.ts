// Calls with a realistic shape: busier at midday and on weekdays, mixed outcomes, spread-out waits and talk.
import { localClock } from './clock.js';
import { isOpen } from './hours.js';
import { createRng, hashSeed, type Rng } from './rng.js';
import type { Topology, TopologyNumber } from './topology.js';

export interface GeneratedCall {
  providerCallId: string;
  direction: 'inbound' | 'outbound';
  status: 'answered' | 'missed' | 'voicemail';
  businessNumber: string;
  externalNumber: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  agentExtension: string | null;
  queue: string | null;
}

export interface GenerateOptions {
  seed: number;
  from: Date;
  to: Date;
  /** multiplies every number's callsPerDay */
  volume?: number;
  /**
   * only the calls of hours when the number's (first) org is open, in its own zone (the live demo); other hours
   * are skipped whole, so the calls of an open hour are the same as without this option
   */
  openHoursOnly?: boolean;
}

const HOUR_MS = 3_600_000;
// Relative intensity per local hour: quiet at night, a late-morning peak, a lunch dip, an afternoon peak.
const HOUR_WEIGHTS = [
  0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.25, 0.6, 1.2, 1.7, 1.9, 1.8, 1.5, 1.6, 1.8, 1.7, 1.4, 1.0, 0.6, 0.4, 0.3, 0.2,
  0.12, 0.08,
];
const HOUR_WEIGHT_SUM = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
// Sunday .. Saturday
const DAY_WEIGHTS = [0.35, 1.15, 1.2, 1.15, 1.1, 1.0, 0.55];
const DAY_WEIGHT_MEAN = DAY_WEIGHTS.reduce((a, b) => a + b, 0) / 7;

function externalNumber(rng: Rng, businessNumber: string): string {
  if (businessNumber.startsWith('+44')) return `+447700${String(rng.int(900000, 900999))}`;
  const areas = ['212', '310', '415', '646', '718', '917', '305', '512'];
  return `+1${rng.pick(areas)}555${String(rng.int(100, 199)).padStart(4, '0')}`;
}

/** Calls of one number in [from, to), in start order; the stream depends only on (seed, number, hour). */
export function* generateNumberCalls(
  topology: Topology,
  number: TopologyNumber,
  options: GenerateOptions,
): Generator<GeneratedCall> {
  const primaryOrg = topology.orgs.find((o) => o.key === number.orgKeys[0]);
  const clock = localClock(primaryOrg?.timezone ?? 'UTC');
  const agents = topology.agents.filter((a) => number.orgKeys.includes(a.orgKey)).map((a) => a.extension);
  const perDay = number.callsPerDay * (options.volume ?? 1);
  const fromMs = options.from.getTime();
  const toMs = options.to.getTime();
  for (let hourStart = Math.floor(fromMs / HOUR_MS) * HOUR_MS; hourStart < toMs; hourStart += HOUR_MS) {
    const local = clock.at(hourStart);
    if (options.openHoursOnly && !isOpen(local)) continue;
    const { hour, weekday } = local;
    const lambda =
      ((perDay * (HOUR_WEIGHTS[hour] ?? 0)) / HOUR_WEIGHT_SUM) * ((DAY_WEIGHTS[weekday] ?? 1) / DAY_WEIGHT_MEAN);
    const rng = createRng(hashSeed(options.seed, number.e164, hourStart));
    const count = rng.poisson(lambda);
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) offsets.push(Math.floor(rng.next() * HOUR_MS));
    offsets.sort((a, b) => a - b);
    // Busy hours queue longer.
    const load = Math.min(2.5, lambda / Math.max(1, perDay / 24) + 0.3);
    for (const offset of offsets) {
      const startMs = hourStart + offset;
      // A call outside the window is made all the same and dropped: it draws what it would have drawn, so
      // the calls after it come out the same whichever window an hour is cut by (windows compose).
      const call = makeCall(rng, number, agents, startMs, load);
      if (startMs >= fromMs && startMs < toMs) yield call;
    }
  }
}

function makeCall(rng: Rng, number: TopologyNumber, agents: string[], startMs: number, load: number): GeneratedCall {
  const id = rng.uuid();
  const external = externalNumber(rng, number.e164);
  const startedAt = new Date(startMs);
  if (rng.next() < 0.18) {
    // Outbound: the agent dials out; most connect.
    const agent = agents.length > 0 ? rng.pick(agents) : null;
    const connected = rng.next() < 0.72;
    const ring = Math.max(2, Math.round(rng.logNormal(9, 0.5)));
    if (!connected) {
      return {
        providerCallId: id,
        direction: 'outbound',
        status: 'missed',
        businessNumber: number.e164,
        externalNumber: external,
        startedAt,
        answeredAt: null,
        endedAt: new Date(startMs + ring * 1000),
        agentExtension: agent,
        queue: null,
      };
    }
    const talk = Math.max(5, Math.round(rng.logNormal(150, 0.8)));
    return {
      providerCallId: id,
      direction: 'outbound',
      status: 'answered',
      businessNumber: number.e164,
      externalNumber: external,
      startedAt,
      answeredAt: new Date(startMs + ring * 1000),
      endedAt: new Date(startMs + (ring + talk) * 1000),
      agentExtension: agent,
      queue: null,
    };
  }
  const roll = rng.next();
  const missShare = 0.07 + 0.06 * load;
  if (roll < 0.86 - missShare + 0.07 && agents.length > 0) {
    const wait = Math.max(1, Math.round(rng.logNormal(4 * load + 3, 0.7)));
    const talk = Math.max(8, Math.round(rng.logNormal(200, 0.75)));
    return {
      providerCallId: id,
      direction: 'inbound',
      status: 'answered',
      businessNumber: number.e164,
      externalNumber: external,
      startedAt,
      answeredAt: new Date(startMs + wait * 1000),
      endedAt: new Date(startMs + (wait + talk) * 1000),
      agentExtension: rng.pick(agents),
      queue: number.queue,
    };
  }
  if (roll < 0.93) {
    // Abandoned in the queue: a share of them hang up within a few seconds (short abandons).
    const wait = rng.next() < 0.3 ? rng.int(1, 9) : Math.max(10, Math.round(rng.logNormal(45, 0.7)));
    return {
      providerCallId: id,
      direction: 'inbound',
      status: 'missed',
      businessNumber: number.e164,
      externalNumber: external,
      startedAt,
      answeredAt: null,
      endedAt: new Date(startMs + wait * 1000),
      agentExtension: null,
      queue: number.queue,
    };
  }
  const ringThenMessage = Math.max(15, Math.round(rng.logNormal(35, 0.3))) + Math.round(rng.logNormal(40, 0.6));
  return {
    providerCallId: id,
    direction: 'inbound',
    status: 'voicemail',
    businessNumber: number.e164,
    externalNumber: external,
    startedAt,
    answeredAt: null,
    endedAt: new Date(startMs + ringThenMessage * 1000),
    agentExtension: null,
    queue: number.queue,
  };
}

/** Every number's calls in [from, to); grouped by number, each group in start order. */
export function* generateCalls(topology: Topology, options: GenerateOptions): Generator<GeneratedCall> {
  for (const number of topology.numbers) yield* generateNumberCalls(topology, number, options);
}
