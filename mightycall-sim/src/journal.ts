// Journal query semantics: the documented filter names, their matching rules, paging limits and counts.
import { vmboxFor } from './calls.js';
import { digitsOf } from './format.js';
import { getParam, parseBool, parseIntParam, parseUtc, splitList } from './query.js';
import { involvedAgents, journalFacts, voicemailText } from './render/journal.js';
import type { SimAccount, SimCall } from './types.js';

export const JOURNAL_MAX_PAGE_SIZE = 1000;
export const JOURNAL_DEFAULT_PAGE_SIZE = 100;

/** Filters both list and counts accept (Swagger parameters of GET /journal/requests/counts). */
const FILTERS = [
  'inbound',
  'outbound',
  'callbacks',
  'origin',
  'state',
  'isRead',
  'groupId',
  'userId',
  'vmBoxId',
  'type',
  'from',
  'earliest',
  'to',
  'latest',
  'phone',
  'email',
  'wfState',
  'searchProperty',
  'searchText',
  'businessNumber',
];
/** Extra parameters of the list endpoint. */
const LIST_ONLY = ['resolveContacts', 'showExternalContacts', 'showUsers', 'pageSize', 'page', 'reverse'];

export const LIST_PARAMS = new Set([...FILTERS, ...LIST_ONLY].map((p) => p.toLowerCase()));
export const COUNT_PARAMS = new Set(FILTERS.map((p) => p.toLowerCase()));
export const BY_ID_PARAMS = new Set(['showexternalcontacts', 'resolvecontacts', 'showusers']);

type Query = Map<string, { name: string; value: string }>;

export interface JournalError {
  status: 400;
  body: { errorCode: string; message: string; data?: Record<string, unknown> };
}

const malformed = (data: Record<string, unknown>): JournalError => ({
  status: 400,
  body: { data, errorCode: 'FilterParamsMalformed', message: 'Filter params malformed' },
});

/** 400 FilterParamsMalformed with data.unsupportedFilters for names outside the allowed set. */
export function unsupportedFilters(query: Query, allowed: Set<string>): JournalError | undefined {
  const unknown = [...query.entries()].filter(([key]) => !allowed.has(key)).map(([, v]) => v.name);
  return unknown.length > 0 ? malformed({ unsupportedFilters: unknown }) : undefined;
}

export interface JournalFilter {
  fromMs?: number;
  toMs?: number;
  predicates: Array<(call: SimCall) => boolean>;
}

const anyOf = (values: string[], actual: string): boolean => values.includes('all') || values.includes(actual);

/** Parses the filters; invalid values give 400 FilterParamsMalformed with data.invalidFilters. */
export function parseJournalFilter(account: SimAccount, query: Query): JournalFilter | JournalError {
  const filter: JournalFilter = { predicates: [] };
  const p = filter.predicates;
  const invalid: string[] = [];
  const time = (a: string, b: string): number | undefined => {
    const raw = getParam(query, a) ?? getParam(query, b);
    const parsed = parseUtc(raw);
    if (parsed === 'invalid') invalid.push(query.get(a.toLowerCase())?.name ?? b);
    return parsed === 'invalid' ? undefined : parsed;
  };
  filter.fromMs = time('from', 'earliest');
  filter.toMs = time('to', 'latest');

  const types = splitList(getParam(query, 'type'));
  // The documented example lists `voicemail` as a type: read it as voicemail calls.
  if (types.length > 0) {
    p.push((c) => {
      const f = journalFacts(c);
      return (
        anyOf(types, f.type.toLowerCase()) ||
        types.includes('default') ||
        (types.includes('voicemail') && f.state === 'VoiceMail')
      );
    });
  }
  const states = splitList(getParam(query, 'state'));
  if (states.length > 0) p.push((c) => anyOf(states, journalFacts(c).state.toLowerCase()));
  const origins = splitList(getParam(query, 'origin'));
  if (origins.length > 0) p.push((c) => anyOf(origins, journalFacts(c).origin.toLowerCase()));
  const perOrigin = new Map<string, string[]>();
  for (const [param, origin] of [
    ['inbound', 'inbound'],
    ['outbound', 'outbound'],
    ['callbacks', 'callback'],
  ] as const) {
    const list = splitList(getParam(query, param));
    if (list.length > 0) perOrigin.set(origin, list);
  }
  if (perOrigin.size > 0) {
    p.push((c) => {
      const f = journalFacts(c);
      const list = perOrigin.get(f.origin.toLowerCase());
      return list !== undefined && anyOf(list, f.state.toLowerCase());
    });
  }
  const isRead = parseBool(getParam(query, 'isRead'));
  if (isRead === 'invalid') invalid.push('isRead');
  else if (isRead !== undefined) p.push((c) => c.read === isRead);

  const numbers = splitList(getParam(query, 'businessNumber')).map(digitsOf);
  if (numbers.length > 0) p.push((c) => numbers.includes(digitsOf(c.plan.businessNumber)));
  const phones = splitList(getParam(query, 'phone')).map(digitsOf);
  if (phones.length > 0) p.push((c) => c.plan.client !== null && phones.includes(digitsOf(c.plan.client)));

  const guidsOfAgents = (c: SimCall): string[] =>
    involvedAgents(c)
      .map((a) => account.users.find((u) => u.extension === a.extension)?.userGuid.toLowerCase())
      .filter((g): g is string => g !== undefined);
  const userIds = splitList(getParam(query, 'userId'));
  if (userIds.length > 0) p.push((c) => guidsOfAgents(c).some((g) => userIds.includes(g)));
  const groupIds = splitList(getParam(query, 'groupId'));
  if (groupIds.length > 0) {
    p.push((c) => {
      const group = account.groups.find((g) => g.name === c.plan.queue);
      return group !== undefined && groupIds.includes(group.id.toLowerCase());
    });
  }
  const boxIds = splitList(getParam(query, 'vmBoxId'));
  if (boxIds.length > 0) {
    p.push((c) => c.voicemailId !== null && boxIds.includes(vmboxFor(account, c.plan.queue).id.toLowerCase()));
  }
  const emails = splitList(getParam(query, 'email'));
  if (emails.length > 0) {
    p.push((c) =>
      involvedAgents(c).some((a) =>
        emails.includes(account.users.find((u) => u.extension === a.extension)?.email.toLowerCase() ?? ''),
      ),
    );
  }
  const wf = splitList(getParam(query, 'wfState'));
  if (wf.length > 0) p.push(() => anyOf(wf, 'open'));

  const text = getParam(query, 'searchText')?.trim().toLowerCase();
  if (text) {
    const props = splitList(getParam(query, 'searchProperty'));
    const wants = (name: string) => props.length === 0 || props.includes(name);
    const textDigits = digitsOf(text);
    const hasNumber = (value: string | null) =>
      value !== null &&
      (value.toLowerCase().includes(text) || (textDigits.length > 0 && digitsOf(value).includes(textDigits)));
    p.push(
      (c) =>
        (wants('client') && (hasNumber(c.plan.client) || hasNumber(c.plan.widgetName))) ||
        (wants('businessnumber') && hasNumber(c.plan.businessNumber)) ||
        (wants('vtt') && c.voicemailId !== null && voicemailText(c).toLowerCase().includes(text)),
    );
  }
  return invalid.length > 0 ? malformed({ invalidFilters: invalid }) : filter;
}

/** Completed calls matching the filter, newest first (oldest first with reverse). */
export function selectJournal(account: SimAccount, filter: JournalFilter, reverse: boolean): SimCall[] {
  const out: SimCall[] = [];
  for (const call of account.calls) {
    if (call.outcome === null) continue;
    if (filter.fromMs !== undefined && call.plan.startMs < filter.fromMs) continue;
    if (filter.toMs !== undefined && call.plan.startMs > filter.toMs) continue;
    if (filter.predicates.every((pred) => pred(call))) out.push(call);
  }
  return reverse ? out : out.reverse();
}

export interface JournalPaging {
  page: number;
  pageSize: number;
  reverse: boolean;
  showUsers: boolean;
}

/** page from 1; pageSize 1..1000 (default 100): above the maximum is a 400, as documented. */
export function parseJournalPaging(query: Query): JournalPaging | JournalError {
  const page = parseIntParam(getParam(query, 'page'), 1, 1);
  const pageSize = parseIntParam(getParam(query, 'pageSize'), JOURNAL_DEFAULT_PAGE_SIZE, 1);
  const reverse = parseBool(getParam(query, 'reverse'));
  const showUsers = parseBool(getParam(query, 'showUsers'));
  const bad: string[] = [];
  if (page === 'invalid') bad.push('page');
  if (pageSize === 'invalid' || (typeof pageSize === 'number' && pageSize > JOURNAL_MAX_PAGE_SIZE))
    bad.push('pageSize');
  if (reverse === 'invalid') bad.push('reverse');
  if (showUsers === 'invalid') bad.push('showUsers');
  if (
    bad.length > 0 ||
    page === 'invalid' ||
    pageSize === 'invalid' ||
    reverse === 'invalid' ||
    showUsers === 'invalid'
  ) {
    const data: Record<string, unknown> = { invalidFilters: bad };
    if (bad.includes('pageSize')) data.maxPageSize = JOURNAL_MAX_PAGE_SIZE;
    return malformed(data);
  }
  return { page, pageSize, reverse: reverse ?? false, showUsers: showUsers ?? false };
}

/** The counts window: the given from/to, else one calendar month ending at `to` (or now). */
export function countWindow(filter: JournalFilter, now: number): { fromMs: number; toMs: number } {
  const toMs = filter.toMs ?? now;
  if (filter.fromMs !== undefined) return { fromMs: filter.fromMs, toMs };
  const from = new Date(toMs);
  from.setUTCMonth(from.getUTCMonth() - 1);
  return { fromMs: from.getTime(), toMs };
}
