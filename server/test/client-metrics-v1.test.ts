// GET /api/client-metrics is a compatibility contract (integrations read its snake_case fields with org API keys):
// for a fixed dataset it answers, byte for byte, what the first release answered (captured in the golden file).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedCall } from '../src/calls/ingest.js';
import { client, testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from './support/fixtures.js';

const PASSWORD = 'correct horse battery staple';
/** Case name → the response body, parsed; org ids written as {{north}} and {{south}}. */
const GOLDEN: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('./client-metrics-v1.golden.json', import.meta.url), 'utf8'),
);

/** The requests whose answers are pinned; {{north}} is replaced by the org's id. */
const CASES: Record<string, string> = {
  'north, June, with the previous period': '/api/client-metrics?org_id={{north}}&from=2026-06-01&to=2026-06-30',
  'north, June, weekly, compare=false':
    '/api/client-metrics?org_id={{north}}&from=2026-06-01&to=2026-06-30&interval=week&compare=false',
  'north, a week with no calls after one with calls':
    '/api/client-metrics?org_id={{north}}&from=2026-07-01&to=2026-07-07',
  'north, instants': '/api/client-metrics?org_id={{north}}&from=2026-06-03T12:00:00Z&to=2026-06-20T00:00:00Z',
  'platform-wide in New York time': '/api/client-metrics?from=2026-05-15&to=2026-06-30&tz=America/New_York',
};

const at = (day: number, hour: number, minute: number, month = 6) =>
  new Date(Date.UTC(2026, month - 1, day, hour, minute));
const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

/** Every kind of call: answered within and beyond the service level, short and long abandons, voicemail, outbound. */
function dataset(): NormalizedCall[] {
  const calls: NormalizedCall[] = [];
  const add = (
    startedAt: Date,
    kind: 'answered' | 'missed' | 'voicemail' | 'out' | 'out-unanswered',
    wait: number,
    talk: number,
    extra: Partial<NormalizedCall> = {},
  ) => {
    const answered = kind === 'answered' || kind === 'out';
    calls.push(
      call({
        providerCallId: `v1-${calls.length}`,
        businessNumber: '+13125550401',
        startedAt,
        direction: kind === 'out' || kind === 'out-unanswered' ? 'outbound' : 'inbound',
        status: answered ? 'answered' : kind === 'voicemail' ? 'voicemail' : 'missed',
        answeredAt: answered ? plus(startedAt, wait) : null,
        endedAt: plus(startedAt, wait + talk),
        agentExtension: answered ? (calls.length % 2 ? '401' : '402') : null,
        queue: calls.length % 3 ? 'Front desk' : null,
        ...extra,
      }),
    );
  };
  for (let i = 0; i < 40; i++) {
    const started = at(1 + ((i * 17) % 30), 14 + (i % 5), i);
    if (i % 6 === 1) add(started, i % 12 === 1 ? 'out' : 'out-unanswered', 4.5 + i, 42.25 + i);
    else if (i % 7 === 0) add(started, 'missed', 1.5 + (i % 3) * 3.1, 0);
    else if (i % 5 === 0) add(started, 'voicemail', 25 + i, 17);
    else add(started, 'answered', (3.25 * i) % 50, 30 + 11.1 * i);
  }
  for (let i = 0; i < 15; i++) {
    const started = at(10 + i, 15, i * 2, 5);
    add(started, i % 4 === 0 ? 'missed' : i % 5 === 0 ? 'out' : 'answered', 7 + i * 2.5, 61 + i);
  }
  add(at(30, 16, 0), 'answered', 12, 300, { businessNumber: '+13125550402', agentExtension: '501' });
  add(at(20, 3, 0, 5), 'missed', 40, 0, { businessNumber: '+13125550402' });
  return calls;
}

describe.each(testTargets())('GET /api/client-metrics answers as the first release did, on %s', (target) => {
  let database: TestDatabase;
  let app: ReturnType<typeof testApp>['app'];
  const ids = {} as Record<'north' | 'south', string>;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    app = testApp(database).app;
    ids.north = await createOrg(database, 'North Clinic', {
      timezone: 'America/Chicago',
      slThresholdSeconds: 30,
      shortAbandonSeconds: 5,
    });
    ids.south = await createOrg(database, 'South Clinic', { timezone: 'Europe/Berlin' });
    await createUser(database, 'admin@vs.example', { platformAdmin: true, password: PASSWORD });
    await assignNumber(database, ids.north, await createNumber(database, '+13125550401'));
    await assignNumber(database, ids.south, await createNumber(database, '+13125550402'));
    await insertCalls(database, dataset());
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const withIds = (text: string) => text.replaceAll('{{north}}', ids.north).replaceAll('{{south}}', ids.south);

  it.each(Object.entries(CASES))('%s', async (name, path) => {
    const c = client(app);
    await c.login('admin@vs.example', PASSWORD);
    const res = await c.request(withIds(path));
    expect(res.status).toBe(200);
    const golden = GOLDEN[name];
    expect(golden, `no golden answer for ${name}`).toBeDefined();
    // The server writes JSON.stringify's text, so the golden object's text is the exact bytes it answered.
    expect(await res.text()).toBe(withIds(JSON.stringify(golden)));
  });
});
