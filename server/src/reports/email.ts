// What a report email says: subject with the org and period, a text and an HTML part with the KPI row (and the change
// against the previous period), the chart as an inline PNG, the top queues, agents and numbers, the definitions
// link, and the period's calls as a CSV attachment. Figures are written as the dashboard writes them.
import { type CallItem, CSV_COLUMNS, csvLine } from '../calls/service.js';
import type { MailAttachment } from '../mail/outbox.js';
import { escapeHtml, type RenderedMail } from '../mail/templates.js';
import type { KpiChange, KpiFigures } from '../metrics/schema.js';
import { drawCallsChart } from './chart.js';
import { REPORT_CSV_MAX_CALLS, type ReportFigures } from './figures.js';
import { addDays, type Frequency, formatDate, type LocalDate, type ReportPeriod } from './schedule.js';

export const CHART_CID = 'calls-chart@victorysync';
const NO_DATA = '—';

type KpiField = keyof KpiChange;
type Format = 'count' | 'pct' | 'seconds';

/** The KPI row, in order: [field, label, format, lower is better]. */
export const REPORT_KPIS: ReadonlyArray<readonly [KpiField, string, Format, boolean]> = [
  ['offeredCalls', 'Offered', 'count', false],
  ['totalCalls', 'Total calls', 'count', false],
  ['answerRatePct', 'Answer rate', 'pct', false],
  ['serviceLevelPct', 'Service level', 'pct', false],
  ['avgWaitSeconds', 'ASA', 'seconds', true],
  ['avgTalkSeconds', 'Avg talk time', 'seconds', false],
  ['abandonRatePct', 'Abandon rate', 'pct', true],
  ['missedCalls', 'Missed', 'count', true],
  ['voicemailCalls', 'Voicemail', 'count', true],
];

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** The dashboard's formats (web/src/metrics/format.ts): "1,234", "87.5%", "23.4 s" / "3m 05s". */
export function formatFigure(value: number | null, format: Format): string {
  if (value === null) return NO_DATA;
  if (format === 'count') return integer.format(value);
  if (format === 'pct') return `${oneDecimal.format(value)}%`;
  if (Math.abs(value) < 60) return `${oneDecimal.format(value)} s`;
  const total = Math.round(Math.abs(value));
  const sign = value < 0 ? '-' : '';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}

/** "+3.0 pts", "-12.5%", "no change", "—" (no previous figure). */
export function changeText(change: KpiChange[KpiField], format: Format): string {
  if (change.delta === null) return NO_DATA;
  if (change.delta === 0) return 'no change';
  const sign = change.delta > 0 ? '+' : '';
  if (format === 'pct') return `${sign}${oneDecimal.format(change.delta)} pts`;
  if (change.pct === null) return `${sign}${formatFigure(change.delta, format)}`;
  return `${sign}${oneDecimal.format(change.pct)}%`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const dayText = (d: LocalDate) => `${MONTHS[d.month - 1]} ${d.day}, ${d.year}`;

/** "Mar 2, 2026 – Mar 8, 2026" (the last day included), or one day. */
export function periodText(p: ReportPeriod): string {
  const last = addDays(p.end, -1);
  return formatDate(last) === formatDate(p.start) ? dayText(p.start) : `${dayText(p.start)} – ${dayText(last)}`;
}

const FREQUENCY_WORD: Record<Frequency, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' };

export interface ReportMailInput {
  orgId: string;
  orgName: string;
  scheduleName: string;
  frequency: Frequency;
  period: ReportPeriod;
  previous: ReportPeriod;
  figures: ReportFigures;
  /** the app's public origin ('' when unknown: links are paths) */
  baseUrl: string;
  timezone: string;
  preview: boolean;
}

export interface ReportMail extends RenderedMail {
  attachments: MailAttachment[];
}

function dashboardUrl(input: ReportMailInput): string {
  const q = input.figures.query;
  const params = new URLSearchParams({ range: 'custom', from: q.from, to: q.to, interval: q.interval });
  return `${input.baseUrl}/orgs/${input.orgId}?${params.toString()}`;
}

function callsUrl(input: ReportMailInput): string {
  const q = input.figures.query;
  return `${input.baseUrl}/orgs/${input.orgId}/calls?${new URLSearchParams({ range: 'custom', from: q.from, to: q.to })}`;
}

function kpiRows(m: KpiFigures, change: KpiChange) {
  return REPORT_KPIS.map(([field, label, format, lowerIsBetter]) => {
    const value = m[field];
    const c = change[field];
    const better = c.delta === null || c.delta === 0 ? null : c.delta < 0 === lowerIsBetter;
    return { field, label, value, text: formatFigure(value, format), change: changeText(c, format), better };
  });
}

/** The period's calls as the call log's CSV export writes them (same columns), newest first. */
export function callsCsv(calls: readonly CallItem[], timezone: string): Buffer {
  const sorted = [...calls].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  return Buffer.from(`${CSV_COLUMNS.join(',')}\r\n${sorted.map((c) => csvLine(c, timezone)).join('')}`, 'utf8');
}

const td = 'style="padding: 6px 8px; border-bottom: 1px solid #e4e7eb;"';
const th = 'style="padding: 6px 8px; border-bottom: 2px solid #cbd2d9; text-align: left;"';

function table(caption: string, headers: string[], rows: string[][], testId: string): string {
  const body =
    rows.length === 0
      ? `<tr><td ${td} colspan="${headers.length}">No calls in this period.</td></tr>`
      : rows.map((r) => `<tr>${r.map((cell) => `<td ${td}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<h2 style="font-size: 16px; margin-top: 24px;">${escapeHtml(caption)}</h2>
<table data-table="${testId}" style="border-collapse: collapse; width: 100%; font-size: 14px;">
<thead><tr>${headers.map((h) => `<th ${th}>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>`;
}

function topTables(f: ReportFigures) {
  const pct = (v: number | null) => formatFigure(v, 'pct');
  const secs = (v: number | null) => formatFigure(v, 'seconds');
  const count = (v: number) => formatFigure(v, 'count');
  return [
    {
      caption: 'Top queues',
      id: 'queues',
      headers: ['Queue', 'Offered', 'Answered', 'Missed', 'Answer rate', 'Service level'],
      rows: f.queues.map((q) => [
        q.queueName ?? '(no queue)',
        count(q.totalCalls),
        count(q.answered),
        count(q.missed),
        pct(q.answerRatePct),
        pct(q.serviceLevelPct),
      ]),
    },
    {
      caption: 'Top agents',
      id: 'agents',
      headers: ['Agent', 'Extension', 'Answered', 'Outbound', 'Avg talk time'],
      rows: f.agents.map((a) => [
        a.agentName ?? '—',
        a.agentExtension,
        count(a.answered),
        count(a.outbound),
        secs(a.avgConnectedTalkSeconds),
      ]),
    },
    {
      caption: 'Top numbers',
      id: 'numbers',
      headers: ['Number', 'Label', 'Total calls', 'Answered', 'Missed', 'Answer rate'],
      rows: f.numbers.map((n) => [
        n.e164,
        n.label ?? '',
        count(n.totalCalls),
        count(n.answered),
        count(n.missed),
        pct(n.answerRatePct),
      ]),
    },
  ];
}

export function reportMail(input: ReportMailInput): ReportMail {
  const f = input.figures;
  const when = periodText(input.period);
  const kind = FREQUENCY_WORD[input.frequency];
  const subject = `${input.preview ? '[Preview] ' : ''}${input.orgName}: ${kind.toLowerCase()} call report, ${when}`;
  const kpis = kpiRows(f.metrics, f.change);
  const tables = topTables(f);
  const dashboard = dashboardUrl(input);
  const target = `target ${formatFigure(f.metrics.serviceLevelTargetPct, 'pct')} within ${f.metrics.serviceLevelThresholdSeconds} s`;
  const csvNote =
    f.calls === null
      ? `The period has ${formatFigure(f.metrics.totalCalls, 'count')} calls, more than the ${formatFigure(REPORT_CSV_MAX_CALLS, 'count')} a report attaches: export them from the call log: ${callsUrl(input)}`
      : `The period's ${formatFigure(f.calls.length, 'count')} calls are attached as CSV (the call log's export columns).`;
  const previousText = `Change against the previous period, ${periodText(input.previous)}.`;

  const text = [
    `${kind} call report for ${input.orgName}`,
    `${when} (${input.timezone})${input.preview ? ' — preview sent to you only' : ''}`,
    '',
    ...kpis.map((k) => `${k.label}: ${k.text} (${k.change})`),
    `Service level ${target}.`,
    previousText,
    '',
    ...tables.flatMap((t) => [
      `${t.caption}:`,
      ...(t.rows.length === 0
        ? ['  No calls in this period.']
        : [t.headers, ...t.rows].map((r) => `  ${r.join(' | ')}`)),
      '',
    ]),
    csvNote,
    '',
    `Open this period on the dashboard (each figure's definition is shown beside it): ${dashboard}`,
    '',
    '--',
    `${input.scheduleName}: a scheduled VictorySync report for ${input.orgName}. An admin of ${input.orgName} can change or stop it on the org's Reports page.`,
    '',
  ].join('\n');

  const tone = (better: boolean | null) => (better === null ? '#52606d' : better ? '#047857' : '#b91c1c');
  const kpiCell = (k: (typeof kpis)[number]) =>
    `<td data-metric="${k.field}" data-value="${k.value ?? ''}" style="padding: 8px; vertical-align: top; width: 33%;">
<div style="font-size: 12px; color: #52606d;">${escapeHtml(k.label)}</div>
<div style="font-size: 20px; font-weight: 600;">${escapeHtml(k.text)}</div>
<div style="font-size: 12px; color: ${tone(k.better)};">${escapeHtml(k.change)}</div></td>`;
  // Three figures a row: nine in one row overflow a phone's mail client.
  const kpiRowsHtml = [0, 3, 6]
    .map(
      (first) =>
        `<tr>${kpis
          .slice(first, first + 3)
          .map(kpiCell)
          .join('\n')}</tr>`,
    )
    .join('\n');
  const url = escapeHtml(dashboard);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; color: #1f2933; max-width: 640px; margin: 0 auto; padding: 24px;">
<h1 style="font-size: 20px;">${escapeHtml(kind)} call report for ${escapeHtml(input.orgName)}</h1>
<p style="color: #52606d;">${escapeHtml(when)} (${escapeHtml(input.timezone)})${input.preview ? ' — preview sent to you only' : ''}</p>
<table data-table="kpis" style="border-collapse: collapse; width: 100%;">
${kpiRowsHtml}
</table>
<p style="font-size: 13px; color: #52606d;">Service level ${escapeHtml(target)}. ${escapeHtml(previousText)}</p>
<h2 style="font-size: 16px; margin-top: 24px;">Calls over the period</h2>
<img src="cid:${CHART_CID}" width="560" height="200" alt="Answered (blue) and missed (red) calls per ${f.query.interval} of the period" style="display: block; max-width: 100%; height: auto;">
<p style="font-size: 12px; color: #52606d;"><span style="color: #2563eb;">■</span> Answered &nbsp; <span style="color: #dc2626;">■</span> Missed</p>
${tables.map((t) => table(t.caption, t.headers, t.rows, t.id)).join('\n')}
<p style="font-size: 13px;">${escapeHtml(csvNote)}</p>
<p><a href="${url}" style="display: inline-block; background: #1d4ed8; color: #ffffff; padding: 10px 16px; border-radius: 6px; text-decoration: none;">Open this period on the dashboard</a></p>
<p style="font-size: 13px; color: #52606d;">Each figure's definition is shown beside it on the dashboard: <a href="${url}">${url}</a></p>
<hr style="border: none; border-top: 1px solid #d9e2ec;">
<p style="font-size: 12px; color: #7b8794;">${escapeHtml(input.scheduleName)}: a scheduled VictorySync report for ${escapeHtml(input.orgName)}. An admin of ${escapeHtml(input.orgName)} can change or stop it on the org's Reports page.</p>
</body></html>
`;

  const attachments: MailAttachment[] = [
    {
      filename: 'calls-chart.png',
      contentType: 'image/png',
      content: drawCallsChart(f.buckets),
      cid: CHART_CID,
    },
  ];
  if (f.calls !== null) {
    attachments.push({
      filename: `calls-${f.query.from}-to-${f.query.to}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: callsCsv(f.calls, input.timezone),
    });
  }
  return { subject, text, html, attachments };
}
