// The metrics and call-log API over HTTP: one set of numbers across every view and the CSV; every answer exactly
// its documented shape; scoping; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecentCallsSchema } from '../src/calls/routes.js';
import { METRICS_ENDPOINTS } from '../src/metrics/routes.js';
import type { Kpis } from '../src/metrics/service.js';
import { client, testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from './support/fixtures.js';

const PASSWORD = 'correct horse battery staple';
type Items<T> = { items: T[] };
type NumberItem = { e164: string; totalCalls: number; offered: number; outbound: number };
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe.each(testTargets())('metrics API on %s', (target) => {
  let database: TestDatabase;
  let app: ReturnType<typeof testApp>['app'];
  const ids = {} as Record<'north' | 'south' | 'shared', string>;
  const range = 'from=2026-06-01&to=2026-06-30';

  beforeAll(async () => {
    database = await openTestDatabase(target);
    app = testApp(database).app;
    ids.north = await createOrg(database, 'North Clinic', { timezone: 'America/Chicago' });
    ids.south = await createOrg(database, 'South Clinic', { timezone: 'America/Chicago' });
    await createUser(database, 'admin@vs.example', { platformAdmin: true, password: PASSWORD });
    await createUser(database, 'agent@north.example', {
      password: PASSWORD,
      displayName: 'Nora North',
      memberships: [{ orgId: ids.north, role: 'agent', extension: '301' }],
    });
    const north = await createNumber(database, '+13125550301');
    await assignNumber(database, ids.north, north);
    const south = await createNumber(database, '+13125550302');
    await assignNumber(database, ids.south, south);
    ids.shared = await createNumber(database, '+13125550303');
    const calls = [];
    for (let i = 0; i < 60; i++) {
      const started = new Date(Date.UTC(2026, 5, 1 + (i % 28), 13 + (i % 6), i));
      const status = i % 6 === 0 ? 'missed' : i % 10 === 0 ? 'voicemail' : 'answered';
      calls.push(
        call({
          providerCallId: `n-${i}`,
          businessNumber: i % 3 === 0 ? '+13125550303' : '+13125550301',
          startedAt: started,
          status,
          direction: i % 8 === 0 ? 'outbound' : 'inbound',
          agentExtension: status === 'answered' ? (i % 2 ? '301' : '302') : null,
          queue: i % 2 ? 'Front desk' : 'Billing',
        }),
      );
    }
    calls.push(
      call({ providerCallId: 's-1', businessNumber: '+13125550302', startedAt: new Date('2026-06-10T15:00:00Z') }),
    );
    await insertCalls(database, calls);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const admin = () => {
    const c = client(app);
    return c.login('admin@vs.example', PASSWORD).then(() => c);
  };

  it('assigning the shared number to both orgs puts its calls in both dashboards', async () => {
    const c = await admin();
    for (const org of [ids.north, ids.south]) {
      const res = await c.json<{ assignments: Array<{ outcome: string; sharedWith: unknown[] }> }>(
        `/api/admin/orgs/${org}/phone-numbers`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phoneNumberIds: [ids.shared] }),
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.assignments[0]?.outcome).toBe('assigned');
    }
    const north = await c.json<Kpis>(`/api/metrics/kpis?org_id=${ids.north}&${range}`);
    const south = await c.json<Kpis>(`/api/metrics/kpis?org_id=${ids.south}&${range}`);
    expect(north.body.metrics.totalCalls).toBe(60);
    expect(south.body.metrics.totalCalls).toBe(1 + 20); // its own call plus the shared number's 20
    const inventory = await c.json<{ phoneNumbers: Array<{ id: string; assignments: Array<{ orgName: string }> }> }>(
      '/api/admin/phone-numbers',
    );
    const shared = inventory.body.phoneNumbers.find((p) => p.id === ids.shared);
    expect(shared?.assignments.map((a) => a.orgName).sort()).toEqual(['North Clinic', 'South Clinic']);
  });

  it('KPIs, series, queues, agents, numbers and the CSV all agree', async () => {
    const c = await admin();
    const q = `org_id=${ids.north}&${range}`;
    const m = (await c.json<Kpis>(`/api/metrics/kpis?${q}`)).body.metrics;
    const s = (await c.json<{ points: Array<{ totalCalls: number; answered: number }> }>(`/api/calls/series?${q}`))
      .body;
    expect(sum(s.points.map((p) => p.totalCalls))).toBe(m.totalCalls);
    expect(sum(s.points.map((p) => p.answered))).toBe(m.answeredCalls);
    const queues = (await c.json<Items<{ totalCalls: number }>>(`/api/calls/queue-summary?${q}`)).body.items;
    expect(sum(queues.map((x) => x.totalCalls))).toBe(m.offeredCalls);
    const agents = (await c.json<Items<{ answered: number }>>(`/api/metrics/agents?${q}&sort=-answered`)).body.items;
    expect(sum(agents.map((x) => x.answered))).toBe(m.answeredCalls);
    const csv = await (await c.request(`/api/calls?${q}&format=csv`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,direction,status,fromNumber,toNumber,businessNumber,queueName,startedAt,startedAtLocal,answeredAt,answeredAtLocal,endedAt,endedAtLocal,waitSeconds,talkSeconds,agentExtension,agentName',
    );
    expect(lines.length - 1).toBe(m.totalCalls);
    expect(lines.filter((l) => l.split(',')[1] === 'inbound' && l.split(',')[2] === 'answered')).toHaveLength(
      m.answeredCalls,
    );
  });

  it("each org's numbers add up to its KPI totals, a shared number counting in each org that holds it", async () => {
    const c = await admin();
    for (const [org, e164s] of [
      [ids.north, ['+13125550301', '+13125550303']],
      [ids.south, ['+13125550302', '+13125550303']],
    ] as const) {
      const q = `org_id=${org}&${range}`;
      const m = (await c.json<Kpis>(`/api/metrics/kpis?${q}`)).body.metrics;
      const numbers = (await c.json<Items<NumberItem>>(`/api/metrics/numbers?${q}`)).body.items;
      expect(numbers.map((n) => n.e164).sort()).toEqual(e164s);
      for (const n of numbers) expect(n.totalCalls).toBe(n.offered + n.outbound);
      expect(sum(numbers.map((n) => n.totalCalls))).toBe(m.totalCalls);
      expect(sum(numbers.map((n) => n.offered))).toBe(m.offeredCalls);
      expect(sum(numbers.map((n) => n.outbound))).toBe(m.outboundCalls);
      expect(m.outboundCalls).toBeGreaterThan(0);
    }
  });

  it('answers every metrics endpoint with exactly its documented shape: no field missing, none unknown', async () => {
    const c = await admin();
    const q = `org_id=${ids.north}&${range}`;
    const checked = new Set<string>();
    for (const endpoint of METRICS_ENDPOINTS) {
      for (const path of endpoint.paths) {
        for (const compare of ['true', 'false']) {
          const res = await c.json<Record<string, unknown>>(`${path}?${q}&compare=${compare}`);
          expect(res.status, path).toBe(200);
          expect(res.body.previous === null, `${path} compare=${compare}`).toBe(compare === 'false');
          // The schemas are strict objects: a field the schema does not declare fails the parse.
          const parsed = endpoint.schema.safeParse(res.body);
          expect(parsed.error?.issues ?? [], path).toEqual([]);
        }
        checked.add(path);
      }
    }
    for (const path of ['/api/calls/recent', '/s/recent']) {
      const res = await c.json<{ items: unknown[] }>(`${path}?org_id=${ids.north}&limit=100`);
      expect(res.body.items.length, path).toBeGreaterThan(0);
      expect(RecentCallsSchema.safeParse(res.body).error?.issues ?? [], path).toEqual([]);
    }
    // Populated answers: every breakdown has items and the KPIs a previous period.
    const answers = await Promise.all(
      ['/api/metrics/agents', '/api/metrics/numbers', '/api/calls/queue-summary'].map(
        async (path) => (await c.json<Items<unknown>>(`${path}?${q}`)).body.items.length,
      ),
    );
    expect(answers.every((n) => n > 0)).toBe(true);
    const kpis = (await c.json<Kpis>(`/api/metrics/kpis?${q}`)).body;
    expect(kpis.change).not.toBeNull();
    // The check has teeth: one extra or misnamed field anywhere fails it.
    const schema = METRICS_ENDPOINTS.find((e) => e.paths.includes('/api/metrics/kpis'))?.schema;
    const { totalCalls, ...rest } = kpis.metrics;
    for (const changed of [
      { ...kpis, metrics: { ...rest, total_calls: totalCalls } },
      { ...kpis, previous: { ...kpis.previous, extra: 1 } },
      { ...kpis, range: { ...kpis.range, extra: 1 } },
    ]) {
      expect(schema?.safeParse(changed).success).toBe(false);
    }
    // Every path the OpenAPI document files under Metrics was checked.
    const doc = (await c.json<{ paths: Record<string, { get?: { tags?: string[] } }> }>('/api/openapi.json')).body;
    const documented = Object.entries(doc.paths)
      .filter(([, item]) => item.get?.tags?.includes('Metrics'))
      .map(([path]) => path);
    expect(documented.length).toBeGreaterThan(0);
    expect([...checked].sort()).toEqual(documented.sort());
  });

  it('every view answers its previous period with compare=true, equal to the same view asked for that period', async () => {
    const c = await admin();
    const second = `org_id=${ids.north}&from=2026-06-16&to=2026-06-30&interval=day`;
    type Rows = { items?: unknown[]; points?: unknown[]; cells?: unknown[] };
    type Previous = { range: { from: string; to: string } } & Rows;
    const rowsOf = (r: Rows) => r.items ?? r.points ?? r.cells;
    for (const path of [
      '/api/calls/series',
      '/api/calls/queue-summary',
      '/api/metrics/agents',
      '/api/metrics/numbers',
      '/api/metrics/heatmap',
    ]) {
      const compared = (await c.json<{ previous: Previous | null }>(`${path}?${second}&compare=true`)).body.previous;
      if (!compared) throw new Error(`${path}: no previous period`);
      expect(compared.range.from, path).toBe('2026-06-01T00:00:00-05:00');
      const first = `org_id=${ids.north}&from=${encodeURIComponent(compared.range.from)}&to=${encodeURIComponent(compared.range.to)}&interval=day`;
      const direct = (await c.json<Rows & { previous: unknown }>(`${path}?${first}`)).body;
      expect(direct.previous, path).toBeNull();
      const rows = rowsOf(compared) ?? [];
      expect(rows.length, path).toBeGreaterThan(0);
      expect(rows, path).toEqual(rowsOf(direct));
      // …and differs from the range itself (the comparison is of another period, not a copy).
      const current = (await c.json<Rows>(`${path}?${second}`)).body;
      expect(rowsOf(current), path).not.toEqual(rows);
    }
  });

  it("an agent sees their org's figures without naming it, with agent names, and never the other org", async () => {
    const c = client(app);
    await c.login('agent@north.example', PASSWORD);
    const mine = await c.json<Kpis>(`/api/metrics/kpis?${range}`);
    expect(mine.status).toBe(200);
    expect(mine.body.metrics.orgId).toBe(ids.north);
    const recent =
      await c.json<Items<{ agentExtension: string | null; agentName: string | null }>>('/api/calls/recent?limit=100');
    const named = recent.body.items.find((i) => i.agentExtension === '301');
    expect(named?.agentName).toBe('Nora North');
    const other = await c.json<{ error: { code: string } }>(`/api/client-metrics?org_id=${ids.south}&${range}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('org_not_found');
    const importAttempt = await c.request('/api/admin/calls/import', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: '{}',
    });
    expect(importAttempt.status).toBe(403);
  });

  it('answers bad input with a 400 naming the field', async () => {
    const c = await admin();
    const cases: Array<[string, RegExp]> = [
      [`/api/client-metrics?org_id=${ids.north}&range=fortnight`, /range/],
      [`/api/client-metrics?org_id=${ids.north}&from=2026-06-01`, /to/],
      [`/api/client-metrics?org_id=${ids.north}&from=2026-02-30&to=2026-03-01`, /from/],
      [`/api/calls/series?org_id=${ids.north}&from=2020-01-01&to=2026-01-01&interval=hour`, /interval/],
      [`/api/calls?org_id=${ids.north}&limit=100000`, /limit/],
      [`/api/calls?org_id=${ids.north}&cursor=nope`, /cursor/],
      [`/api/client-metrics?org_id=not-a-uuid`, /org_id/],
      [`/api/client-metrics?org_id=${ids.north}&tz=Mars/Olympus`, /tz/],
    ];
    for (const [path, field] of cases) {
      const res = await c.json<{ error: { code: string; message: string } }>(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message, path).toMatch(field);
    }
  });

  it('imports over HTTP, reporting bad lines, and the calls appear in the log', async () => {
    const c = await admin();
    const body = [
      JSON.stringify({
        provider: 'upload',
        provider_call_id: 'u-1',
        direction: 'inbound',
        status: 'answered',
        business_number: '(312) 555-0302',
        external_number: '312-555-9999',
        started_at: '2026-06-20T15:00:00Z',
        answered_at: '2026-06-20T15:00:05Z',
        ended_at: '2026-06-20T15:03:00Z',
        agent_extension: null,
        queue: null,
      }),
      '{not json',
    ].join('\n');
    const res = await c.json<{ received: number; inserted: number; errors: Array<{ line: number }> }>(
      '/api/admin/calls/import',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 2, inserted: 1, errors: [{ line: 2 }] });
    const log = await c.json<Items<{ fromNumber: string }>>(`/api/calls?org_id=${ids.south}&q=3125559999`);
    expect(log.body.items.map((i) => i.fromNumber)).toEqual(['+13125559999']);
  });
});
