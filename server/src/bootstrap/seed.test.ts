// First start in demo mode: every demo account gets its own random password, which signs in that account only.

import { demoTopology } from '@victorysync/datagen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, testApp } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { verifyPassword } from '../auth/passwords.js';
import type { App, AppDeps } from '../http/context.js';
import { type BootstrapOutcome, bootstrap, DEMO_ADMIN_EMAIL } from './seed.js';

const NOW = new Date('2026-05-04T14:00:00Z');

describe.each(testTargets())('demo bootstrap on %s', (target) => {
  let database: TestDatabase;
  let app: App;
  let deps: AppDeps;
  let outcome: BootstrapOutcome;
  let accounts: Array<{ email: string; password: string; hash: string | null }>;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    ({ app, deps } = testApp(database));
    // Given an empty database, when the server starts in demo mode without a configured admin.
    outcome = await bootstrap(database, { admin: null, demo: true, now: NOW, days: 1 });
    const hashes = await database.db.selectFrom('users').select(['email', 'password_hash']).execute();
    accounts = outcome.created.map((u) => ({
      email: u.email,
      password: u.password ?? '',
      hash: hashes.find((h) => h.email === u.email)?.password_hash ?? null,
    }));
  });
  afterAll(async () => {
    await deps.auth.keys.close();
    await database.cleanup();
  });

  it('creates the demo admin and three users of the first org, each with a password of their own', () => {
    expect(outcome.demoSeeded).toBe(true);
    expect(accounts.map((a) => a.email)).toEqual([
      DEMO_ADMIN_EMAIL,
      expect.stringMatching(/^owner@/),
      expect.stringMatching(/^supervisor@/),
      expect.stringMatching(/@/),
    ]);
    for (const a of accounts) expect(a.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(new Set(accounts.map((a) => a.password)).size).toBe(accounts.length);
    expect(new Set(accounts.map((a) => a.hash)).size).toBe(accounts.length);
  });

  it("matches each printed password to its own account's hash and no other", async () => {
    const matches = await Promise.all(
      accounts.map(async (owner) => Promise.all(accounts.map((a) => verifyPassword(owner.password, a.hash)))),
    );
    expect(matches).toEqual(accounts.map((_, i) => accounts.map((_, j) => i === j)));
  });

  it("signs each account in with its own password; another account's password is refused", async () => {
    for (const a of accounts) await client(app).login(a.email, a.password);
    const [admin, owner] = accounts;
    const refused = await client(app).request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: owner?.email, password: admin?.password }),
    });
    expect(refused.status).toBe(401);
  });

  it('gives a configured admin the configured password and the demo users random ones', async () => {
    const fresh = await openTestDatabase(target);
    try {
      const admin = { email: 'ops@agency.example', password: 'configured-admin-password' };
      const started = await bootstrap(fresh, { admin, demo: true, now: NOW, days: 1 });
      expect(started.created[0]).toEqual({ email: admin.email, password: null, role: 'platform_admin' });
      const stored = await fresh.db
        .selectFrom('users')
        .select('password_hash')
        .where('email', '=', admin.email)
        .executeTakeFirstOrThrow();
      expect(await verifyPassword(admin.password, stored.password_hash)).toBe(true);
      const demo = started.created.slice(1).map((u) => u.password);
      expect(demo).toHaveLength(3);
      expect(new Set([...demo, admin.password]).size).toBe(4);
    } finally {
      await fresh.cleanup();
    }
  });

  it("links every demo agent to its org by extension, so each org's wallboard lists its own staff", async () => {
    const topology = demoTopology();
    const rows = await database.db
      .selectFrom('org_memberships as m')
      .innerJoin('organizations as o', 'o.id', 'm.org_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['o.slug', 'm.mightycall_extension', 'u.password_hash'])
      .where('m.mightycall_extension', 'is not', null)
      .execute();
    const slugOf = new Map(topology.orgs.map((o) => [o.key, o.slug]));
    expect(rows.map((r) => `${r.slug}:${r.mightycall_extension}`).sort()).toEqual(
      topology.agents.map((a) => `${slugOf.get(a.orgKey)}:${a.extension}`).sort(),
    );
    // Only the one printed agent can sign in; the rest are roster entries an admin may invite.
    expect(rows.filter((r) => r.password_hash !== null)).toHaveLength(1);
  });

  it("gives the first org the demo's alert rule, emailed to its admins and managers, and no other org a rule", async () => {
    const owner = accounts.find((a) => a.email.startsWith('owner@'));
    if (!owner) throw new Error('no owner');
    const signedIn = client(app);
    await signedIn.login(owner.email, owner.password);
    const me = await signedIn.json<{ memberships: Array<{ orgId: string }> }>('/api/me');
    const orgId = me.body.memberships[0]?.orgId;
    const rules = await signedIn.json<{ rules: Array<Record<string, unknown>> }>(`/api/orgs/${orgId}/alerts/rules`);
    expect(rules.status).toBe(200);
    expect(rules.body.rules).toEqual([
      expect.objectContaining({
        name: 'Caller waiting ≥ 20 s',
        kind: 'longest_wait',
        threshold: 20,
        enabled: true,
        recipients: [],
        notifyEmail: true,
        firing: false,
      }),
    ]);
    const all = await database.db.selectFrom('alert_rules').select('org_id').execute();
    expect(all.map((r) => r.org_id)).toEqual([orgId]);
  });
});
