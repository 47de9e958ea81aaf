// Wire formats: .NET-style timestamps of varying precision, durations, and journal enum casing.
import type { EnumCase } from './types.js';

function isoParts(ms: number): { base: string; millis: string } {
  const iso = new Date(ms).toISOString();
  return { base: iso.slice(0, 19), millis: iso.slice(20, 23) };
}

/** `yyyy-MM-ddTHH:mm:ss.fff…` with 0..7 fractional digits (digits past milliseconds are zeros). */
export function timestamp(ms: number, digits: number, suffix: 'Z' | '+00:00' | ''): string {
  const { base, millis } = isoParts(ms);
  const fraction = `${millis}0000`.slice(0, digits);
  return `${base}${digits > 0 ? `.${fraction}` : ''}${suffix}`;
}

/** .NET round-trip with trailing zeros trimmed, e.g. 2017-01-14T08:40:51.62+00:00 */
export function trimmedTime(ms: number, suffix: 'Z' | '+00:00'): string {
  const { base, millis } = isoParts(ms);
  const fraction = millis.replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}${suffix}`;
}

/** `hh:mm:ss` (hours not wrapped at 24). */
export function hhmmss(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * Newtonsoft-style camelCase of an enum literal: the leading run of capitals is lowered, except the
 * last one when a lowercase letter follows (PhoneNumber → phoneNumber, VIP → vip, NotDialed → notDialed).
 */
export function camelEnum(value: string): string {
  let i = 0;
  while (i < value.length && /[A-Z]/.test(value.charAt(i))) i++;
  if (i === 0) return value;
  if (i === value.length) return value.toLowerCase();
  const run = i > 1 ? i - 1 : 1;
  return value.slice(0, run).toLowerCase() + value.slice(run);
}

/** The casing function an account uses for journal enums (the Swagger's literals are PascalCase). */
export function enumCaser(mode: EnumCase): (value: string) => string {
  return mode === 'camel' ? camelEnum : (value) => value;
}

/** Digits only, for matching numbers given with or without '+'. */
export const digitsOf = (value: string): string => value.replace(/\D/g, '');

export function splitName(full: string): { firstName: string; lastName: string } {
  const parts = full.trim().split(/\s+/);
  return { firstName: parts[0] ?? '', lastName: parts.slice(1).join(' ') };
}
