// An open live stream ends (event "revoked", then close) soon after its caller loses access, however that happens.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, type Credential, call, type World } from '../../../test/isolation-world.js';
import { testTargets } from '../../../test/support/database.js';
import { createOrg, createUser } from '../../../test/support/fixtures.js';

/** The test's re-check interval; production's is 10 s, so its 15 s bound holds with room for a slow check. */
const RECHECK_MS = 50;
/** How long a stream may take to end after the change: many intervals, far below what a missing check takes. */
const BOUND_MS = 2_000;

interface OpenStream {
  text(): string;
  /** resolves when the server closes the stream */
  closed: Promise<void>;
  cancel(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testTargets())('live stream access on %s', (target) => {
  let world: World;
  const open: OpenStream[] = [];

  /** Opens the org's live stream as `as` and waits for its first snapshot. */
  const watch = async (orgId: string, as: Credential): Promise<OpenStream> => {
    const res = await call(world.app, 'GET', `/api/orgs/${orgId}/live`, { as });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('the stream has no body');
    const decoder = new TextDecoder();
    let text = '';
    const closed = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    const stream = { text: () => text, closed, cancel: () => reader.cancel().catch(() => undefined) };
    open.push(stream);
    const until = Date.now() + 5_000;
    while (!text.includes('event: snapshot')) {
      if (Date.now() > until) throw new Error('no first snapshot');
      await sleep(10);
    }
    return stream;
  };

  /** Whether the stream closed within the bound, and the reason its final event gave. */
  const ending = async (stream: OpenStream) => {
    const closed = await Promise.race([stream.closed.then(() => true), sleep(BOUND_MS).then(() => false)]);
    const revoked = /event: revoked\ndata: (.*)\n/.exec(stream.text())?.[1];
    const reason = revoked ? (JSON.parse(revoked) as { error: { code: string } }).error.code : null;
    return { closed, reason };
  };

  const as = (session: string): Credential => ({ session });
  const admin = () => as(world.users.platformAdmin.session);
  const adminA = () => as(world.users.adminA.session);

  /** A user of their own (these tests disable, demote and remove people), with a session. */
  const person = async (email: string, options: Parameters<typeof createUser>[2]) => {
    const id = await createUser(world.database, email, options);
    return { id, session: await world.session(id) };
  };

  /** An org key made through the API by `creator`, with its id. */
  const keyOf = async (orgId: string, creator: Credential) => {
    const res = await call(world.app, 'POST', `/api/orgs/${orgId}/api-keys`, {
      as: creator,
      body: { name: 'Wallboard TV', scopes: ['metrics:read'] },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { apiKey: { id: string }; key: string };
    return { id: body.apiKey.id, key: body.key };
  };

  beforeAll(async () => {
    // Caches far longer than the bound: the re-check must not trust them.
    world = await buildWorld(
      target,
      { VICTORYSYNC_KEY_CACHE_SECONDS: '300', VICTORYSYNC_SESSION_CACHE_SECONDS: '60' },
      undefined,
      { mightycall: { liveRecheckMs: RECHECK_MS } },
    );
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.cancel()));
  });
  afterAll(async () => {
    await world.close();
  });

  it('keeps a stream whose caller keeps access open, with heartbeats and no final event', async () => {
    const stream = await watch(world.orgA, adminA());
    await sleep(RECHECK_MS * 20);
    const { closed, reason } = await ending(stream);
    expect(closed).toBe(false);
    expect(reason).toBeNull();
    expect(stream.text()).toContain(': keepalive');
    // Each heartbeat is also an event the page sees: when, and how often to expect the next.
    const beats = [...stream.text().matchAll(/event: heartbeat\ndata: (.+)\n/g)].map((m) => JSON.parse(m[1] ?? '{}'));
    expect(beats.length).toBeGreaterThanOrEqual(5);
    for (const beat of beats) {
      expect(beat.everyMs).toBe(RECHECK_MS);
      expect(Number.isNaN(Date.parse(beat.at))).toBe(false);
    }
  });

  it('ends an org key stream when the key is revoked through the API', async () => {
    const { id, key } = await keyOf(world.orgA, adminA());
    const stream = await watch(world.orgA, { key });
    const res = await call(world.app, 'DELETE', `/api/orgs/${world.orgA}/api-keys/${id}`, { as: adminA() });
    expect(res.status).toBe(204);
    expect(await ending(stream)).toEqual({ closed: true, reason: 'api_key_revoked' });
    // The final event says why, in the API's error shape.
    const data = /event: revoked\ndata: (.*)\n/.exec(stream.text())?.[1] ?? 'null';
    expect(JSON.parse(data)).toEqual({ error: { code: 'api_key_revoked', message: 'The API key has been revoked.' } });
  });

  it('ends an org key stream when the key is revoked elsewhere (another instance) or expires', async () => {
    const { id, key } = await keyOf(world.orgA, adminA());
    const revoked = await watch(world.orgA, { key });
    const expiring = await watch(world.orgA, {
      key: await world.orgKey(world.orgA, ['metrics:read'], { expiresAt: new Date(Date.now() + 1_000) }),
    });
    // Straight in the database: nothing on this instance forgets the cached key.
    await world.database.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).execute();
    expect(await ending(revoked)).toEqual({ closed: true, reason: 'api_key_revoked' });
    expect(await ending(expiring)).toEqual({ closed: true, reason: 'api_key_expired' });
  });

  it('ends a session stream at sign-out', async () => {
    const manager = await person('wallboard-manager@acme.example', {
      memberships: [{ orgId: world.orgA, role: 'org_manager' }],
    });
    const stream = await watch(world.orgA, as(manager.session));
    const res = await call(world.app, 'POST', '/api/auth/logout', { as: as(manager.session) });
    expect(res.status).toBe(204);
    expect(await ending(stream)).toEqual({ closed: true, reason: 'session_invalid' });
  });

  it('ends session streams when the session is revoked elsewhere, expires or goes idle', async () => {
    const user = await person('wallboard-agent@acme.example', {
      memberships: [{ orgId: world.orgA, role: 'agent', extension: '151' }],
    });
    const sessions = [user.session, await world.session(user.id), await world.session(user.id)];
    const streams = await Promise.all(sessions.map((s) => watch(world.orgA, as(s))));
    const rows = await world.database.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', user.id)
      .orderBy('created_at')
      .execute();
    const [revoked, expired, idle] = rows.map((r) => r.id);
    // Straight in the database, as another instance or the clock would: nothing here forgets the cached sessions.
    const update = world.database.db.updateTable('sessions');
    await update
      .set({ revoked_at: new Date() })
      .where('id', '=', revoked ?? '')
      .execute();
    await update
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where('id', '=', expired ?? '')
      .execute();
    const idleFor = world.deps.config.auth.sessionIdleMs + 60_000;
    await update
      .set({ last_seen_at: new Date(Date.now() - idleFor) })
      .where('id', '=', idle ?? '')
      .execute();
    for (const stream of streams) expect(await ending(stream)).toEqual({ closed: true, reason: 'session_invalid' });
  });

  it("ends a disabled user's stream", async () => {
    const user = await person('wallboard-disabled@acme.example', {
      memberships: [{ orgId: world.orgA, role: 'agent' }],
    });
    const stream = await watch(world.orgA, as(user.session));
    const res = await call(world.app, 'PATCH', `/api/admin/users/${user.id}`, {
      as: admin(),
      body: { disabled: true },
    });
    expect(res.status).toBe(200);
    expect(await ending(stream)).toEqual({ closed: true, reason: 'session_invalid' });
  });

  it("ends a removed member's stream and only theirs", async () => {
    const user = await person('wallboard-removed@acme.example', {
      memberships: [{ orgId: world.orgA, role: 'agent' }],
    });
    const removed = await watch(world.orgA, as(user.session));
    const stays = await watch(world.orgA, adminA());
    const res = await call(world.app, 'DELETE', `/api/orgs/${world.orgA}/members/${user.id}`, { as: adminA() });
    expect(res.status).toBe(204);
    expect(await ending(removed)).toEqual({ closed: true, reason: 'org_access_ended' });
    expect(await ending(stays)).toEqual({ closed: false, reason: null });
  });

  // Every org role holds metrics:read (auth/permissions.ts), so no change of org role can take the wallboard
  // away; the demotions that can are a platform admin's to none, and a key's creator losing the org.
  it('ends the stream of a platform admin demoted to none, and of a key whose creator left the org', async () => {
    const root = await person('wallboard-root@agency.example', { platformAdmin: true });
    const demoted = await watch(world.orgB, as(root.session));
    const creator = await person('wallboard-owner@acme.example', {
      memberships: [{ orgId: world.orgA, role: 'org_admin' }],
    });
    const { key } = await keyOf(world.orgA, as(creator.session));
    const orphaned = await watch(world.orgA, { key });

    const demote = await call(world.app, 'PATCH', `/api/admin/users/${root.id}`, {
      as: admin(),
      body: { platformRole: 'none' },
    });
    expect(demote.status).toBe(200);
    const remove = await call(world.app, 'DELETE', `/api/orgs/${world.orgA}/members/${creator.id}`, { as: adminA() });
    expect(remove.status).toBe(204);
    expect(await ending(demoted)).toEqual({ closed: true, reason: 'org_access_ended' });
    // Refused by the resolver (a creator no longer in the org) or by the permission check (scope beyond them).
    expect(await ending(orphaned)).toEqual({
      closed: true,
      reason: expect.stringMatching(/^(api_key_creator_inactive|forbidden)$/),
    });
  });

  it("ends every stream of a deleted org: a member's, an org key's and a platform admin's", async () => {
    const orgC = await createOrg(world.database, 'Cove Veterinary');
    const member = await person('wallboard@cove.example', { memberships: [{ orgId: orgC, role: 'org_admin' }] });
    const { key } = await keyOf(orgC, as(member.session));
    const streams = {
      member: await watch(orgC, as(member.session)),
      key: await watch(orgC, { key }),
      platformAdmin: await watch(orgC, admin()),
    };
    const res = await call(world.app, 'DELETE', `/api/admin/orgs/${orgC}`, { as: admin() });
    expect(res.status).toBe(204);
    // A re-check that began just before the delete committed sees the caller still valid, then no org.
    expect(await ending(streams.member)).toEqual({
      closed: true,
      reason: expect.stringMatching(/^(org_access_ended|org_not_found)$/),
    });
    // The key went with the org.
    expect(await ending(streams.key)).toEqual({
      closed: true,
      reason: expect.stringMatching(/^(api_key_unknown|org_not_found)$/),
    });
    expect(await ending(streams.platformAdmin)).toEqual({ closed: true, reason: 'org_not_found' });
    // Nothing was sent after the final event.
    for (const stream of Object.values(streams)) expect(stream.text().trimEnd()).toMatch(/event: revoked\ndata: .*$/);
  });
});
