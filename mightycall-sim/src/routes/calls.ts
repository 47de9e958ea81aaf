// GET /calls, /calls/{id}, /voicemails, /voicemails/{id}: offset paging, UTC windows, CRM error shapes.
import { type Context, Hono } from 'hono';
import type { SimClock } from '../clock.js';
import type { SimEnv } from '../env.js';
import { digitsOf } from '../format.js';
import { getParam, modelStateError, parseIntParam, parseUtc, queryOf, splitList } from '../query.js';
import { type RenderContext, renderCall, renderVoicemail } from '../render/crm.js';
import { voicemailText } from '../render/journal.js';
import type { SimCall } from '../types.js';

const DAY_MS = 86_400_000;
const CALL_FILTERS = [
  'incoming',
  'outgoing',
  'inoutgoing',
  'connected',
  'missed',
  'canceled',
  'dropped',
  'voicemail',
  'internalonly',
  'callbackwidget',
];
const VOICEMAIL_FILTERS = [
  'none',
  'read',
  'unread',
  'readandunread',
  'callername',
  'calleraddress',
  'calledname',
  'calledaddress',
  'starttime',
  'startdate',
  'duration',
  'textfields',
];

export function renderContext(c: Context<SimEnv>, now: number): RenderContext {
  return { account: c.get('account'), origin: new URL(c.req.url).origin, now };
}

type Query = ReturnType<typeof queryOf>;
type Paging = { pageSize: number; skip: number; startMs: number | undefined; endMs: number | undefined };

/** pageSize/skip/startUtc/endUtc, or the documented 400 with modelState naming the bad field. */
function parsePaging(query: Query): Paging | ReturnType<typeof modelStateError> {
  const pageSize = parseIntParam(getParam(query, 'pageSize'), 10, 1);
  if (pageSize === 'invalid') return modelStateError('pageSize', getParam(query, 'pageSize') ?? '');
  const skip = parseIntParam(getParam(query, 'skip'), 0, 0);
  if (skip === 'invalid') return modelStateError('skip', getParam(query, 'skip') ?? '');
  const startMs = parseUtc(getParam(query, 'startUtc'));
  if (startMs === 'invalid') return modelStateError('startUtc', getParam(query, 'startUtc') ?? '');
  const endMs = parseUtc(getParam(query, 'endUtc'));
  if (endMs === 'invalid') return modelStateError('endUtc', getParam(query, 'endUtc') ?? '');
  return { pageSize, skip, startMs, endMs };
}

function callMatcher(filters: string[], customFilter: string | undefined, extension: string | undefined) {
  const directions = filters.filter((f) => ['incoming', 'outgoing', 'inoutgoing'].includes(f));
  const statuses = filters.filter((f) => ['connected', 'missed', 'voicemail', 'dropped', 'canceled'].includes(f));
  const internalOnly = filters.includes('internalonly');
  const widgetOnly = filters.includes('callbackwidget');
  const text = customFilter?.trim().toLowerCase();
  return (call: SimCall): boolean => {
    const { plan } = call;
    const direction = plan.kind === 'outgoing' ? 'outgoing' : 'incoming';
    if (directions.length > 0 && !directions.includes('inoutgoing') && !directions.includes(direction)) return false;
    if (
      statuses.length > 0 &&
      (call.outcome === null || !statuses.includes(call.outcome === 'answered' ? 'connected' : call.outcome))
    ) {
      return false;
    }
    if (internalOnly && plan.colleague === null) return false;
    if (widgetOnly && plan.kind !== 'callback' && plan.widgetName === null) return false;
    if (extension) {
      const legs = [
        plan.caller,
        plan.colleague,
        plan.consultWith,
        plan.transferTo,
        ...plan.ringSteps.flatMap((s) => s.extensions),
      ];
      if (!legs.includes(extension)) return false;
    }
    if (text) {
      const haystack = [plan.client, plan.businessNumber, plan.widgetName, plan.id].filter(
        (v): v is string => v !== null,
      );
      const digits = digitsOf(text);
      const hit = haystack.some(
        (v) => v.toLowerCase().includes(text) || (digits.length > 2 && digitsOf(v).includes(digits)),
      );
      if (!hit) return false;
    }
    return true;
  };
}

export function callRoutes(clock: SimClock): Hono<SimEnv> {
  const r = new Hono<SimEnv>();

  r.get('/calls', (c) => {
    const query = queryOf(c.req.url);
    const paging = parsePaging(query);
    if ('modelState' in paging) return c.json(paging, 400);
    const filters = splitList(getParam(query, 'callFilter'));
    const badFilter = filters.find((f) => !CALL_FILTERS.includes(f));
    if (badFilter) return c.json(modelStateError('callFilter', getParam(query, 'callFilter') ?? ''), 400);
    const now = clock.now();
    const startMs = paging.startMs ?? now - DAY_MS;
    const endMs = paging.endMs ?? now;
    const account = c.get('account');
    const matches = callMatcher(filters, getParam(query, 'customFilter'), getParam(query, 'extension'));
    const selected: SimCall[] = [];
    for (let i = account.calls.length - 1; i >= 0; i--) {
      const call = account.calls[i];
      if (!call || call.plan.startMs < startMs || call.plan.startMs > endMs) continue;
      if (call.outcome === null && !account.settings.showInProgressCalls) continue;
      if (matches(call)) selected.push(call);
    }
    const ctx = renderContext(c, now);
    const calls = selected.slice(paging.skip, paging.skip + paging.pageSize).map((call) => renderCall(ctx, call));
    return c.json({ data: { calls, total: selected.length }, isSuccess: true });
  });

  r.get('/calls/:id', (c) => {
    const account = c.get('account');
    const call = account.callsById.get(c.req.param('id').toLowerCase());
    if (!call || (call.outcome === null && !account.settings.showInProgressCalls)) {
      return c.json({ message: 'Call not found' }, 400);
    }
    const body = renderCall(renderContext(c, clock.now()), call);
    return c.json(account.settings.callByIdEnvelope === 'bare' ? body : { data: body, isSuccess: true });
  });

  r.get('/voicemails', (c) => {
    const query = queryOf(c.req.url);
    const paging = parsePaging(query);
    if ('modelState' in paging) return c.json(paging, 400);
    const filters = splitList(getParam(query, 'voicemailFilter'));
    if (filters.some((f) => !VOICEMAIL_FILTERS.includes(f))) {
      return c.json(modelStateError('voicemailFilter', getParam(query, 'voicemailFilter') ?? ''), 400);
    }
    const readOnly = filters.includes('read') && !filters.includes('unread') && !filters.includes('readandunread');
    const unreadOnly = filters.includes('unread') && !filters.includes('read') && !filters.includes('readandunread');
    const text = getParam(query, 'customFilter')?.trim().toLowerCase();
    const account = c.get('account');
    const ctx = renderContext(c, clock.now());
    const selected: SimCall[] = [];
    for (let i = account.calls.length - 1; i >= 0; i--) {
      const call = account.calls[i];
      if (!call || call.voicemailId === null || call.outcome === null) continue;
      if (paging.startMs !== undefined && call.plan.startMs < paging.startMs) continue;
      if (paging.endMs !== undefined && call.plan.startMs > paging.endMs) continue;
      if ((readOnly && !call.read) || (unreadOnly && call.read)) continue;
      if (text) {
        const fields = [call.plan.client ?? '', call.plan.businessNumber, voicemailText(call)];
        if (!fields.some((f) => f.toLowerCase().includes(text))) continue;
      }
      selected.push(call);
    }
    const voicemails = selected
      .slice(paging.skip, paging.skip + paging.pageSize)
      .map((call) => renderVoicemail(ctx, call));
    return c.json({ data: { voicemails, total: selected.length }, isSuccess: true });
  });

  r.get('/voicemails/:id', (c) => {
    const account = c.get('account');
    const call = account.mediaById.get(c.req.param('id').toLowerCase());
    if (!call || call.voicemailId !== c.req.param('id').toLowerCase() || call.outcome === null) {
      return c.json({ message: 'Voicemail not found' }, 400);
    }
    return c.json({ data: renderVoicemail(renderContext(c, clock.now()), call), isSuccess: true });
  });

  return r;
}
