// File import of calls (NDJSON or CSV, normalized shape): per-line errors with line numbers, good lines land.
import { z } from 'zod';
import type { Tx } from '../db/tenant.js';
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

/** Splits CSV text into records (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
export function* csvRecords(text: string): Generator<{ line: number; fields: string[] }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') yield { line: recordLine, fields };
      fields = [];
      field = '';
      line++;
      recordLine = line;
    } else field += ch;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    yield { line: recordLine, fields };
  }
}

function* parseLines(
  text: string,
  format: 'ndjson' | 'csv',
): Generator<{ line: number; value: unknown } | { line: number; error: string }> {
  if (format === 'ndjson') {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]?.trim() ?? '';
      if (raw === '') continue;
      try {
        yield { line: i + 1, value: JSON.parse(raw) };
      } catch {
        yield { line: i + 1, error: 'not valid JSON' };
      }
    }
    return;
  }
  let header: string[] | null = null;
  for (const { line, fields } of csvRecords(text)) {
    if (!header) {
      header = fields.map((h) => h.trim().toLowerCase());
      continue;
    }
    if (fields.length !== header.length) {
      yield { line, error: `expected ${header.length} fields, found ${fields.length}` };
      continue;
    }
    yield { line, value: Object.fromEntries(header.map((h, i) => [h, fields[i]])) };
  }
}

/** Validates and normalizes each line, then upserts the good ones in batches; bad lines are reported. */
export async function importCalls(tx: Tx, text: string, format: 'ndjson' | 'csv'): Promise<ImportReport> {
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
  for (const entry of parseLines(text, format)) {
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
