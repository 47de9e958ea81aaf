// How phone numbers are written on screen: the national format of the number's country ("(212) 555-0141" for +1),
// with the stored E.164 form kept for hover and for search.
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

const national = new Map<string, string>();
const NATIONAL_CACHE_MAX = 5_000;

/** "+12125550141" → "(212) 555-0141", "+442079460958" → "020 7946 0958"; anything unparsable as it came. */
export function formatPhone(e164: string): string {
  const known = national.get(e164);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(e164);
  // An impossible number (too short for its country) is shown as it came, country code and all.
  const formatted = parsed?.isPossible() ? parsed.formatNational() : e164;
  if (national.size >= NATIONAL_CACHE_MAX) national.clear();
  national.set(e164, formatted);
  return formatted;
}

/** Whether a search typed in any format ("(212) 555", "+1 212", "2125550141") finds the number by its digits. */
export function phoneMatches(e164: string, query: string): boolean {
  const digits = query.replace(/\D/g, '');
  return digits.length > 0 && e164.replace(/\D/g, '').includes(digits);
}
