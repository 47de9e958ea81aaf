// The recording proxy against the simulator: the same bytes it serves, Range for seeking, an expired link renewed,
// voicemail transcripts on the call detail, the org rules of reading the call, and no provider link anywhere.
import {
  createManualClock,
  DEMO_API_KEY,
  DEMO_USER_KEY,
  type RunningSimulator,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertKey } from '../../test/isolation-world.js';
import { client, platformAdminClient } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, createOrg, createUser } from '../../test/support/fixtures.js';
import {
  demoConnectionBody,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../../test/support/mightycall.js';
import { audioTypeOf, rangeOf } from './recordings.js';

const START = Date.parse('2026-03-02T15:00:00Z');
const PASSWORD = 'a-long-test-password-1';

interface CallDetail {
  call: { id: string; status: string; hasRecording: boolean; voicemailTranscript: string | null };
}

describe.each(testTargets())('recording proxy on %s', (target) => {
  const clock = createManualClock(START);
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  const org = {} as Record<'a' | 'b', string>;
  const ids = {} as Record<'answered' | 'voicemail' | 'missed', string>;
  const simLinks = {} as Record<'answered' | 'voicemail', string>;

  const callIdOf = async (providerCallId: string) =>
    (
      await database.db
        .selectFrom('calls')
        .select('id')
        .where('provider', '=', 'mightycall')
        .where('provider_call_id', '=', providerCallId)
        .executeTakeFirstOrThrow()
    ).id;
  const signedIn = async (email: string) => {
    const c = client(server.app);
    await c.login(email, PASSWORD);
    return c;
  };

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, clock, demo: { historyDays: 2 } });
    // Links that expire after a minute: the proxy must renew them through /calls/{id}.
    sim.control.updateSettings(DEMO_API_KEY, { recordingLinkTtlMs: 60_000 });
    server = mightyCallApp(database, { clock });
    const admin = await platformAdminClient(database, server.app, PASSWORD);
    const { connectionId } = await registerConnection(admin, demoConnectionBody(sim.url, { initialSyncDays: 2 }));
    await server.runtime.scheduler.runConnection(connectionId);

    org.a = await createOrg(database, 'Recordings A');
    org.b = await createOrg(database, 'Recordings B');
    const numbers = await database.db
      .selectFrom('phone_numbers')
      .select('id')
      .where('provider_account', '=', 'sim-demo')
      .execute();
    for (const n of numbers) await assignNumber(database, org.a, n.id, { from: new Date(0) });
    await createUser(database, 'agent@a.example', {
      password: PASSWORD,
      memberships: [{ orgId: org.a, role: 'agent', extension: '999' }],
    });
    await createUser(database, 'admin@b.example', {
      password: PASSWORD,
      memberships: [{ orgId: org.b, role: 'org_admin' }],
    });

    const account = sim.accounts.require(DEMO_API_KEY);
    const answered = account.calls.find((c) => c.outcome === 'answered' && c.recordingId);
    const voicemail = account.calls.find((c) => c.outcome === 'voicemail' && c.voicemailId);
    const missed = account.calls.find((c) => c.outcome === 'missed');
    if (!answered?.recordingId || !voicemail?.voicemailId || !missed) throw new Error('setup: simulator calls');
    ids.answered = await callIdOf(answered.plan.id);
    ids.voicemail = await callIdOf(voicemail.plan.id);
    ids.missed = await callIdOf(missed.plan.id);
    simLinks.answered = `${sim.url}/_sim/recordings/${answered.recordingId}.wav`;
    simLinks.voicemail = `${sim.url}/_sim/recordings/${voicemail.voicemailId}.wav`;
    // Past the links' lifetime: every stored link now answers 403 at the simulator.
    clock.advance(120_000);
  });
  afterAll(async () => {
    await server?.runtime.stop();
    await sim?.close();
    await database?.cleanup();
  });

  const recording = (id: string, o = org.a) => `/api/calls/${id}/recording?org_id=${o}`;

  it('streams the bytes the simulator serves, renewing the expired link, as audio/wav with no provider link', async () => {
    const stored = await database.db
      .selectFrom('calls')
      .select('recording_url')
      .where('id', '=', ids.answered)
      .executeTakeFirstOrThrow();
    expect(stored.recording_url).toContain('&exp=');
    expect((await fetch(stored.recording_url ?? '')).status).toBe(403);

    const agent = await signedIn('agent@a.example');
    const res = await agent.request(recording(ids.answered));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const expected = new Uint8Array(await (await fetch(simLinks.answered)).arrayBuffer());
    expect(bytes.length).toBeGreaterThan(44);
    expect(bytes).toEqual(expected);
    const headers = JSON.stringify([...res.headers.entries()]);
    expect(headers).not.toContain(sim.url);
    expect(headers).not.toContain('_sim');
  });

  it('passes a byte range on for seeking (206 with Content-Range)', async () => {
    const agent = await signedIn('agent@a.example');
    const whole = new Uint8Array(await (await fetch(simLinks.answered)).arrayBuffer());
    const res = await agent.request(recording(ids.answered), { headers: { range: 'bytes=40-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 40-99/${whole.length}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(whole.slice(40, 100));
  });

  it('shows the voicemail transcript on the call detail and plays the message', async () => {
    const agent = await signedIn('agent@a.example');
    const detail = await agent.json<CallDetail>(`/api/calls/${ids.voicemail}?org_id=${org.a}`);
    expect(detail.status).toBe(200);
    const account = sim.accounts.require(DEMO_API_KEY);
    const vm = account.calls.find((c) => c.voicemailId && simLinks.voicemail.includes(c.voicemailId));
    expect(detail.body.call).toMatchObject({ status: 'voicemail', hasRecording: true });
    expect(detail.body.call.voicemailTranscript).toMatch(/^Hi, I'm calling about .+ Please call me back at /);
    expect(detail.body.call.voicemailTranscript).toContain(vm?.plan.client ?? 'this number');
    expect(JSON.stringify(detail.body)).not.toContain(sim.url);
    const audio = await agent.request(recording(ids.voicemail));
    expect(audio.status).toBe(200);
    expect(new Uint8Array(await audio.arrayBuffer())).toEqual(
      new Uint8Array(await (await fetch(simLinks.voicemail)).arrayBuffer()),
    );
  });

  it('a call without a recording: hasRecording false, no transcript, and 404 recording_not_found', async () => {
    const agent = await signedIn('agent@a.example');
    const detail = await agent.json<CallDetail>(`/api/calls/${ids.missed}?org_id=${org.a}`);
    expect(detail.body.call).toMatchObject({ hasRecording: false, voicemailTranscript: null });
    const res = await agent.json<{ error: { code: string } }>(recording(ids.missed));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('recording_not_found');
  });

  it("follows the call's org rules: another org's admin gets 404, an org key needs calls:read", async () => {
    const stranger = await signedIn('admin@b.example');
    for (const path of [recording(ids.answered), recording(ids.answered, org.b)]) {
      const res = await stranger.json<{ error: { code: string } }>(path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).not.toBe('recording_not_found');
    }
    const reader = await insertKey(database, 'org', org.a, ['calls:read']);
    const byKey = await client(server.app, { authorization: `Bearer ${reader}` }).request(recording(ids.answered));
    expect(byKey.status).toBe(200);
    expect(byKey.headers.get('content-type')).toBe('audio/wav');
    const otherOrg = await client(server.app, { authorization: `Bearer ${reader}` }).request(
      recording(ids.answered, org.b),
    );
    expect(otherOrg.status).toBe(404);
    const metricsOnly = await insertKey(database, 'org', org.a, ['metrics:read']);
    const denied = await client(server.app, { authorization: `Bearer ${metricsOnly}` }).request(
      recording(ids.answered),
    );
    expect(denied.status).toBe(403);
  });

  it('logs neither the provider link nor the keys', () => {
    const logs = server.logs.join('\n');
    expect(logs).toContain('/recording');
    expect(logs).not.toContain('_sim/recordings');
    expect(logs).not.toContain(DEMO_API_KEY);
    expect(logs).not.toContain(DEMO_USER_KEY);
  });
});

describe('recording helpers', () => {
  it('passes on single byte ranges only', () => {
    expect(rangeOf('bytes=0-')).toBe('bytes=0-');
    expect(rangeOf('bytes=100-199')).toBe('bytes=100-199');
    expect(rangeOf('bytes=-500')).toBe('bytes=-500');
    expect(rangeOf('bytes=0-1,5-9')).toBeNull();
    expect(rangeOf('bytes=-')).toBeNull();
    expect(rangeOf('items=0-1')).toBeNull();
    expect(rangeOf(undefined)).toBeNull();
  });

  it('answers an audio type from the upstream, else from the file name', () => {
    expect(audioTypeOf('audio/x-wav', null)).toBe('audio/wav');
    expect(audioTypeOf('audio/mpeg; charset=binary', null)).toBe('audio/mpeg');
    expect(audioTypeOf('application/octet-stream', 'https://panel.mightycall.com/Files/callrecord_1.mp3?id=2')).toBe(
      'audio/mpeg',
    );
    expect(audioTypeOf('text/html', 'https://panel.mightycall.com/Files/x')).toBe('application/octet-stream');
  });
});
