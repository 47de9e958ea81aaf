// The time zones offered for an org: canonical IANA names (the browser lists some by their old names), each with
// a readable label; the value sent to the server is always the exact name.

/** Old names browsers' Intl still lists (ICU keeps them), and the IANA name that replaced each. */
export const RENAMED_ZONES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The current IANA name of a zone (the browser must know it; otherwise the name it has is kept). */
export function canonicalZone(zone: string): string {
  const renamed = RENAMED_ZONES[zone];
  return renamed && isKnownZone(renamed) ? renamed : zone;
}

/** "UTC-05:00", "UTC+05:30", "UTC": the zone's offset from UTC at an instant. */
export function utcOffset(zone: string, at = new Date()): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return (part?.value ?? 'GMT').replace('GMT', 'UTC');
}

/** "America/New_York — New York, UTC-05:00": the exact name first, then the place and offset in plain words. */
export function timeZoneLabel(zone: string, at = new Date()): string {
  const offset = utcOffset(zone, at);
  const place = zone.includes('/') ? (zone.split('/').at(-1) ?? zone).replace(/_/g, ' ') : null;
  if (place) return `${zone} — ${place}, ${offset}`;
  return offset === zone ? zone : `${zone} — ${offset}`;
}

/**
 * The zones to choose from, canonical and sorted, each with its label. A stored zone that is not in that list (an
 * old name saved earlier) is offered too, under its own name, so saving other settings never changes it silently.
 */
export function timeZoneOptions(current: string, at = new Date()): { value: string; label: string }[] {
  const zones = new Set(Intl.supportedValuesOf('timeZone').map(canonicalZone));
  zones.add('UTC');
  const sorted = [...zones].sort();
  const options = sorted.map((zone) => ({ value: zone, label: timeZoneLabel(zone, at) }));
  if (zones.has(current)) return options;
  const renamed = canonicalZone(current);
  const note = renamed === current ? '' : ` (old name of ${renamed})`;
  return [{ value: current, label: `${current}${note}` }, ...options];
}
