// Query-string parsing shared by the routes: ints, UTC times, comma lists, ASP.NET-style model errors.

/** Query parameters with case-insensitive names (ASP.NET binds them that way); the first value wins. */
export function queryOf(url: string): Map<string, { name: string; value: string }> {
  const out = new Map<string, { name: string; value: string }>();
  for (const [name, value] of new URL(url).searchParams) {
    const key = name.toLowerCase();
    if (!out.has(key)) out.set(key, { name, value });
  }
  return out;
}

export function getParam(query: Map<string, { name: string; value: string }>, name: string): string | undefined {
  return query.get(name.toLowerCase())?.value;
}

export function parseIntParam(raw: string | undefined, fallback: number, min: number): number | 'invalid' {
  if (raw === undefined || raw === '') return fallback;
  if (!/^[+-]?\d+$/.test(raw.trim())) return 'invalid';
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > 2_147_483_647) return 'invalid';
  return value;
}

/** UTC instant of a query time; zone-less values (the documented yyyy-MM-ddThh:mm:ss) are read as UTC. */
export function parseUtc(raw: string | undefined): number | 'invalid' | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = raw.trim();
  const zoneless = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?$/.test(value);
  const normalized = zoneless ? (value.includes('T') ? `${value}Z` : `${value}T00:00:00Z`) : value;
  const ms = Date.parse(normalized.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : 'invalid';
}

export function splitList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v.length > 0);
}

export function parseBool(raw: string | undefined): boolean | undefined | 'invalid' {
  if (raw === undefined || raw === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return 'invalid';
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** `{ message: "The request is invalid.", modelState: { <field>: ["The value '…' is not valid for <Field>."] } }` */
export function modelStateError(
  field: string,
  value: string,
): { message: string; modelState: Record<string, string[]> } {
  return {
    message: 'The request is invalid.',
    modelState: { [field]: [`The value '${value}' is not valid for ${capital(field)}.`] },
  };
}
