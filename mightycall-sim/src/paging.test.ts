// Paging and filters: /calls (skip/pageSize, default window), the journal (page/pageSize ≤ 1000, counts).
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient, arr, obj } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import { createManualClock } from './clock.js';
import { createSimulator, type Simulator } from './simulator.js';

const NOW = Date.parse('2026-02-18T15:30:00Z');
let sim: Simulator;
let api: ApiClient;

const callsOf = (body: unknown) => arr(obj(obj(body).data).calls).map(obj);
const requestsOf = (body: unknown) => arr(obj(body).requests).map(obj);

beforeAll(async () => {
  sim = createSimulator({ clock: createManualClock(NOW), demo: { historyDays: 10 } });
  api = await apiClient(sim);
});

describe('GET /calls', () => {
  it('defaults to pageSize 10 over the last day, newest first, with the filtered total', async () => {
    const response = await api.get('/calls');
    const calls = callsOf(response.body);
    const account = sim.accounts.require(DEMO_API_KEY);
    const lastDay = account.calls.filter((c) => c.plan.startMs >= NOW - 86_400_000 && c.plan.startMs <= NOW);
    expect(calls).toHaveLength(10);
    expect(obj(obj(response.body).data).total).toBe(lastDay.length);
    const times = calls.map((c) => Date.parse(String(c.dateTimeUtc)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(times.every((t) => t >= NOW - 86_400_000)).toBe(true);
  });

  it('skip/pageSize walk the whole window without gaps or repeats', async () => {
    const window = 'startUtc=2026-02-15T00:00:00&endUtc=2026-02-17T00:00:00';
    const first = await api.get(`/calls?${window}&pageSize=1`);
    const total = Number(obj(obj(first.body).data).total);
    expect(total).toBeGreaterThan(300);
    const seen: string[] = [];
    for (let skip = 0; skip < total; skip += 97) {
      seen.push(...callsOf((await api.get(`/calls?${window}&pageSize=97&skip=${skip}`)).body).map((c) => String(c.id)));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(callsOf((await api.get(`/calls?${window}&pageSize=10&skip=${total}`)).body)).toEqual([]);
  });

  it('filters by callFilter (comma list, any case) and extension', async () => {
    const window = 'startUtc=2026-02-10T00:00:00&pageSize=5000';
    const all = callsOf((await api.get(`/calls?${window}`)).body);
    const missed = callsOf((await api.get(`/calls?${window}&callFilter=missed`)).body);
    expect(missed.length).toBe(all.filter((c) => c.callStatus === 'Missed').length);
    const inVm = callsOf((await api.get(`/calls?${window}&callFilter=Incoming,Voicemail`)).body);
    expect(inVm.length).toBe(all.filter((c) => c.direction === 'Incoming' && c.callStatus === 'VoiceMail').length);
    expect(inVm.length).toBeGreaterThan(0);
    const ext = callsOf((await api.get(`/calls?${window}&extension=105`)).body);
    expect(ext.length).toBeGreaterThan(0);
    for (const call of ext) expect(JSON.stringify([call.caller, call.called])).toContain('"105"');
  });

  it('400 with modelState for bad ints, dates and filters', async () => {
    expect((await api.get('/calls?pageSize=0')).body).toEqual({
      message: 'The request is invalid.',
      modelState: { pageSize: ["The value '0' is not valid for PageSize."] },
    });
    expect((await api.get('/calls?skip=-1')).status).toBe(400);
    expect(Object.keys(obj(obj((await api.get('/calls?startUtc=yesterday')).body).modelState))).toEqual(['startUtc']);
    expect((await api.get('/calls?callFilter=Bogus')).status).toBe(400);
  });
});

describe('GET /journal/requests', () => {
  it('pages with page/pageSize (default 100), no total; counts gives the number', async () => {
    const from = '2026-02-14T00:00:00.000Z';
    const to = '2026-02-16T00:00:00.000Z';
    const counts = obj((await api.get(`/journal/requests/counts?from=${from}&to=${to}`)).body);
    const records = Number(counts.records);
    expect(records).toBeGreaterThan(200);
    expect(counts.from).toBe('2026-02-14T00:00:00.0000000+00:00');
    const first = obj((await api.get(`/journal/requests?from=${from}&to=${to}`)).body);
    expect(first.currentPage).toBe(1);
    expect(arr(first.requests)).toHaveLength(100);
    expect('total' in first).toBe(false);
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const body = obj((await api.get(`/journal/requests?from=${from}&to=${to}&page=${page}&pageSize=75`)).body);
      expect(body.currentPage).toBe(page);
      const batch = requestsOf(body);
      ids.push(...batch.map((r) => String(r.id)));
      if (batch.length < 75) break;
    }
    expect(ids).toHaveLength(records);
    expect(new Set(ids).size).toBe(records);
  });

  it('allows pageSize 1000 and refuses 1001', async () => {
    expect((await api.get('/journal/requests?pageSize=1000')).status).toBe(200);
    const refused = await api.get('/journal/requests?pageSize=1001');
    expect(refused.status).toBe(400);
    expect(obj(refused.body).errorCode).toBe('FilterParamsMalformed');
  });

  it('newest first; reverse=true oldest first', async () => {
    const newest = requestsOf((await api.get('/journal/requests?pageSize=50')).body).map((r) =>
      Date.parse(String(r.created)),
    );
    expect([...newest].sort((a, b) => b - a)).toEqual(newest);
    const oldest = requestsOf((await api.get('/journal/requests?pageSize=50&reverse=true')).body).map((r) =>
      Date.parse(String(r.created)),
    );
    expect([...oldest].sort((a, b) => a - b)).toEqual(oldest);
  });

  it('filters: type/state/origin lists in any case, businessNumber without +, userId', async () => {
    const base = '/journal/requests?pageSize=1000&from=2026-02-12T00:00:00Z&to=2026-02-13T00:00:00Z';
    const all = requestsOf((await api.get(base)).body);
    const vm = requestsOf((await api.get(`${base}&type=Call&state=VOICEMAIL,missed&origin=inbound`)).body);
    expect(vm.length).toBe(
      all.filter((r) => ['voiceMail', 'missed'].includes(String(r.state)) && r.origin === 'inbound').length,
    );
    const harbor = requestsOf((await api.get(`${base}&businessNumber=12125550141,12125550142`)).body);
    expect(harbor.length).toBe(
      all.filter((r) => String(obj(r.businessNumber).number).startsWith('+1212555014')).length,
    );
    const luis = sim.control.getAccount(DEMO_API_KEY)?.users.find((u) => u.extension === '102')?.userGuid ?? '';
    const byUser = requestsOf((await api.get(`${base}&userId=${luis}&showUsers=true`)).body);
    expect(byUser.length).toBeGreaterThan(0);
    for (const r of byUser) expect(arr(r.users).map((u) => obj(u).id)).toContain(luis);
    const counted = obj(
      (
        await api.get(
          '/journal/requests/counts?from=2026-02-12T00:00:00Z&to=2026-02-13T00:00:00Z&origin=inbound&state=voicemail,missed',
        )
      ).body,
    );
    expect(counted.records).toBe(vm.length);
  });

  it('counts default to one month; by-id lookups agree with the list', async () => {
    const counts = obj((await api.get('/journal/requests/counts')).body);
    expect(counts.to).toBe('2026-02-18T15:30:00.0000000+00:00');
    expect(counts.from).toBe('2026-01-18T15:30:00.0000000+00:00');
    const listed = requestsOf((await api.get('/journal/requests?pageSize=3&showUsers=true')).body);
    for (const request of listed)
      expect((await api.get(`/journal/requests/${String(request.id)}`)).body).toEqual(request);
  });

  it('journal requestGuid equals the /calls id, durations use hh:mm:ss vs milliseconds', async () => {
    const request = requestsOf((await api.get('/journal/requests?pageSize=50&state=connected')).body)[0] ?? {};
    const call = obj(obj((await api.get(`/calls/${String(request.requestGuid)}`)).body).data);
    expect(call.id).toBe(request.requestGuid);
    const [h, m, s] = String(request.duration).split(':').map(Number);
    expect(Math.abs((h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0) - Number(call.duration) / 1000)).toBeLessThanOrEqual(
      0.5,
    );
  });
});

describe('lookups', () => {
  it('phonenumbers: deleted and re-added number in both lists, total counts active only', async () => {
    const data = obj(obj((await api.get('/phonenumbers')).body).data);
    const active = arr(data.phoneNumbers).map(obj);
    const deleted = arr(data.deletedPhoneNumbers).map(obj);
    expect(data.total).toBe(active.length);
    expect(deleted.some((d) => active.some((a) => a.number === d.number))).toBe(true);
    expect(deleted.every((d) => typeof d.whenDeleted === 'string' && d.isEnabled === true)).toBe(true);
    expect(active.filter((a) => a.lastUsed === true)).toHaveLength(1);
    const first = obj(obj((await api.get('/phonenumbers/0055501')).body).data);
    expect(first.number).toBe('+18005550199');
    expect((await api.get('/phonenumbers/123456789012')).body).toEqual({ message: 'Number not found' });
  });

  it('voicemails page with skip and filter by read state', async () => {
    const all = obj(obj((await api.get('/voicemails?pageSize=1000')).body).data);
    const unread = obj(obj((await api.get('/voicemails?pageSize=1000&voicemailFilter=UnRead')).body).data);
    const total = Number(all.total);
    expect(total).toBeGreaterThan(10);
    expect(Number(unread.total)).toBe(arr(all.voicemails).filter((v) => obj(v).voicemailStatus === 'UnRead').length);
    const page2 = arr(obj(obj((await api.get('/voicemails?pageSize=5&skip=5')).body).data).voicemails);
    expect(page2).toEqual(arr(all.voicemails).slice(5, 10));
  });
});
