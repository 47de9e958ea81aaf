// How numbers, durations, rates and instants are written on screen; null (no data) is always "—".
export const NO_DATA = '—';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? NO_DATA : integer.format(value);
}

export function formatPct(value: number | null | undefined): string {
  return value === null || value === undefined ? NO_DATA : `${oneDecimal.format(value)}%`;
}

/** What an answer rate is a share of: "513 answered of 650 counted (26 short abandons excluded)". */
export function answerRateBasis(m: { answeredCalls: number; offeredCalls: number; shortAbandonedCalls: number }) {
  const short = m.shortAbandonedCalls;
  const excluded = short > 0 ? ` (${formatCount(short)} short abandon${short === 1 ? '' : 's'} excluded)` : '';
  return `${formatCount(m.answeredCalls)} answered of ${formatCount(m.offeredCalls - short)} counted${excluded}`;
}

/** Seconds: under a minute with one decimal ("23.4 s"), otherwise minutes and seconds ("3m 05s"), hours past that. */
export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return NO_DATA;
  if (Math.abs(value) < 60) return `${oneDecimal.format(value)} s`;
  const total = Math.round(Math.abs(value));
  const sign = value < 0 ? '-' : '';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}

/** A running timer "m:ss" or "h:mm:ss" for the wallboard. */
export function formatTimer(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const DATE_TIME_FORMATS_MAX = 200;

/**
 * An Intl.DateTimeFormat, built once per locale and options: building one loads its zone's rules and costs far
 * more than formatting (a dashboard formats hundreds of times as it first renders). A bad time zone throws, as
 * the constructor does, and is not kept.
 */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    if (dateTimeFormats.size >= DATE_TIME_FORMATS_MAX) dateTimeFormats.clear();
    dateTimeFormats.set(key, format);
  }
  return format;
}

function safeZone(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    dateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** Local date and time in the org's time zone, e.g. "Mar 8, 2026, 14:05". */
export function formatDateTime(iso: string | null | undefined, timeZone?: string, withSeconds = false): string {
  if (!iso) return NO_DATA;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateTimeFormat('en-US', {
    timeZone: safeZone(timeZone),
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: withSeconds ? '2-digit' : undefined,
    hourCycle: 'h23',
  }).format(date);
}

export function formatTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return NO_DATA;
  return dateTimeFormat('en-US', {
    timeZone: safeZone(timeZone),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

export function formatDate(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return NO_DATA;
  return dateTimeFormat('en-US', {
    timeZone: safeZone(timeZone),
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  }).format(new Date(iso));
}

/** The short zone name ("EST", "GMT+1") of an instant in a zone, to label times with it. */
export function zoneAbbreviation(timeZone: string, at = new Date()): string {
  const part = dateTimeFormat('en-US', { timeZone: safeZone(timeZone), timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? timeZone;
}

/** How far a zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = dateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - at;
}

/** The instant a local date (YYYY-MM-DD) begins in a time zone, as ISO — e.g. an assignment's effective date. */
export function localMidnight(date: string, timeZone: string): string {
  const [y = 1970, m = 1, d = 1] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  // Two passes settle the offset on either side of a DST change.
  const first = wall - zoneOffsetMs(wall, timeZone);
  return new Date(wall - zoneOffsetMs(first, timeZone)).toISOString();
}
