// Calendar arithmetic in an IANA time zone: local parts of an instant, and the instant of a local wall time.

export interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday … 7 = Sunday (ISO) */
  isoWeekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Every local field of an instant, numeric, 24-hour clock, English weekday names: what localParts reads. */
export const LOCAL_PARTS_FORMAT: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  weekday: 'short',
  hourCycle: 'h23',
};

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { ...LOCAL_PARTS_FORMAT, timeZone });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

// Dashboards ask for the same bucket boundaries on every refresh; Intl formatting is the expensive part.
// Bounded: cleared whole when full.
const partsCache = new Map<string, LocalParts>();
const PARTS_CACHE_LIMIT = 50_000;

export function localParts(instant: Date, timeZone: string): LocalParts {
  const t = instant.getTime();
  if (t % 60_000 === 0) return minuteParts(t, timeZone);
  // "Now" and the ends of ranges that stop now: the local time of the whole minute before, plus the seconds.
  // Valid when the offset is the same at both ends of the minute (a change inside it falls back to Intl), and
  // only whole minutes are cached (two per minute that "now" passes through, not one per instant).
  const floor = t - (((t % 60_000) + 60_000) % 60_000);
  const before = minuteParts(floor, timeZone);
  const offset = wallClockMs(before) - floor;
  if (before.year < 100 || wallClockMs(minuteParts(floor + 60_000, timeZone)) - (floor + 60_000) !== offset) {
    return computeLocalParts(instant, timeZone);
  }
  const wall = new Date(t + offset);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    isoWeekday: wall.getUTCDay() === 0 ? 7 : wall.getUTCDay(),
  };
}

/** The local wall-clock reading as if it were UTC, in ms (years from 100: Date.UTC maps 0–99 to 1900–1999). */
const wallClockMs = (p: LocalParts) => Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);

function minuteParts(t: number, timeZone: string): LocalParts {
  const key = `${timeZone}|${t}`;
  const hit = partsCache.get(key);
  if (hit) return hit;
  const parts = Object.freeze(computeLocalParts(new Date(t), timeZone));
  if (partsCache.size >= PARTS_CACHE_LIMIT) partsCache.clear();
  partsCache.set(key, parts);
  return parts;
}

function computeLocalParts(instant: Date, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, isoWeekday: 1 };
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type === 'weekday') out.isoWeekday = WEEKDAYS[p.value] ?? 1;
    else if (p.type in out)
      (out as unknown as Record<string, number>)[p.type] = Number(p.value) % (p.type === 'hour' ? 24 : 1e9);
  }
  return out;
}

/** Offset of the zone from UTC at an instant, in milliseconds (east positive). */
export function offsetMs(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the local wall clock in `timeZone` reads the given time. Day/month overflow is
 * normalized (day 32 → next month). In a fall-back overlap the first (daylight) occurrence wins; a wall time
 * inside a spring-forward gap (a day that starts at 01:00, say) resolves to the end of the gap, the first
 * instant the clock shows after it.
 */
export function zonedInstant(year: number, month: number, day: number, hour = 0, timeZone = 'UTC'): Date {
  // Pure in its arguments, and asked for the same boundaries on every dashboard refresh.
  const key = `${timeZone}|${year}|${month}|${day}|${hour}`;
  const hit = instantCache.get(key);
  if (hit !== undefined) return new Date(hit);
  const ms = computeZonedInstant(year, month, day, hour, 0, timeZone);
  if (instantCache.size >= PARTS_CACHE_LIMIT) instantCache.clear();
  instantCache.set(key, ms);
  return new Date(ms);
}

const instantCache = new Map<string, number>();

/**
 * zonedInstant with minutes (a report's send time, 08:30): the same rules, so a wall time inside a spring-forward
 * gap moves forward by the gap's length (02:30 on a day whose clocks jump from 02:00 to 03:00 → 03:30), and in a
 * fall-back overlap the first occurrence wins.
 */
export function zonedWallTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): Date {
  return new Date(computeZonedInstant(year, month, day, hour, minute, timeZone));
}

function computeZonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Offset changes are months apart, so the offsets a day either side are the only ones the wall time can have.
  const before = offsetMs(new Date(wall - 86_400_000), timeZone);
  const after = offsetMs(new Date(wall + 86_400_000), timeZone);
  const reads = (t: number) => t + offsetMs(new Date(t), timeZone) === wall;
  const valid = [wall - before, wall - after].filter(reads);
  if (valid.length > 0) return Math.min(...valid);
  // In the gap: with the offset from before the change, the instant is exactly the change.
  return wall - before;
}

const DAY_MS = 86_400_000;
/** Instants from year 1000 to 9999: four-digit years, and no Date.UTC mapping of years 0–99. */
const STEADY_FROM = Date.UTC(1000, 0, 1);
const STEADY_TO = Date.UTC(9999, 0, 1);
// The zone's offset through each UTC day it does not change in; null for a day holding a change. Bounded like
// the caches above: cleared whole when full.
const dayOffsets = new Map<string, number | null>();

/**
 * The zone's offset (ms, east positive) at every instant of the UTC day holding `t`, when it reads the same at
 * both ends of that day: offset changes are months apart, so none falls inside such a day. null when the day
 * holds a change (or lies outside years 1000–9999), and the caller reads the instant itself.
 */
function steadyDayOffset(t: number, timeZone: string): number | null {
  if (t < STEADY_FROM || t >= STEADY_TO) return null;
  const start = t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
  const key = `${timeZone}|${start}`;
  const hit = dayOffsets.get(key);
  if (hit !== undefined) return hit;
  const at = (m: number) => wallClockMs(computeLocalParts(new Date(m), timeZone)) - m;
  const offset = at(start);
  const steady = at(start + DAY_MS) === offset ? offset : null;
  if (dayOffsets.size >= PARTS_CACHE_LIMIT) dayOffsets.clear();
  dayOffsets.set(key, steady);
  return steady;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 with the zone's offset at that instant, e.g. 2026-03-08T03:00:00-04:00. */
export function isoWithOffset(instant: Date, timeZone: string): string {
  // A CSV export formats hundreds of thousands of instants: one Intl reading per UTC day, not several per call.
  const steady = steadyDayOffset(instant.getTime(), timeZone);
  if (steady !== null) {
    const wall = new Date(instant.getTime() + steady);
    return `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(
      wall.getUTCHours(),
    )}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}${offsetText(steady)}`;
  }
  const p = localParts(instant, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${offsetText(
    offsetMs(instant, timeZone),
  )}`;
}

/** ±hh:mm, rounded to the minute (old local mean times have seconds). */
function offsetText(ms: number): string {
  const off = Math.round(ms / 60_000);
  const abs = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
