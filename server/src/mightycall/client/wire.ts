// MightyCall wire formats: .NET timestamps (0–7 fractional digits, maybe no zone), durations, enums, numbers.
import { toE164 } from '../../phone-numbers/normalize.js';

const TIME_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:?\d{2})?$/i;

export interface McTime {
  /** epoch milliseconds */
  ms: number;
  /** UTC, 7 fractional digits and Z: sorts in event order, finer than milliseconds */
  key: string;
}

/**
 * Reads a MightyCall timestamp. No zone means UTC (Date.parse would read local time). "0001-01-01T00:00:00"
 * means "not set" and, like anything unreadable, gives null.
 */
export function parseMcTime(value: string | null | undefined): McTime | null {
  if (typeof value !== 'string') return null;
  const m = TIME_RE.exec(value.trim());
  if (!m) return null;
  const [, date, time, fraction = '', zone = 'Z'] = m;
  if (date?.startsWith('0001-')) return null;
  const digits = fraction.padEnd(7, '0');
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${date}T${time}.${digits.slice(0, 3)}${offset}`);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return { ms, key: `${iso.slice(0, 23)}${digits.slice(3)}Z` };
}

/** `/calls` durations: milliseconds as a string ("23066"). */
export function parseMillis(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

const HMS_RE = /^(?:(\d+)\.)?(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Journal durations: "hh:mm:ss" (also .NET "d.hh:mm:ss" and fractional seconds), in milliseconds. */
export function parseHms(value: string | null | undefined): number | null {
  if (typeof value !== 'string') return null;
  const m = HMS_RE.exec(value.trim());
  if (!m) return null;
  const [, days = '0', h = '0', min = '0', s = '0', fraction = ''] = m;
  const seconds = Number(days) * 86_400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
  return seconds * 1000 + Math.round(Number(`0.${fraction || '0'}`) * 1000);
}

/** Enums arrive PascalCase or camelCase: compare them lower-cased. */
export function enumOf(value: string | null | undefined): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}

/** E.164 through the product's one normalizer; null for widget names, extensions and blanks. */
export function phoneOf(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  // Extensions (short digit strings) are people inside the account, not phone numbers.
  if (/^\d{1,6}$/.test(trimmed)) return null;
  return toE164(trimmed);
}

/** Extensions arrive as strings, numbers or null; "" and null mean none. */
export function extensionOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** `yyyy-MM-ddTHH:mm:ss` without a zone, as /calls wants startUtc/endUtc. */
export function callsWindowParam(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** ISO 8601 with Z, as the journal wants from/to. */
export function journalWindowParam(ms: number): string {
  return new Date(ms).toISOString();
}

const RETRY_AFTER_RE = /retry after\s+(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)\s*(?:UTC|Z)?/i;

/** When a 429 says access reopens: the "Retry after <time> UTC" text, else a Retry-After header (seconds). */
export function retryAfterOf(message: string | null | undefined, header: string | null, nowMs: number): number | null {
  const m = typeof message === 'string' ? RETRY_AFTER_RE.exec(message) : null;
  const fromText = m?.[1] ? parseMcTime(m[1]) : null;
  if (fromText) return fromText.ms;
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return nowMs + seconds * 1000;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return date;
  }
  return null;
}
