// Attacks on sign-in through the HTTP API: concurrent guessing, spoofed X-Forwarded-For, a shared office
// address, and password hashes upgraded to today's cost on the next successful sign-in.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { listen } from '../../test/support/mightycall.js';
import { createApp } from '../app.js';
import { withPrincipal } from '../db/tenant.js';
import { TrustedProxies } from '../http/client-address.js';
import { createServices } from '../services.js';
import { hashPassword, PASSWORD_COST, type ScryptCost, verifyPassword } from './passwords.js';
import { systemPrincipal } from './principal.js';

const PASSWORD = 'correct horse battery staple';
/** Sign-in's cost in the throttling world: the attacks below run hundreds of checks; the cost is not their subject. */
const FAST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };
const SYSTEM = systemPrincipal('sign-in security test');

async function setPassword(w: World, email: string, hash: string): Promise<void> {
  await withPrincipal(w.database.db, SYSTEM, (tx) =>
    tx.updateTable('users').set({ password_hash: hash }).where('email', '=', email).execute(),
  );
}

async function storedHash(w: World, email: string): Promise<string | null> {
  const row = await w.database.db
    .selectFrom('users')
    .select('password_hash')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

function statusCounts(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe.each(testTargets())('sign-in throttling on %s', (target) => {
  let w: World;
  let server: { url: string; close(): Promise<void> };
  // Over a real socket from 127.0.0.1, the one trusted proxy: X-Forwarded-For names the client.
  const loginFrom = (client: string | null, email: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(client ? { 'x-forwarded-for': client } : {}), ...headers },
      body: JSON.stringify({ email, password }),
    });
  /** The address each failed sign-in for this email was recorded from. */
  const failedFrom = async (email: string) =>
    (
      await w.database.db
        .selectFrom('audit_log')
        .select('ip')
        .where('action', '=', 'auth.login_failed')
        .where(sql<string>`after->>'email'`, '=', email)
        .execute()
    ).map((r) => r.ip);

  beforeAll(async () => {
    w = await buildWorld(target, { VICTORYSYNC_TRUSTED_PROXIES: '127.0.0.1' }, (config) => {
      config.auth.passwordCost = FAST;
    });
    const hash = await hashPassword(PASSWORD, FAST);
    await withPrincipal(w.database.db, SYSTEM, (tx) => tx.updateTable('users').set({ password_hash: hash }).execute());
    server = await listen(w.app);
  });
  afterAll(async () => {
    await server.close();
    await w.close();
  });

  it('checks at most ten passwords of 150 concurrent guesses, and then refuses the right one too', async () => {
    const email = 'admin@bayside.example';
    const guesses = Array.from({ length: 150 }, (_, i) =>
      call(w.app, 'POST', '/api/auth/login', { body: { email, password: `guess-${i}` } }),
    );
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    // 401 is a password checked and wrong; 429 was refused before any check.
    expect(statusCounts(statuses)).toEqual({ 401: 10, 429: 140 });
    const correct = await call(w.app, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
    expect(correct.status).toBe(429);
    expect((await errorOf(correct)).code).toBe('too_many_attempts');
    const retryAfter = Number(correct.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  });

  it('refuses the right password sent among twenty concurrent wrong ones once the ten are reserved', async () => {
    const email = 'manager@acme.example';
    const requests = Array.from({ length: 21 }, (_, i) =>
      call(w.app, 'POST', '/api/auth/login', { body: { email, password: i === 20 ? PASSWORD : `wrong-${i}` } }),
    );
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(11).fill(429));
  });

  it('takes the client from the right of X-Forwarded-For behind a trusted proxy, and ignores it otherwise', async () => {
    const spoofed = '6.6.6.6, 203.0.113.9';
    const res = await loginFrom(spoofed, 'xff-trusted@nowhere.example', 'wrong password');
    expect(res.status).toBe(401);
    expect(await failedFrom('xff-trusted@nowhere.example')).toEqual(['203.0.113.9']);

    // The same world served by an app that trusts only 10.0.0.0/8: the peer 127.0.0.1 is not a proxy.
    const config = {
      ...w.deps.config,
      auth: { ...w.deps.config.auth, trustedProxies: TrustedProxies.parse('10.0.0.0/8') },
    };
    const untrusting = await listen(createApp(createServices({ ...w.deps, config })));
    try {
      const direct = await fetch(`${untrusting.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': spoofed },
        body: JSON.stringify({ email: 'xff-direct@nowhere.example', password: 'wrong password' }),
      });
      expect(direct.status).toBe(401);
      expect(await failedFrom('xff-direct@nowhere.example')).toEqual(['127.0.0.1']);
    } finally {
      await untrusting.close();
    }
  });

  it('keeps an office behind one address signing in while its colleagues mistype, but stops a guesser there', async () => {
    const office = '198.51.100.20';
    // Forty failures on other accounts within the minute (more than the old limit of thirty per address).
    const misses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => loginFrom(office, `colleague-${i}@acme.example`, 'not it')),
    );
    expect(statusCounts(misses.map((r) => r.status))).toEqual({ 401: 40 });
    expect((await loginFrom(office, 'agent@acme.example', PASSWORD)).status).toBe(200);

    // Past a hundred failures in the minute the address is restricted: accounts failing from it are refused...
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => loginFrom(office, `spray-${i}@acme.example`, 'Summer2024!')),
    );
    const target = 'root@agency.example';
    const guesses: number[] = [];
    for (let i = 0; i < 4; i++) guesses.push((await loginFrom(office, target, `guess-${i}`)).status);
    expect(guesses).toEqual([401, 401, 401, 429]);
    // ...the same account from elsewhere is not, and a healthy account from the office still signs in.
    expect((await loginFrom('192.0.2.44', target, PASSWORD)).status).toBe(200);
    expect((await loginFrom(office, 'admin@acme.example', PASSWORD)).status).toBe(200);
  });
});

describe.each(testTargets())('password storage on %s', (target) => {
  let w: World;
  const email = 'manager@acme.example';
  const login = (password: string) => call(w.app, 'POST', '/api/auth/login', { body: { email, password } });

  beforeAll(async () => {
    // Production's cost: the point here is what sign-in writes back.
    w = await buildWorld(target);
    expect(w.deps.config.auth.passwordCost).toEqual(PASSWORD_COST);
  });
  afterAll(async () => {
    await w.close();
  });

  it('verifies a hash made at N=2^14 and rewrites it at OWASP cost on the next successful sign-in only', async () => {
    const old = await hashPassword(PASSWORD, { N: 2 ** 14, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$16384\$8\$1\$/);
    await setPassword(w, email, old);

    expect((await login('not the password')).status).toBe(401);
    expect(await storedHash(w, email)).toBe(old);

    expect((await login(PASSWORD)).status).toBe(200);
    const upgraded = (await storedHash(w, email)) ?? '';
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);

    // Already at today's cost: signing in again leaves it alone.
    expect((await login(PASSWORD)).status).toBe(200);
    expect(await storedHash(w, email)).toBe(upgraded);
  });
});
