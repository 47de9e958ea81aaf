// Either server process killed (SIGKILL) in the middle of a webhook burst sent through nginx: the sender retries
// what was not acknowledged (as MightyCall does), nginx sends it to the process still up, and in the end every
// event is in the inbox once and every call has exactly one row.
import type { WebhookEnvelope } from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cluster, describeDeploy, startCluster, waitForCalls } from './cluster.js';

const CALLS = 30;
const SENDERS = 12;

describeDeploy('a server process killed mid-burst behind nginx', { nginx: true }, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it.each([0, 1])(
    'process %i killed: every event stored once, one row per call',
    {
      timeout: 240_000,
    },
    async (victim) => {
      const { calls, events } = await cluster.emitCalls(CALLS, victim === 0 ? 'dead0000' : 'dead1111');
      const queue: WebhookEnvelope[] = [...events];
      const failedAttempts: number[] = [];
      let acknowledged = 0;
      let kill: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
      const killAt = Math.floor(events.length * 0.4);
      const sender = async () => {
        for (let event = queue.shift(); event; event = queue.shift()) {
          failedAttempts.push(...(await cluster.deliver(event)));
          acknowledged++;
          if (acknowledged >= killAt && !kill) kill = cluster.servers[victim]?.kill('SIGKILL') ?? null;
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, sender));
      expect(await kill).toEqual({ code: null, signal: 'SIGKILL' });
      expect(acknowledged).toBe(events.length);

      // The process still up folds the inbox and fetches the finished calls (claims of the dead one run out).
      await waitForCalls(cluster, calls, 120_000);
      const counts = await cluster.callCounts();
      expect(calls.map((c) => counts.get(c.callId))).toEqual(calls.map(() => 1));
      const inbox = await cluster.query<{ dedupe_key: string; n: number }>(
        `select dedupe_key, count(*)::int as n from mightycall_webhook_inbox where dedupe_key = any($1) group by 1`,
        [events.map((e) => `guid:${e.Guid.toLowerCase()}`)],
      );
      expect(inbox).toHaveLength(events.length);
      expect(inbox.filter((r) => r.n !== 1)).toEqual([]);
      // What failed (a request in flight on the killed process, answered 502 by nginx) was resent and stored once.
      expect(failedAttempts.every((s) => s === 502 || s === 0)).toBe(true);

      await cluster.restart(victim);
    },
  );
});
