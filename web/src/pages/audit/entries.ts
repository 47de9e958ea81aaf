// The audit log's filters as the form holds them and as the API takes them, and how an entry reads on screen.
import type { AuditQuery } from '../../api/endpoints';
import type { AuditEntry } from '../../api/types';
import { formatPhone } from '../../metrics/phone';

/** Entries per request; "Load more" asks for the next page, so nothing is ever cut off silently. */
export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  action: string;
  /** the value of the page's own select (an org for platform admins, a member for an org's log) */
  choice: string;
  targetType: string;
  /** whole days, YYYY-MM-DD */
  from: string;
  to: string;
}
export const NO_FILTERS: AuditFilters = { action: '', choice: '', targetType: '', from: '', to: '' };

/** The query parameter the page's own select is sent as. */
export type ChoiceParam = 'orgId' | 'actorUserId';

/** The kinds of target the server records (the targetType of its audit calls); '' is any. */
export const TARGET_TYPES = [
  { value: '', label: 'Any target' },
  { value: 'org', label: 'Organization' },
  { value: 'user', label: 'User or member' },
  { value: 'invitation', label: 'Invitation' },
  { value: 'api_key', label: 'API key' },
  { value: 'phone_number', label: 'Phone number' },
  { value: 'calls', label: 'Calls (import, export)' },
  { value: 'mightycall_connection', label: 'MightyCall connection' },
  { value: 'route', label: 'API route (acting as a user)' },
];

/** The form's filters as the API's query; days are whole days in `timeZone` (the viewer's zone without one). */
export function toAuditQuery(f: AuditFilters, choiceParam: ChoiceParam | undefined, timeZone?: string): AuditQuery {
  return {
    // The API takes lower-case actions only; "Member.Add" is what people type, not a different action.
    action: f.action.trim().toLowerCase() || undefined,
    targetType: f.targetType || undefined,
    from: f.from ? dayStart(f.from, timeZone) : undefined,
    to: f.to ? dayStart(f.to, timeZone, 1) : undefined,
    ...(choiceParam && f.choice ? { [choiceParam]: f.choice } : {}),
  };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a calendar day (plus some days) begins in a time zone, or in the viewer's zone without one. */
export function dayStart(date: string, timeZone: string | undefined, plusDays = 0): string | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays];
  if (!timeZone) return new Date(year, month, day).toISOString();
  const wall = Date.UTC(year, month, day);
  // Midnight in the zone is the wall time less the zone's offset then; the second pass settles days whose
  // offset changes (DST) between the guess and the answer.
  const guess = wall - zoneOffset(wall, timeZone);
  return new Date(wall - zoneOffset(guess, timeZone)).toISOString();
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function zoneOffset(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - (at - (at % 1000));
}

/** Who did it: a user's email (or id where the email is not ours to see), an API key, or the system. */
export function describeActor(e: AuditEntry, names: ReadonlyMap<string, string>): string {
  const who = e.actor.email ?? e.actor.userId ?? (e.actor.keyId ? `API key ${e.actor.keyId}` : 'system');
  if (!e.actor.actAsUserId) return who;
  return `${who} (acting as ${names.get(e.actor.actAsUserId) ?? e.actor.actAsUserId})`;
}

/** What it was done to, named as the server resolved it for this reader (a number as people write it), else its id. */
export function describeTarget(e: AuditEntry): string {
  if (!e.targetType) return '—';
  const name = e.targetName && e.targetType === 'phone_number' ? formatPhone(e.targetName) : e.targetName;
  return `${e.targetType} ${name ?? e.targetId ?? ''}`.trim();
}

/** The before and after of a change, or null when the entry records none (a sign-in, an export). */
export function describeChanges(e: AuditEntry): { before: unknown; after: unknown } | null {
  const none = (v: unknown) => v === null || v === undefined;
  if (none(e.before) && none(e.after)) return null;
  return { before: e.before ?? null, after: e.after ?? null };
}

/** Bookkeeping every write moves; listing it would only crowd out the real changes. */
const BOOKKEEPING = new Set(['updatedAt']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "field: before → after" for each field a change altered, when both sides are records; [] otherwise. */
export function changedFields(e: AuditEntry): string[] {
  const { before, after } = e;
  if (!isRecord(before) || !isRecord(after)) return [];
  const fields: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (BOOKKEEPING.has(key)) continue;
    const was = JSON.stringify(before[key]) ?? '—';
    const now = JSON.stringify(after[key]) ?? '—';
    if (was !== now) fields.push(`${key}: ${was} → ${now}`);
  }
  return fields;
}

/** The label for the time column: the org's zone when the page has one, else the viewer's own. */
export function zoneLabel(timeZone: string | undefined): string {
  return timeZone ?? `your time, ${Intl.DateTimeFormat().resolvedOptions().timeZone}`;
}
