// Supabase access tokens: verified with the project secret, mapped to the VictorySync user by subject or email.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { MeSchema } from './me.js';

const SECRET = 'super-secret-jwt-token-with-at-least-32-characters';
const SUBJECT = '5b0c7a4e-3a55-4f7e-9a52-9f5f3c1a0b11';

async function token(claims: Record<string, unknown>, secret = SECRET, expiresIn = '5m'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience('authenticated')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

describe.each(testTargets())('Supabase sign-in on %s', (target) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(target, { SUPABASE_JWT_SECRET: SECRET });
  });
  afterAll(async () => {
    await w.close();
  });

  it('maps a valid token to the user with that email, then by subject', async () => {
    const first = await token({ sub: SUBJECT, email: 'agent@acme.example', email_verified: true });
    const me = await call(w.app, 'GET', '/api/me', { headers: { authorization: `Bearer ${first}` } });
    expect(me.status).toBe(200);
    expect(MeSchema.parse(await me.json())).toMatchObject({
      user: { id: w.users.agentA.id },
      authenticatedVia: 'supabase_jwt',
    });
    // Linked: a later token without the email still finds the user.
    const later = await token({ sub: SUBJECT });
    expect(
      (await call(w.app, 'GET', `/api/orgs/${w.orgA}`, { headers: { authorization: `Bearer ${later}` } })).status,
    ).toBe(200);
  });

  it('refuses forged, expired and unprovisioned tokens with 401', async () => {
    const forged = await token({ sub: SUBJECT }, 'another-secret-another-secret-another-secret');
    const res = await call(w.app, 'GET', '/api/me', { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('token_invalid');
    const expired = await token({ sub: SUBJECT }, SECRET, '-1m');
    expect((await call(w.app, 'GET', '/api/me', { headers: { authorization: `Bearer ${expired}` } })).status).toBe(401);
    const stranger = await token({
      sub: '0b7c1e6a-7d5c-4b0e-8a1d-3f2e1c0b9a88',
      email: 'who@nowhere.example',
      email_verified: true,
    });
    const unknown = await call(w.app, 'GET', '/api/me', { headers: { authorization: `Bearer ${stranger}` } });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('user_not_provisioned');
  });

  it("never links by an email the token does not vouch for: a fresh sign-up with the admin's address gets 401", async () => {
    // Given: a Supabase project that lets anyone sign up without confirming, and someone who signs up with the
    // platform admin's address (user_metadata is theirs to edit, so it says whatever they like).
    const attacker = '7d3f0c8e-1b2a-4c5d-9e8f-0a1b2c3d4e5f';
    for (const claims of [
      { sub: attacker, email: w.users.platformAdmin.email },
      { sub: attacker, email: w.users.platformAdmin.email, email_verified: false },
      { sub: attacker, email: w.users.platformAdmin.email, user_metadata: { email_verified: true } },
      { sub: attacker, email: w.users.platformAdmin.email.toUpperCase(), email_verified: 'true' },
    ]) {
      const res = await call(w.app, 'GET', '/api/admin/users', {
        headers: { authorization: `Bearer ${await token(claims)}` },
      });
      // Then: refused, and the admin's account stays unlinked (a verified token for the real owner still links).
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('email_unverified');
    }
    const owner = await token({
      sub: SUBJECT.replace('11', '22'),
      email: w.users.platformAdmin.email,
      email_verified: true,
    });
    const me = await call(w.app, 'GET', '/api/me', { headers: { authorization: `Bearer ${owner}` } });
    expect(me.status).toBe(200);
    expect(MeSchema.parse(await me.json()).user?.id).toBe(w.users.platformAdmin.id);
    const again = await call(w.app, 'GET', '/api/me', {
      headers: {
        authorization: `Bearer ${await token({ sub: attacker, email: w.users.platformAdmin.email, email_verified: true })}`,
      },
    });
    expect(again.status).toBe(401); // the account is linked to its owner's subject now; another subject cannot take it
  });
});
