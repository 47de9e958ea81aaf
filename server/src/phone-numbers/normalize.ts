// The product's one phone-number normalizer: any common format in, E.164 out (or null when it is not a number).
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

const DEFAULT_COUNTRY = 'US';

/**
 * "(212) 555-0141", "212.555.0141", "+1 212 555 0141", "0012125550141", "12125550141" → "+12125550141".
 * Numbers without a country code are read as US numbers (MightyCall's home market). Possible-length
 * checks, not strict validity, so new ranges and test numbers (555-01xx) are kept.
 */
export function toE164(input: string | null | undefined): string | null {
  if (input == null) return null;
  const raw = String(input);
  if (raw.length > MEMO_KEY_MAX) return parseE164(raw);
  // The same few numbers (an org's lines, its regular callers) arrive over and over: parsing is the costly part.
  const known = memo.get(raw);
  if (known !== undefined) return known;
  const e164 = parseE164(raw);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(raw, e164);
  return e164;
}

const MEMO_MAX = 20_000;
const MEMO_KEY_MAX = 64;
const memo = new Map<string, string | null>();

function parseE164(input: string): string | null {
  let text = input.trim();
  if (text === '' || text.length > 40) return null;
  if (/[a-z]/i.test(text.replace(/\s*(ext\.?|x)\s*\d+$/i, ''))) return null;
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  const digits = text.replace(/\D/g, '');
  if (!text.startsWith('+') && digits.length === 11 && digits.startsWith('1')) text = `+${digits}`;
  const parsed = parsePhoneNumberFromString(text, DEFAULT_COUNTRY);
  if (!parsed?.isPossible()) return null;
  return parsed.number;
}
