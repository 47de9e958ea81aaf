// Whose agents an org's wallboard shows, and in which state, when two orgs share a number (many-to-many).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import { assignNumber, createOrg, createUser } from '../../../test/support/fixtures.js';
import { mightyCallApp, type TestServer } from '../../../test/support/mightycall.js';
import { type Principal, systemPrincipal } from '../../auth/principal.js';
import { withPrincipal } from '../../db/tenant.js';
import type { LiveSnapshot } from './live.js';
import { foldCall, type LiveEvent } from './live-fold.js';
import { writeFolds } from './live-store.js';

const SYSTEM = systemPrincipal('live agents test');
const PASSWORD = 'a-long-test-password-1';
const ACCOUNT = 'acct-agency';
const SHARED = '+12125550100';
const A_ONLY = '+12125550111';
const B_ONLY = '+12125550122';
const CALLER = '+15557770001';

/** MightyCall's event key: the UTC time with seven fractional digits (sorts in event order). */
const keyOf = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}0000Z`;

describe.each(testTargets())('live agents of orgs sharing a number on %s', (target) => {
  let database: TestDatabase;
  let server: TestServer;
  let connectionId: string;
  let orgA: string;
  let orgB: string;
  const numberIds = new Map<string, string>();
  /** each org's manager, signed in */
  const viewers = new Map<'a' | 'b', ReturnType<typeof client>>();
  let serial = 0;
  let managerB = '';

  /** A call in progress on `to`, rung at `extension` and answered there `talkingForMs` ago. */
  const callAnswered = async (to: string, extension: string, talkingForMs: number) => {
    const answered = Date.now() - talkingForMs;
    const events: LiveEvent[] = [
      { eventType: 'IncomingCall', extension: null, ms: answered - 8_000 },
      { eventType: 'IncomingCallRinging', extension, ms: answered - 6_000 },
      { eventType: 'IncomingCallConnected', extension, ms: answered },
    ].map((e, i) => ({ ...e, id: ++serial * 10 + i, key: keyOf(e.ms), from: CALLER, to }));
    const fold = foldCall(events);
    if (!fold) throw new Error('the events fold to nothing');
    const callId = `call-${serial}`;
    await withPrincipal(database.db, SYSTEM, (tx) =>
      writeFolds(
        tx,
        [
          {
            target: {
              connectionId,
              callId,
              providerAccount: ACCOUNT,
              businessNumberId: numberIds.get(to) ?? null,
              recordedEnd: null,
            },
            fold,
          },
        ],
        Date.now(),
      ),
    );
    return { callId, answeredAt: new Date(answered).toISOString() };
  };

  const board = async (who: 'a' | 'b') => {
    const viewer = viewers.get(who);
    if (!viewer) throw new Error(`no viewer for ${who}`);
    const res = await viewer.json<LiveSnapshot>(`/api/orgs/${who === 'a' ? orgA : orgB}/live/snapshot`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const agentsOf = (snapshot: LiveSnapshot) => Object.fromEntries(snapshot.agents.map((a) => [a.extension, a]));

  beforeAll(async () => {
    database = await openTestDatabase(target);
    server = mightyCallApp(database);
    orgA = await createOrg(database, 'Acme Plumbing');
    orgB = await createOrg(database, 'Bayside Dental');
    connectionId = await withPrincipal(database.db, SYSTEM, async (tx) => {
      for (const e164 of [SHARED, A_ONLY, B_ONLY]) {
        const row = await tx
          .insertInto('phone_numbers')
          .values({ e164, provider: 'mightycall', provider_account: ACCOUNT })
          .returning('id')
          .executeTakeFirstOrThrow();
        numberIds.set(e164, row.id);
      }
      await tx
        .insertInto('agents')
        .values([
          { provider_account: ACCOUNT, extension: '101', display_name: 'Maya Chen' },
          { provider_account: ACCOUNT, extension: '201', display_name: 'Ben Okafor' },
          { provider_account: ACCOUNT, extension: '301', display_name: 'Sam Reyes' },
        ])
        .execute();
      const connection = await tx
        .insertInto('mightycall_connections')
        .values({
          name: 'Agency account',
          host: 'custom',
          base_url: 'http://127.0.0.1:9',
          provider_account: ACCOUNT,
          api_key_enc: 'unused',
          user_key_enc: 'unused',
          webhook_token_enc: 'unused',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return connection.id;
    });
    // The shared number belongs to both orgs at once; each has a number of its own too.
    for (const org of [orgA, orgB]) await assignNumber(database, org, numberIds.get(SHARED) ?? '');
    await assignNumber(database, orgA, numberIds.get(A_ONLY) ?? '');
    await assignNumber(database, orgB, numberIds.get(B_ONLY) ?? '');

    await createUser(database, 'maya@acme.example', {
      memberships: [{ orgId: orgA, role: 'agent', extension: '101' }],
    });
    await createUser(database, 'ben@bayside.example', {
      memberships: [{ orgId: orgB, role: 'agent', extension: '201' }],
    });
    await createUser(database, 'sam@agency.example', {
      memberships: [
        { orgId: orgA, role: 'agent', extension: '301' },
        { orgId: orgB, role: 'agent', extension: '301' },
      ],
    });
    for (const [who, org, email] of [
      ['a', orgA, 'manager@acme.example'],
      ['b', orgB, 'manager@bayside.example'],
    ] as const) {
      const id = await createUser(database, email, {
        password: PASSWORD,
        memberships: [{ orgId: org, role: 'org_manager' }],
      });
      if (who === 'b') managerB = id;
      const viewer = client(server.app);
      await viewer.login(email, PASSWORD);
      viewers.set(who, viewer);
    }
  });
  afterAll(async () => {
    await server.runtime.stop();
    await database.cleanup();
  });

  it("lists only each org's own agents, each in the state all its calls give it, and hides the other org's", async () => {
    // Before any call: each org sees its own agents, the shared one on both, all available.
    const idle = { state: 'available', since: null };
    expect((await board('a')).agents).toEqual([
      { extension: '101', name: 'Maya Chen', ...idle },
      { extension: '301', name: 'Sam Reyes', ...idle },
    ]);
    expect((await board('b')).agents).toEqual([
      { extension: '201', name: 'Ben Okafor', ...idle },
      { extension: '301', name: 'Sam Reyes', ...idle },
    ]);

    // A call on the shared number, answered by org A's 101.
    const shared = await callAnswered(SHARED, '101', 30_000);
    let a = await board('a');
    let b = await board('b');
    expect(agentsOf(a)['101']).toEqual({
      extension: '101',
      name: 'Maya Chen',
      state: 'on_call',
      since: shared.answeredAt,
    });
    expect(Object.keys(agentsOf(a))).toEqual(['101', '301']);
    expect(Object.keys(agentsOf(b))).toEqual(['201', '301']);
    expect(agentsOf(b)['201']?.state).toBe('available');
    // The call is on B's number too, so B sees it, but not who of A's staff took it.
    expect(a.calls.map((c) => [c.callId, c.extension, c.agentName])).toEqual([[shared.callId, '101', 'Maya Chen']]);
    expect(b.calls.map((c) => [c.callId, c.extension, c.agentName])).toEqual([[shared.callId, null, null]]);

    // A call on org B's own number, answered by B's 201: busy on B's board, and nothing of it on A's.
    const own = await callAnswered(B_ONLY, '201', 20_000);
    a = await board('a');
    b = await board('b');
    expect(agentsOf(b)['201']).toEqual({
      extension: '201',
      name: 'Ben Okafor',
      state: 'on_call',
      since: own.answeredAt,
    });
    expect(Object.keys(agentsOf(a))).toEqual(['101', '301']);
    expect(a.calls.map((c) => c.callId)).toEqual([shared.callId]);

    // The agent of both orgs takes a call on A's own number: on a call on both boards, the same way, while B
    // learns nothing of the call itself.
    const both = await callAnswered(A_ONLY, '301', 10_000);
    a = await board('a');
    b = await board('b');
    const busy = { extension: '301', name: 'Sam Reyes', state: 'on_call', since: both.answeredAt };
    expect(agentsOf(a)['301']).toEqual(busy);
    expect(agentsOf(b)['301']).toEqual(busy);
    expect(b.calls.map((c) => c.callId).sort()).toEqual([shared.callId, own.callId].sort());
    expect(JSON.stringify(b)).not.toContain(A_ONLY);
  });

  it('answers nothing about the agents of an org the caller does not see', async () => {
    const states = (orgId: string) => sql<{ extension: string }>`
      SELECT extension FROM vs_live_agent_states(${orgId}, now() - interval '15 minutes',
        now() - interval '4 hours', now() - interval '1 day') ORDER BY extension`;
    const asManagerB: Principal = {
      kind: 'user',
      userId: managerB,
      platformAdmin: false,
      sessionId: null,
      actingKeyId: null,
    };
    const asKeyOfB: Principal = { kind: 'org_key', keyId: randomUUID(), orgId: orgB, scopes: [], createdBy: null };
    for (const principal of [asManagerB, asKeyOfB]) {
      expect((await withPrincipal(database.db, principal, (tx) => states(orgA).execute(tx))).rows).toEqual([]);
      const own = await withPrincipal(database.db, principal, (tx) => states(orgB).execute(tx));
      expect(own.rows.map((r) => r.extension)).toEqual(['201', '301']);
    }
  });
});
