// Turns a requested range (preset or from/to) into instants and local bucket boundaries in the org's time zone.
import { AppError } from '../http/errors.js';
import { localParts, zonedInstant } from './zoned.js';

export type Interval = 'hour' | 'day' | 'week' | 'month';
export type Preset = 'day' | 'week' | 'month' | 'year';

export interface RangeRequest {
  range?: Preset;
  from?: string;
  to?: string;
  interval?: Interval;
}

export interface ResolvedRange {
  timezone: string;
  interval: Interval;
  /** the counted window: inclusive start, exclusive end (a preset period in progress ends now) */
  from: Date;
  to: Date;
  /** the end of the whole period, where the last bucket ends (after `to` while the period is in progress) */
  periodEnd: Date;
  /** bucket starts; bucket i covers [buckets[i], buckets[i+1] or periodEnd) */
  buckets: Date[];
  preset: Preset | null;
}

export const MAX_BUCKETS = 800;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const PRESET_INTERVAL: Record<Preset, Interval> = { day: 'hour', week: 'day', month: 'day', year: 'month' };

function dayStart(instant: Date, tz: string, plusDays = 0): Date {
  const p = localParts(instant, tz);
  return zonedInstant(p.year, p.month, p.day + plusDays, 0, tz);
}

/** The start of the interval containing `instant` (local midnight, ISO Monday, 1st of month, or the hour). */
export function truncate(instant: Date, interval: Interval, tz: string): Date {
  const p = localParts(instant, tz);
  switch (interval) {
    case 'hour':
      return new Date(Math.floor(instant.getTime() / 60_000) * 60_000 - p.minute * 60_000);
    case 'day':
      return zonedInstant(p.year, p.month, p.day, 0, tz);
    case 'week':
      return zonedInstant(p.year, p.month, p.day - (p.isoWeekday - 1), 0, tz);
    case 'month':
      return zonedInstant(p.year, p.month, 1, 0, tz);
  }
}

/** The next boundary after a boundary `start`. */
export function advance(start: Date, interval: Interval, tz: string): Date {
  if (interval === 'hour') return new Date(start.getTime() + 3_600_000);
  const p = localParts(start, tz);
  if (interval === 'day') return zonedInstant(p.year, p.month, p.day + 1, 0, tz);
  if (interval === 'week') return zonedInstant(p.year, p.month, p.day + 7, 0, tz);
  return zonedInstant(p.year, p.month + 1, 1, 0, tz);
}

export function bucketStarts(from: Date, to: Date, interval: Interval, tz: string): Date[] {
  const starts: Date[] = [from];
  let next = advance(truncate(from, interval, tz), interval, tz);
  while (next < to) {
    if (starts.length > MAX_BUCKETS) {
      throw new AppError(
        400,
        'interval_too_fine',
        `interval=${interval} gives more than ${MAX_BUCKETS} buckets for this range; choose a coarser interval`,
        {
          field: 'interval',
        },
      );
    }
    starts.push(next);
    const following = advance(next, interval, tz);
    // A boundary that does not move forward would loop forever (and did, once, on a DST day).
    if (following <= next) throw new Error(`bucket boundaries stopped advancing at ${next.toISOString()} in ${tz}`);
    next = following;
  }
  return starts;
}

function parseBound(value: string, field: 'from' | 'to', tz: string): Date {
  if (DATE_ONLY.test(value)) {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    const probe = new Date(Date.UTC(y, m - 1, d));
    if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
      throw new AppError(400, 'invalid_request', `${field}: ${value} is not a calendar date`, { field });
    }
    // A date means the whole local day: `to` is inclusive, so it ends at the next local midnight.
    return zonedInstant(y, m, d + (field === 'to' ? 1 : 0), 0, tz);
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new AppError(
      400,
      'invalid_request',
      `${field}: expected an ISO date (2026-03-08) or instant (2026-03-08T12:00:00Z)`,
      {
        field,
      },
    );
  }
  const year = instant.getUTCFullYear();
  if (year < 1 || year > 9999) {
    // JavaScript has a year 0 (and years past 9999); PostgreSQL's timestamps do not.
    throw new AppError(400, 'invalid_request', `${field}: must be between the years 0001 and 9999`, { field });
  }
  return instant;
}

function defaultInterval(from: Date, to: Date): Interval {
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  if (days <= 2) return 'hour';
  if (days <= 92) return 'day';
  if (days <= 400) return 'week';
  return 'month';
}

export function resolveRange(request: RangeRequest, tz: string, now = new Date()): ResolvedRange {
  if (request.range && (request.from || request.to)) {
    throw new AppError(400, 'invalid_request', 'range: give either range or from/to, not both', { field: 'range' });
  }
  if (request.from || request.to) {
    if (!request.from || !request.to) {
      throw new AppError(400, 'invalid_request', `${request.from ? 'to' : 'from'}: from and to go together`, {
        field: request.from ? 'to' : 'from',
      });
    }
    const from = parseBound(request.from, 'from', tz);
    const to = parseBound(request.to, 'to', tz);
    if (to <= from) throw new AppError(400, 'invalid_request', 'to: must be after from', { field: 'to' });
    if (to.getTime() - from.getTime() > 20 * 366 * 86_400_000) {
      throw new AppError(400, 'invalid_request', 'to: a range may span at most 20 years', { field: 'to' });
    }
    const interval = request.interval ?? defaultInterval(from, to);
    return {
      timezone: tz,
      interval,
      from,
      to,
      periodEnd: to,
      buckets: bucketStarts(from, to, interval, tz),
      preset: null,
    };
  }
  const preset = request.range ?? 'day';
  const today = dayStart(now, tz);
  let from: Date;
  let to: Date;
  switch (preset) {
    case 'day':
      from = today;
      to = dayStart(now, tz, 1);
      break;
    case 'week':
      from = dayStart(now, tz, -6);
      to = dayStart(now, tz, 1);
      break;
    case 'month':
      from = dayStart(now, tz, -29);
      to = dayStart(now, tz, 1);
      break;
    case 'year': {
      // The 12 months that end tonight: from the same date a year before tomorrow (Dec 8 → Dec 7 next year).
      to = dayStart(now, tz, 1);
      const end = localParts(to, tz);
      from = zonedInstant(end.year - 1, end.month, end.day, 0, tz);
      break;
    }
  }
  const interval = request.interval ?? PRESET_INTERVAL[preset];
  const buckets = bucketStarts(from, to, interval, tz);
  return { timezone: tz, interval, from, to: now < to ? now : to, periodEnd: to, buckets, preset };
}

/**
 * The previous period of equal length: a preset steps back one calendar period in local time (yesterday,
 * the 7 days before, the 30 days before, the 12 months before) and, while the current period is in
 * progress, covers the same elapsed time (today until now ↔ yesterday until this time); an explicit range
 * steps back by its own length.
 */
export function previousRange(range: ResolvedRange): ResolvedRange {
  const tz = range.timezone;
  const back = (d: Date): Date => {
    const p = localParts(d, tz);
    switch (range.preset) {
      case 'day':
        return zonedInstant(p.year, p.month, p.day - 1, p.hour, tz);
      case 'week':
        return zonedInstant(p.year, p.month, p.day - 7, p.hour, tz);
      case 'month':
        return zonedInstant(p.year, p.month, p.day - 30, p.hour, tz);
      case 'year':
        return zonedInstant(p.year - 1, p.month, p.day, p.hour, tz);
      default:
        return new Date(d.getTime() - (range.periodEnd.getTime() - range.from.getTime()));
    }
  };
  const from = back(range.from);
  const periodEnd = back(range.periodEnd);
  const to = new Date(Math.min(periodEnd.getTime(), from.getTime() + (range.to.getTime() - range.from.getTime())));
  return { ...range, from, to, periodEnd, buckets: bucketStarts(from, periodEnd, range.interval, tz) };
}
