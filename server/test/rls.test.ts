// Row-level security proof: unscoped queries as each principal see only what the policies allow.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal.js';
import { withPrincipal } from '../src/db/tenant.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from './support/fixtures.js';

const user = (userId: string, platformAdmin = false): Principal => ({
  kind: 'user',
  userId,
  platformAdmin,
  sessionId: null,
  actingKeyId: null,
});

describe.each(testTargets())('row-level security on %s', (target) => {
  let database: TestDatabase;
  const ids = {} as Record<
    'orgA' | 'orgB' | 'orgC' | 'memberA' | 'memberB' | 'memberAB' | 'loner' | 'admin' | 'disabled',
    string
  >;
  const t = (iso: string) => new Date(iso);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    ids.orgA = await createOrg(database, 'Org A');
    ids.orgB = await createOrg(database, 'Org B');
    ids.orgC = await createOrg(database, 'Org C');
    ids.memberA = await createUser(database, 'a@example.com', { memberships: [{ orgId: ids.orgA, role: 'agent' }] });
    ids.memberB = await createUser(database, 'b@example.com', {
      memberships: [{ orgId: ids.orgB, role: 'org_admin' }],
    });
    ids.memberAB = await createUser(database, 'ab@example.com', {
      memberships: [
        { orgId: ids.orgA, role: 'org_manager' },
        { orgId: ids.orgB, role: 'agent' },
      ],
    });
    ids.loner = await createUser(database, 'nobody@example.com');
    ids.admin = await createUser(database, 'admin@example.com', { platformAdmin: true });
    ids.disabled = await createUser(database, 'gone@example.com', {
      memberships: [{ orgId: ids.orgA, role: 'org_admin' }],
    });
    await database.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', ids.disabled).execute();

    const nA = await createNumber(database, '+12125550001');
    const nB = await createNumber(database, '+12125550002');
    const nShared = await createNumber(database, '+12125550003');
    const nMoved = await createNumber(database, '+12125550004');
    await createNumber(database, '+12125550005'); // unassigned inventory
    await assignNumber(database, ids.orgA, nA);
    await assignNumber(database, ids.orgB, nB);
    await assignNumber(database, ids.orgA, nShared);
    await assignNumber(database, ids.orgB, nShared);
    // nMoved served A until March, then C from March on.
    await assignNumber(database, ids.orgA, nMoved, { until: t('2026-03-01T00:00:00Z') });
    await assignNumber(database, ids.orgC, nMoved, { from: t('2026-03-01T00:00:00Z') });

    await insertCalls(database, [
      call({ providerCallId: 'a1', businessNumber: '+12125550001', startedAt: t('2026-02-10T15:00:00Z') }),
      call({
        providerCallId: 'a2',
        businessNumber: '+12125550001',
        startedAt: t('2026-02-11T15:00:00Z'),
        status: 'missed',
      }),
      call({ providerCallId: 'b1', businessNumber: '+12125550002', startedAt: t('2026-02-10T16:00:00Z') }),
      call({ providerCallId: 's1', businessNumber: '+12125550003', startedAt: t('2026-02-12T09:00:00Z') }),
      call({ providerCallId: 'm-before', businessNumber: '+12125550004', startedAt: t('2026-02-28T23:59:59Z') }),
      call({ providerCallId: 'm-after', businessNumber: '+12125550004', startedAt: t('2026-03-01T00:00:00Z') }),
      call({ providerCallId: 'u1', businessNumber: '+12125550005', startedAt: t('2026-02-10T10:00:00Z') }),
    ]);
  });

  afterAll(async () => {
    await database.cleanup();
  });

  // Deliberately unscoped: no WHERE on org, only the policies decide.
  const visibleCalls = (principal: Principal) =>
    withPrincipal(database.db, principal, async (tx) => {
      const rows = await sql<{ provider_call_id: string }>`SELECT * FROM calls`.execute(tx);
      return rows.rows.map((r) => r.provider_call_id).sort();
    });

  it("a member of org A sees exactly org A's calls, including the shared number's and the moved number's before the move", async () => {
    expect(await visibleCalls(user(ids.memberA))).toEqual(['a1', 'a2', 'm-before', 's1']);
  });

  it("a member of org B sees org B's calls and the shared number's, nothing of A's", async () => {
    expect(await visibleCalls(user(ids.memberB))).toEqual(['b1', 's1']);
  });

  it('a member of both sees the union, each call once', async () => {
    expect(await visibleCalls(user(ids.memberAB))).toEqual(['a1', 'a2', 'b1', 'm-before', 's1']);
  });

  it('an org API key limited to org C sees only the moved number after the move', async () => {
    const key: Principal = {
      kind: 'org_key',
      keyId: '00000000-0000-4000-8000-00000000000c',
      orgId: ids.orgC,
      scopes: [],
      createdBy: null,
    };
    expect(await visibleCalls(key)).toEqual(['m-after']);
  });

  it('a user with no membership, a disabled member and an anonymous caller see nothing', async () => {
    expect(await visibleCalls(user(ids.loner))).toEqual([]);
    expect(await visibleCalls(user(ids.disabled))).toEqual([]);
    expect(await visibleCalls({ kind: 'anonymous' })).toEqual([]);
  });

  it('a platform admin sees every call, including unassigned inventory', async () => {
    expect(await visibleCalls(user(ids.admin, true))).toEqual(['a1', 'a2', 'b1', 'm-after', 'm-before', 's1', 'u1']);
  });

  it('orgs, memberships and numbers are scoped the same way', async () => {
    const orgNames = await withPrincipal(database.db, user(ids.memberA), async (tx) =>
      (await sql<{ name: string }>`SELECT name FROM organizations ORDER BY name`.execute(tx)).rows.map((r) => r.name),
    );
    expect(orgNames).toEqual(['Org A']);
    const numbers = await withPrincipal(database.db, user(ids.memberB), async (tx) =>
      (await sql<{ e164: string }>`SELECT e164 FROM phone_numbers ORDER BY e164`.execute(tx)).rows.map((r) => r.e164),
    );
    expect(numbers).toEqual(['+12125550002', '+12125550003']);
    const memberships = await withPrincipal(
      database.db,
      user(ids.loner),
      async (tx) => (await sql`SELECT * FROM org_memberships`.execute(tx)).rows.length,
    );
    expect(memberships).toBe(0);
  });

  it('a member cannot write calls or grant themselves another org', async () => {
    await expect(
      withPrincipal(database.db, user(ids.memberA), (tx) =>
        sql`UPDATE calls SET status = 'missed' WHERE provider_call_id = 'b1'`.execute(tx),
      ),
    ).resolves.toMatchObject({ numAffectedRows: 0n });
    await expect(
      withPrincipal(database.db, user(ids.memberA), (tx) =>
        tx
          .insertInto('org_memberships')
          .values({ org_id: ids.orgB, user_id: ids.memberA, role: 'org_admin' })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('runs as the application role; only a derived transaction commits without waiting for the disk', async () => {
    const SYSTEM: Principal = { kind: 'system', reason: 'settings test' };
    const settings = (options: { derived?: boolean; readOnly?: boolean }) =>
      withPrincipal(
        database.db,
        SYSTEM,
        async (tx) =>
          (
            await sql<{ role: string; sync: string }>`select current_user as role,
              current_setting('synchronous_commit') as sync`.execute(tx)
          ).rows[0],
        options,
      );
    expect(await settings({})).toEqual({ role: 'victorysync_app', sync: 'on' });
    expect(await settings({ readOnly: true })).toEqual({ role: 'victorysync_app', sync: 'on' });
    expect(await settings({ derived: true })).toEqual({ role: 'victorysync_app', sync: 'off' });
    // Local to its transaction: the next one waits for the disk again.
    expect(await settings({})).toEqual({ role: 'victorysync_app', sync: 'on' });
  });

  it('the audit log is append-only for the application role', async () => {
    await withPrincipal(database.db, user(ids.admin, true), (tx) =>
      tx.insertInto('audit_log').values({ action: 'test.event', org_id: ids.orgA }).execute(),
    );
    await expect(
      withPrincipal(database.db, user(ids.admin, true), (tx) => sql`DELETE FROM audit_log`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
  });
});
