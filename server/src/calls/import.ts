// File import of calls (NDJSON or CSV, normalized shape): per-line errors with line numbers, good lines land.
import { z } from 'zod';
import type { Tx } from '../db/tenant.js';
import { MAX_JSON_DEPTH, scanJson } from '../http/input-guards.js';
import { toE164 } from '../phone-numbers/normalize.js';
import { type NormalizedCall, upsertCalls } from './ingest.js';

const STATUS: Record<string, NormalizedCall['status']> = {
  answered: 'answered',
  connected: 'answered',
  completed: 'answered',
  missed: 'missed',
  abandoned: 'missed',
  unanswered: 'missed',
  noanswer: 'missed',
  'no-answer': 'missed',
  no_answer: 'missed',
  voicemail: 'voicemail',
  vm: 'voicemail',
};

const instant = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    // No zone means UTC (as MightyCall sends it).
    const text = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
    const d = new Date(text.replace(' ', 'T'));
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${value} is not an ISO date-time` });
      return z.NEVER;
    }
    return d;
  });

const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' || v === undefined ? null : v), schema.nullable());

export const ImportLineSchema = z
  .object({
    provider: z.string().trim().min(1).max(40),
    provider_call_id: z.string().trim().min(1).max(200),
    direction: z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .pipe(z.enum(['inbound', 'outbound'])),
    status: z.string().transform((v, ctx) => {
      const s = STATUS[v.trim().toLowerCase()];
      if (!s) {
        ctx.addIssue({ code: 'custom', message: `status ${v.slice(0, 20)} is not answered, missed or voicemail` });
        return z.NEVER;
      }
      return s;
    }),
    business_number: z.string().max(40),
    external_number: optional(z.string().max(40)),
    started_at: instant,
    answered_at: optional(instant),
    ended_at: instant,
    agent_extension: optional(z.string().trim().max(20)),
    queue: optional(z.string().trim().max(200)),
    recording_ref: optional(z.string().max(2000)),
  })
  .superRefine((c, ctx) => {
    if (c.ended_at < c.started_at)
      ctx.addIssue({ code: 'custom', path: ['ended_at'], message: 'ended_at is before started_at' });
    if (c.status === 'answered' && !c.answered_at)
      ctx.addIssue({ code: 'custom', path: ['answered_at'], message: 'an answered call needs answered_at' });
    if (c.status !== 'answered' && c.answered_at)
      ctx.addIssue({ code: 'custom', path: ['answered_at'], message: `a ${c.status} call has no answered_at` });
    if (c.answered_at && (c.answered_at < c.started_at || c.answered_at > c.ended_at))
      ctx.addIssue({ code: 'custom', path: ['answered_at'], message: 'answered_at is outside started_at..ended_at' });
  });

export interface ImportReport {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: Array<{ line: number; message: string }>;
}

const MAX_REPORTED_ERRORS = 1000;

/**
 * CSV records from text that arrives in pieces (RFC 4180: quoted fields, doubled quotes, CRLF or LF). A piece
 * ending in a CR or in quotes keeps them for the next one, which decides what they meant.
 */
export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private quoted = false;
  private line = 1;
  private recordLine = 1;
  private held = '';

  *push(piece: string): Generator<{ line: number; fields: string[] }> {
    const text = this.held + piece;
    // What the next piece decides: a CR (is an LF next?), or a run of quotes (which of them are doubled?).
    let keep = text.length;
    if (text.endsWith('\r')) keep--;
    else while (keep > 0 && text[keep - 1] === '"') keep--;
    this.held = text.slice(keep);
    yield* this.scan(text.slice(0, keep));
  }

  *end(): Generator<{ line: number; fields: string[] }> {
    const text = this.held;
    this.held = '';
    yield* this.scan(text);
    if (this.field !== '' || this.fields.length > 0) {
      this.fields.push(this.field);
      yield { line: this.recordLine, fields: this.fields };
      this.fields = [];
      this.field = '';
    }
  }

  private *scan(text: string): Generator<{ line: number; fields: string[] }> {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.quoted) {
        if (ch === '"' && text[i + 1] === '"') {
          this.field += '"';
          i++;
        } else if (ch === '"') this.quoted = false;
        else {
          if (ch === '\n') this.line++;
          this.field += ch;
        }
      } else if (ch === '"' && this.field === '') this.quoted = true;
      else if (ch === ',') {
        this.fields.push(this.field);
        this.field = '';
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        this.fields.push(this.field);
        if (this.fields.length > 1 || this.fields[0] !== '') yield { line: this.recordLine, fields: this.fields };
        this.fields = [];
        this.field = '';
        this.line++;
        this.recordLine = this.line;
      } else this.field += ch;
    }
  }
}

type Parsed = { line: number; value: unknown } | { line: number; error: string };

function parseJsonLine(raw: string, line: number): Parsed {
  // The shared body rules, per line: no absurd nesting, no escaped NUL (input-guards.ts).
  const scan = scanJson(Buffer.from(raw), MAX_JSON_DEPTH);
  if (scan.depth > MAX_JSON_DEPTH) return { line, error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  if (scan.nul) return { line, error: 'contains a NUL character (\\u0000)' };
  try {
    return { line, value: JSON.parse(raw) };
  } catch {
    return { line, error: 'not valid JSON' };
  }
}

/** Lines of NDJSON or records of CSV (as objects keyed by the header), from text that arrives in pieces. */
async function* parseLines(pieces: AsyncIterable<string>, format: 'ndjson' | 'csv'): AsyncGenerator<Parsed> {
  if (format === 'ndjson') {
    let carry = '';
    let line = 0;
    for await (const piece of pieces) {
      const parts = (carry + piece).split('\n');
      carry = parts.pop() ?? '';
      for (const part of parts) {
        line++;
        const raw = part.trim();
        if (raw !== '') yield parseJsonLine(raw, line);
      }
    }
    const raw = carry.trim();
    if (raw !== '') yield parseJsonLine(raw, line + 1);
    return;
  }
  let header: string[] | null = null;
  const entries = function* (records: Iterable<{ line: number; fields: string[] }>): Generator<Parsed> {
    for (const { line, fields } of records) {
      if (!header) header = fields.map((h) => h.trim().toLowerCase());
      else if (fields.length !== header.length) {
        yield { line, error: `expected ${header.length} fields, found ${fields.length}` };
      } else {
        const names = header;
        yield { line, value: Object.fromEntries(names.map((h, i) => [h, fields[i]])) };
      }
    }
  };
  const parser = new CsvParser();
  for await (const piece of pieces) yield* entries(parser.push(piece));
  yield* entries(parser.end());
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

/**
 * Validates and normalizes each line, then upserts the good ones in batches of 1,000; bad lines are reported.
 * `source` is the whole text, or its pieces as they arrive (a request body, decoded by utf8Text): only a batch
 * is held in memory, whatever the size of the file. An error thrown by the source (a body over the limit, bytes
 * that are not UTF-8) ends the import; the caller's transaction then lands none of it.
 */
export async function importCalls(
  tx: Tx,
  source: string | AsyncIterable<string>,
  format: 'ndjson' | 'csv',
): Promise<ImportReport> {
  const report: ImportReport = { received: 0, inserted: 0, updated: 0, unchanged: 0, errors: [] };
  const fail = (line: number, message: string) => {
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, message });
  };
  let batch: NormalizedCall[] = [];
  const flush = async () => {
    const r = await upsertCalls(tx, batch);
    report.inserted += r.inserted;
    report.updated += r.updated;
    report.unchanged += r.unchanged;
    batch = [];
  };
  for await (const entry of parseLines(typeof source === 'string' ? once(source) : source, format)) {
    report.received++;
    if ('error' in entry) {
      fail(entry.line, entry.error);
      continue;
    }
    const parsed = ImportLineSchema.safeParse(entry.value);
    if (!parsed.success) {
      fail(entry.line, parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; '));
      continue;
    }
    const c = parsed.data;
    const business = toE164(c.business_number);
    if (!business) {
      fail(entry.line, `business_number: ${c.business_number.slice(0, 40)} is not a phone number`);
      continue;
    }
    const external = c.external_number === null ? null : toE164(c.external_number);
    batch.push({
      provider: c.provider,
      providerCallId: c.provider_call_id,
      direction: c.direction,
      status: c.status,
      businessNumber: business,
      externalNumber: external ?? c.external_number,
      startedAt: c.started_at,
      answeredAt: c.answered_at,
      endedAt: c.ended_at,
      agentExtension: c.agent_extension,
      queue: c.queue,
      recordingRef: c.recording_ref,
    });
    if (batch.length >= 1000) await flush();
  }
  await flush();
  return report;
}
