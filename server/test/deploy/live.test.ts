// The live stream (Server-Sent Events) through nginx as deployed: events arrive at once (nothing buffers them),
// the server's heartbeats keep it open well past the proxy's read timeout, and it ends when access is revoked.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, waitFor } from '../faults/helpers.js';
import { type EventStream, openEventStream } from './client.js';
import { type Cluster, describeDeploy, startCluster } from './cluster.js';

/** The live location's read timeout here: the stream is silent between changes for far longer. */
const READ_TIMEOUT_S = 2;

describeDeploy('the live stream through nginx', { nginx: true }, () => {
  let cluster: Cluster;
  let streamCookie: string;
  let stream: EventStream;

  beforeAll(async () => {
    cluster = await startCluster({
      liveReadTimeout: `${READ_TIMEOUT_S}s`,
      env: { VICTORYSYNC_LIVE_HEARTBEAT_SECONDS: '0.5' },
    });
    // A session of its own, signed out at the end.
    const login = await cluster.api('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: '' },
      body: JSON.stringify(ADMIN),
    });
    streamCookie = (login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  });
  afterAll(async () => {
    stream?.close();
    await cluster?.close();
  });

  it('opens with a snapshot, unbuffered, and a webhook shows on it within seconds', async () => {
    stream = await openEventStream(
      `${cluster.base}/api/orgs/${cluster.orgId}/live`,
      { cookie: streamCookie },
      cluster.client,
    );
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['x-accel-buffering']).toBeUndefined(); // nginx consumes it
    await waitFor('the first snapshot', () => stream.events.length >= 1, { timeoutMs: 5000 });
    expect(stream.events[0]?.event).toBe('snapshot');
    const before = JSON.parse(stream.events[0]?.data ?? '{}') as { calls: unknown[] };
    expect(before.calls).toEqual([]);

    // A call starts: its first webhook goes through nginx to either process; every stream sees the change.
    const { calls } = await cluster.emitCalls(1, 'c0ffee00');
    const first = calls[0]?.events[0];
    if (!first) throw new Error('no event');
    const sent = performance.now();
    expect(await cluster.deliver(first)).toEqual([]);
    const delivered = performance.now() - sent;
    await waitFor(
      'the call on the stream',
      () =>
        // Heartbeat events come between snapshots (the wallboard's "as of"); only snapshots carry calls.
        stream.events.find((e) => {
          if (e.event !== 'snapshot') return false;
          const snapshot = JSON.parse(e.data) as { calls: Array<{ callId?: string; id?: string }> };
          return snapshot.calls.length > 0;
        }),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    // The hub polls each second; buffered by the proxy, a small event would wait for more (or the end).
    expect(performance.now() - sent - delivered).toBeLessThan(5000);
  });

  it(`outlives the proxy's ${READ_TIMEOUT_S} s read timeout thanks to heartbeats`, async () => {
    const beats = stream.comments.length;
    await new Promise((r) => setTimeout(r, READ_TIMEOUT_S * 3500));
    expect(stream.isOpen()).toBe(true);
    // One heartbeat each 0.5 s, through the proxy as they are written.
    expect(stream.comments.length - beats).toBeGreaterThanOrEqual(READ_TIMEOUT_S * 3);
    const gaps = stream.comments.slice(beats).map((t, i, all) => (i === 0 ? 0 : t - (all[i - 1] ?? 0)));
    expect(Math.max(...gaps)).toBeLessThan(READ_TIMEOUT_S * 1000);
  });

  it('ends with a "revoked" event once its session is signed out', async () => {
    const out = await cluster.api('/api/auth/logout', { method: 'POST', headers: { cookie: streamCookie } });
    expect(out.status).toBe(204);
    // Either process may hold the session for VICTORYSYNC_SESSION_CACHE_SECONDS (5 s) before it looks again.
    await waitFor('the stream to end', () => !stream.isOpen(), { timeoutMs: 20_000, intervalMs: 50 });
    const last = stream.events.at(-1);
    expect(last?.event).toBe('revoked');
    // Signed out, the stream cannot be opened again.
    const again = await openEventStream(
      `${cluster.base}/api/orgs/${cluster.orgId}/live`,
      { cookie: streamCookie },
      cluster.client,
    );
    expect(again.status).toBe(401);
    again.close();
  });
});
