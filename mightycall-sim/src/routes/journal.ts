// GET /journal/requests (both envelopes), /journal/requests/counts and /journal/requests/{requestId}.
import { Hono } from 'hono';
import type { SimClock } from '../clock.js';
import type { SimEnv } from '../env.js';
import { timestamp } from '../format.js';
import { HEX24_RE } from '../ids.js';
import {
  BY_ID_PARAMS,
  COUNT_PARAMS,
  countWindow,
  LIST_PARAMS,
  parseJournalFilter,
  parseJournalPaging,
  selectJournal,
  unsupportedFilters,
} from '../journal.js';
import { getParam, parseBool, queryOf } from '../query.js';
import { renderJournalCall } from '../render/journal.js';
import { renderContext } from './calls.js';

export function journalRoutes(clock: SimClock): Hono<SimEnv> {
  const r = new Hono<SimEnv>();

  r.get('/journal/requests', (c) => {
    const query = queryOf(c.req.url);
    const unknown = unsupportedFilters(query, LIST_PARAMS);
    if (unknown) return c.json(unknown.body, unknown.status);
    const paging = parseJournalPaging(query);
    if ('status' in paging) return c.json(paging.body, paging.status);
    const account = c.get('account');
    const filter = parseJournalFilter(account, query);
    if ('status' in filter) return c.json(filter.body, filter.status);
    const selected = selectJournal(account, filter, paging.reverse);
    const ctx = renderContext(c, clock.now());
    const start = (paging.page - 1) * paging.pageSize;
    const requests = selected
      .slice(start, start + paging.pageSize)
      .map((call) => renderJournalCall(ctx, call, { showUsers: paging.showUsers }));
    const list = { currentPage: paging.page, requests };
    return c.json(account.settings.journalEnvelope === 'data' ? { data: list } : list);
  });

  r.get('/journal/requests/counts', (c) => {
    const query = queryOf(c.req.url);
    const unknown = unsupportedFilters(query, COUNT_PARAMS);
    if (unknown) return c.json(unknown.body, unknown.status);
    const account = c.get('account');
    const filter = parseJournalFilter(account, query);
    if ('status' in filter) return c.json(filter.body, filter.status);
    const window = countWindow(filter, clock.now());
    const records = selectJournal(account, { ...filter, ...window }, false).length;
    return c.json({
      records,
      from: timestamp(window.fromMs, 7, '+00:00'),
      to: timestamp(window.toMs, 7, '+00:00'),
    });
  });

  r.get('/journal/requests/:requestId', (c) => {
    const query = queryOf(c.req.url);
    const unknown = unsupportedFilters(query, BY_ID_PARAMS);
    if (unknown) return c.json(unknown.body, unknown.status);
    const id = c.req.param('requestId');
    if (!HEX24_RE.test(id)) {
      return c.json(
        { errorCode: 'RequestIdHasInvalidFormat', message: `Request Id(s) '${id}' has invalid format` },
        400,
      );
    }
    const account = c.get('account');
    const call = account.calls.find((x) => x.journalId === id.toLowerCase() && x.outcome !== null);
    if (!call) return c.json({ errorCode: 'RequestIsNotFound', message: 'Request is not found' }, 404);
    const showUsers = parseBool(getParam(query, 'showUsers'));
    const body = renderJournalCall(renderContext(c, clock.now()), call, { showUsers: showUsers !== false });
    return c.json(body);
  });

  return r;
}
