// The call log: recent calls, keyset-paged lists with filters, one call, and the CSV of a filtered set.
import { type RawBuilder, sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import { agentNameSql } from '../metrics/agent-names.js';
import { type RangeRequest, resolveRange } from '../metrics/range.js';
import { callInOrg, inAssignmentWindow, lowerBound, type Scope, scopedCalls, upperBound } from '../metrics/scope.js';
import { orgContext } from '../metrics/settings.js';
import { isoWithOffset } from '../metrics/zoned.js';
import { toE164 } from '../phone-numbers/normalize.js';

export interface CallItem {
  id: string;
  direction: 'inbound' | 'outbound';
  status: 'answered' | 'missed' | 'voicemail';
  fromNumber: string | null;
  toNumber: string | null;
  businessNumber: string;
  queueName: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  waitSeconds: number;
  talkSeconds: number;
  agentExtension: string | null;
  agentName: string | null;
}

export interface CallFilters extends RangeRequest {
  orgId: string | null;
  direction?: 'inbound' | 'outbound';
  status?: 'answered' | 'missed' | 'voicemail';
  /** a business or external number in any common format */
  number?: string;
  agent?: string;
  /** digits to find anywhere in either number */
  q?: string;
  cursor?: string;
  limit: number;
  /** also count every call matching the filters (the cursor aside) */
  withTotal?: boolean;
}

interface CallRow {
  id: string;
  direction: 'inbound' | 'outbound';
  status: 'answered' | 'missed' | 'voicemail';
  external_number: string | null;
  business_number: string;
  queue_name: string | null;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date;
  wait_seconds: number;
  talk_seconds: number;
  agent_extension: string | null;
  provider: string;
  provider_account: string;
  recording_ref: string | null;
  /** the org member linked to the extension, else MightyCall's directory name, else null */
  agent_name: string | null;
}

const COLUMNS = sql`c.id, c.direction, c.status, c.external_number, p.e164 AS business_number, c.queue_name, c.started_at,
  c.answered_at, c.ended_at, c.wait_seconds::float8 AS wait_seconds, c.talk_seconds::float8 AS talk_seconds,
  c.agent_extension, c.provider, c.provider_account, c.recording_ref`;

function encodeCursor(row: { started_at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.started_at.toISOString(), row.id])).toString('base64url');
}

const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const [iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const startedAt = new Date(String(iso));
    const year = startedAt.getUTCFullYear();
    // A forged cursor must fail here, not as a cast error in SQL: a real UUID and a year PostgreSQL accepts.
    if (typeof id !== 'string' || !CURSOR_ID.test(id) || Number.isNaN(year) || year < 1 || year > 9999)
      throw new Error('bad');
    return { startedAt, id };
  } catch {
    throw new AppError(400, 'invalid_request', 'cursor: not a cursor returned by this endpoint', { field: 'cursor' });
  }
}

function toItem(r: Omit<CallRow, 'agent_name'>, agentName: string | null): CallItem {
  return {
    id: r.id,
    direction: r.direction,
    status: r.status,
    fromNumber: r.direction === 'inbound' ? r.external_number : r.business_number,
    toNumber: r.direction === 'inbound' ? r.business_number : r.external_number,
    businessNumber: r.business_number,
    queueName: r.queue_name,
    startedAt: r.started_at.toISOString(),
    answeredAt: r.answered_at?.toISOString() ?? null,
    endedAt: r.ended_at.toISOString(),
    waitSeconds: Number(r.wait_seconds),
    talkSeconds: Number(r.talk_seconds),
    agentExtension: r.agent_extension,
    agentName: r.agent_extension ? agentName : null,
  };
}

/**
 * Adds `agent_name` to call rows, in the same statement: the name of the org member linked to the extension
 * (platform-wide: none), else the MightyCall directory's name for (provider, account, extension).
 */
function withAgentNames(calls: RawBuilder<unknown>, orgId: string | null): RawBuilder<CallRow> {
  const name = agentNameSql(orgId, {
    provider: 'c.provider',
    providerAccount: 'c.provider_account',
    extension: 'c.agent_extension',
  });
  return sql`SELECT c.*, ${name} AS agent_name FROM (${calls}) c ORDER BY c.started_at DESC, c.id DESC`;
}

/** The call columns a page shows, before the number and agent name are joined. */
const PAGE_COLUMNS = sql`c.id, c.direction, c.status, c.external_number, c.business_number_id, c.queue_name,
  c.started_at, c.answered_at, c.ended_at, c.wait_seconds, c.talk_seconds, c.agent_extension, c.provider,
  c.provider_account, c.recording_ref`;

/**
 * The newest `limit` calls of a scope matching `where`, newest first, with their number and agent name, in
 * one statement. For an org, each assignment window is read backwards on (business_number_id, started_at, id)
 * and only its newest `limit` rows are merged, so a page costs the same at 300 or 300,000 calls.
 */
async function newestCalls(tx: Tx, scope: Scope, where: RawBuilder<unknown>, limit: number): Promise<CallRow[]> {
  const lower = lowerBound(scope.from);
  const upper = upperBound(scope.to);
  const calls =
    scope.orgId === null
      ? sql`SELECT ${PAGE_COLUMNS} FROM calls c
          WHERE c.started_at >= ${lower} AND c.started_at < ${upper} AND ${where}
          ORDER BY c.started_at DESC, c.id DESC LIMIT ${limit}`
      : // Keys first, from the covering index (index-only scans), then the page's rows by primary key.
        sql`SELECT ${PAGE_COLUMNS} FROM (
            SELECT k.id FROM org_phone_numbers a CROSS JOIN LATERAL (
              SELECT c.started_at, c.id FROM calls c
              WHERE ${inAssignmentWindow('a', 'c')}
                AND c.started_at >= ${lower} AND c.started_at < ${upper} AND ${where}
              ORDER BY c.started_at DESC, c.id DESC LIMIT ${limit}) k
            WHERE a.org_id = ${scope.orgId}
            ORDER BY k.started_at DESC, k.id DESC LIMIT ${limit}
          ) page JOIN calls c ON c.id = page.id`;
  return (await callRows(calls, scope.orgId).execute(tx)).rows;
}

/** Calls selected with PAGE_COLUMNS, with their number's E.164 (before the agent name). */
function withNumbers(calls: RawBuilder<unknown>): RawBuilder<Omit<CallRow, 'agent_name'>> {
  return sql`SELECT c.id, c.direction, c.status, c.external_number, p.e164 AS business_number, c.queue_name, c.started_at,
      c.answered_at, c.ended_at, c.wait_seconds::float8 AS wait_seconds, c.talk_seconds::float8 AS talk_seconds,
      c.agent_extension, c.provider, c.provider_account, c.recording_ref
      FROM (${calls}) c JOIN phone_numbers p ON p.id = c.business_number_id`;
}

/** Calls selected with PAGE_COLUMNS, as rows of the log: their number's E.164 and agent name, newest first. */
function callRows(calls: RawBuilder<unknown>, orgId: string | null): RawBuilder<CallRow> {
  return withAgentNames(withNumbers(calls), orgId);
}

const agentKey = (r: { provider: string; provider_account: string; agent_extension: string | null }) =>
  `${r.provider}\u0000${r.provider_account}\u0000${r.agent_extension}`;

/**
 * Every call of the scope matching the filters, newest first: for an export slice, whose size the caller has
 * bounded (read once, sorted in memory; no per-window limit). The agent names come from a second statement over
 * the slice's distinct agents (a few dozen), not from two lookups per call.
 */
export async function callsBetween(tx: Tx, f: CallFilters, scope: Scope): Promise<CallItem[]> {
  const calls = sql`SELECT ${PAGE_COLUMNS} FROM ${scopedCalls(scope)} AND ${filterSql(f)}`;
  const rows = (
    await sql<Omit<CallRow, 'agent_name'>>`${withNumbers(calls)} ORDER BY c.started_at DESC, c.id DESC`.execute(tx)
  ).rows;
  const agents = new Map<string, { provider: string; account: string; extension: string }>();
  for (const r of rows) {
    if (r.agent_extension !== null && !agents.has(agentKey(r)))
      agents.set(agentKey(r), { provider: r.provider, account: r.provider_account, extension: r.agent_extension });
  }
  const names = new Map<string, string | null>();
  if (agents.size > 0) {
    const keys = [...agents.values()];
    const name = agentNameSql(scope.orgId, {
      provider: 'k.provider',
      providerAccount: 'k.provider_account',
      extension: 'k.agent_extension',
    });
    const found = await sql<{
      provider: string;
      provider_account: string;
      agent_extension: string;
      name: string | null;
    }>`
      SELECT k.provider, k.provider_account, k.agent_extension, ${name} AS name
      FROM unnest(${keys.map((k) => k.provider)}::text[], ${keys.map((k) => k.account)}::text[],
        ${keys.map((k) => k.extension)}::text[]) AS k(provider, provider_account, agent_extension)`.execute(tx);
    for (const r of found.rows) names.set(agentKey(r), r.name);
  }
  return rows.map((r) => toItem(r, r.agent_extension === null ? null : (names.get(agentKey(r)) ?? null)));
}

/** The latest calls of the scope, newest first. */
export async function recentCalls(tx: Tx, orgId: string | null, limit: number): Promise<CallItem[]> {
  // The route has already established that the org exists and the caller reaches it.
  const rows = await newestCalls(tx, { orgId, from: null, to: null }, sql`true`, limit);
  return rows.map((r) => toItem(r, r.agent_name));
}

export function filterSql(f: Partial<CallFilters>) {
  const parts = [sql`true`];
  if (f.direction) parts.push(sql`c.direction = ${f.direction}`);
  if (f.status) parts.push(sql`c.status = ${f.status}`);
  if (f.agent) parts.push(sql`c.agent_extension = ${f.agent}`);
  if (f.number) {
    const e164 = toE164(f.number);
    if (!e164)
      throw new AppError(400, 'invalid_request', `number: ${f.number.slice(0, 40)} is not a phone number`, {
        field: 'number',
      });
    parts.push(
      sql`(c.business_number_id IN (SELECT id FROM phone_numbers WHERE e164 = ${e164}) OR c.external_number = ${e164})`,
    );
  }
  if (f.q) {
    const digits = f.q.replace(/\D/g, '');
    if (digits.length === 0)
      throw new AppError(400, 'invalid_request', 'q: search by digits of a number', { field: 'q' });
    const pattern = `%${digits}%`;
    parts.push(
      sql`(c.business_number_id IN (SELECT id FROM phone_numbers WHERE e164 LIKE ${pattern}) OR c.external_number LIKE ${pattern})`,
    );
  }
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    // The first comparison bounds the index scan; the row comparison settles ties on started_at.
    parts.push(
      sql`c.started_at <= ${c.startedAt}::timestamptz AND (c.started_at, c.id) < (${c.startedAt}::timestamptz, ${c.id}::uuid)`,
    );
  }
  return sql.join(parts, sql` AND `);
}

/** How many calls of the scope match the filters, wherever a cursor stands: the rows every page reads from. */
async function countCalls(tx: Tx, f: CallFilters, scope: Scope): Promise<number> {
  const { cursor: _, ...filters } = f;
  const counted = await sql<{
    n: string;
  }>`SELECT count(*) AS n FROM ${scopedCalls(scope)} AND ${filterSql(filters)}`.execute(tx);
  return Number(counted.rows[0]?.n ?? 0);
}

/**
 * One page, newest first; nextCursor continues exactly after the last row (never a silent cap). `total` counts
 * every matching call when asked (withTotal), else null: a count reads every match, a page only its own rows.
 */
export async function listCalls(
  tx: Tx,
  f: CallFilters,
  now = new Date(),
): Promise<{ items: CallItem[]; nextCursor: string | null; total: number | null }> {
  // A range needs the org's time zone; without one the route's org check suffices.
  const hasRange = Boolean(f.range || f.from || f.to);
  const range = hasRange ? resolveRange(f, (await orgContext(tx, f.orgId)).timezone, now) : null;
  const scope = { orgId: f.orgId, from: range?.from ?? null, to: range?.to ?? null };
  const rows = await newestCalls(tx, scope, filterSql(f), f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toItem(r, r.agent_name)),
    nextCursor: rows.length > f.limit && last ? encodeCursor(last) : null,
    total: f.withTotal ? await countCalls(tx, f, scope) : null,
  };
}

/** A recording the server can fetch: a stored provider link, or a MightyCall call whose link /calls/{id} renews. */
const HAS_RECORDING = sql`coalesce(c.recording_url IS NOT NULL OR (c.provider = 'mightycall' AND c.recording_ref LIKE 'mightycall:call:%'), false)`;

export async function getCall(tx: Tx, orgId: string | null, callId: string) {
  // By primary key, then the org check: the call must fall inside one of the org's windows for its number.
  const inOrg = orgId === null ? sql`true` : callInOrg(orgId, 'c');
  const rows = await withAgentNames(
    sql`SELECT ${COLUMNS}, c.voicemail_transcript, ${HAS_RECORDING} AS has_recording FROM calls c
      JOIN phone_numbers p ON p.id = c.business_number_id WHERE c.id = ${callId} AND ${inOrg}`,
    orgId,
  ).execute(tx);
  const row = rows.rows[0] as (CallRow & { voicemail_transcript: string | null; has_recording: boolean }) | undefined;
  if (!row) throw new AppError(404, 'call_not_found', 'Call not found');
  return {
    ...toItem(row, row.agent_name),
    recordingRef: row.recording_ref,
    hasRecording: row.has_recording,
    voicemailTranscript: row.voicemail_transcript,
  };
}

export interface RecordingSource {
  provider: string;
  providerAccount: string;
  /** the provider's link (server-side only) */
  url: string | null;
  recordingRef: string | null;
  /** the journal item the call was read from (MightyCall's 24-hex request id), whose by-id read renews the link */
  journalId: string | null;
}

/** Where a call's recording is fetched from, under the same org rule as reading the call; 404 when it has none. */
export async function recordingSource(tx: Tx, orgId: string | null, callId: string): Promise<RecordingSource> {
  const inOrg = orgId === null ? sql`true` : callInOrg(orgId, 'c');
  const rows = await sql<{
    provider: string;
    provider_account: string;
    url: string | null;
    ref: string | null;
    journal_id: string | null;
    has: boolean;
  }>`
    SELECT c.provider, c.provider_account, c.recording_url AS url, c.recording_ref AS ref, ${HAS_RECORDING} AS has,
      CASE WHEN c.raw->>'id' ~ '^[0-9a-fA-F]{24}$' THEN c.raw->>'id' END AS journal_id
    FROM calls c WHERE c.id = ${callId} AND ${inOrg}`.execute(tx);
  const row = rows.rows[0];
  if (!row) throw new AppError(404, 'call_not_found', 'Call not found');
  if (!row.has) throw new AppError(404, 'recording_not_found', 'This call has no recording');
  return {
    provider: row.provider,
    providerAccount: row.provider_account,
    url: row.url,
    recordingRef: row.ref,
    journalId: row.journal_id,
  };
}

/** Each UTC time in the CSV is followed by the same instant on the org's clock, with its offset. */
const LOCAL_TIME_OF = {
  startedAtLocal: 'startedAt',
  answeredAtLocal: 'answeredAt',
  endedAtLocal: 'endedAt',
} as const satisfies Record<string, keyof CallItem>;

type CsvColumn = keyof CallItem | keyof typeof LOCAL_TIME_OF;

export const CSV_COLUMNS: CsvColumn[] = [
  'id',
  'direction',
  'status',
  'fromNumber',
  'toNumber',
  'businessNumber',
  'queueName',
  'startedAt',
  'startedAtLocal',
  'answeredAt',
  'answeredAtLocal',
  'endedAt',
  'endedAtLocal',
  'waitSeconds',
  'talkSeconds',
  'agentExtension',
  'agentName',
];

/** A spreadsheet evaluates a text cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]/;

/**
 * One cell. Numbers (durations) stay bare numbers. Any text that a spreadsheet would run as a formula gets a
 * leading ' and quotes, with no exception for text that looks numeric: `-1+1+cmd|…` and E.164 numbers alike.
 */
function csvCell(value: CallItem[keyof CallItem]): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const formula = FORMULA_START.test(value);
  const text = formula ? `'${value}` : value;
  return formula || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const isLocalTime = (column: CsvColumn): column is keyof typeof LOCAL_TIME_OF => column in LOCAL_TIME_OF;

/** Each column's cell, decided once: an export formats hundreds of thousands of lines. */
const CELLS: Array<(item: CallItem, timeZone: string) => string> = CSV_COLUMNS.map((column) => {
  if (!isLocalTime(column)) return (item: CallItem) => csvCell(item[column]);
  const of = LOCAL_TIME_OF[column];
  return (item: CallItem, timeZone: string) => {
    const utc = item[of];
    return csvCell(typeof utc === 'string' ? isoWithOffset(new Date(utc), timeZone) : null);
  };
});

/** One CSV record; the local-time columns are read in `timeZone` (the org's zone, UTC platform-wide). */
export function csvLine(item: CallItem, timeZone: string): string {
  return `${CELLS.map((cell) => cell(item, timeZone)).join(',')}\r\n`;
}
