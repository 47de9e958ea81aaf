// The demo's alert: a rule seeded for the first demo org, and one scripted waiting call the simulator plays to that
// org shortly after start-up, at any time of day, so the alert fires and resolves within the demo's first minutes.
import type { Topology } from '@victorysync/datagen';
import type { Tx } from '../db/tenant.js';

export const DEMO_ALERT_RULE = { name: 'Caller waiting ≥ 20 s', kind: 'longest_wait', threshold: 20 } as const;
/** The scripted call starts this long after the simulator is up (the first evaluations have run by then). */
export const DEMO_ALERT_CALL_DELAY_MS = 10_000;
/**
 * It rings this long before an agent answers: its wait passes 20 s at 20 s and stays there for 70 s, more than
 * three evaluations at the default interval (VICTORYSYNC_ALERT_INTERVAL_SECONDS = 20), so it is seen firing.
 */
const DEMO_ALERT_RING_SECONDS = 90;

/** Seeds the demo rule for the org (emailed to its admins and managers: no listed recipients). */
export async function seedDemoAlertRule(tx: Tx, orgId: string): Promise<void> {
  await tx
    .insertInto('alert_rules')
    .values({ org_id: orgId, ...DEMO_ALERT_RULE, notify_email: true, notify_webhook: false })
    .execute();
}

/** The scripted call: to the first org's main number, ringing its first agent, who answers after 90 s. */
export function demoWaitingCall(topology: Topology) {
  const org = topology.orgs[0];
  const number = topology.numbers.find((n) => n.orgKeys[0] === org?.key);
  const agent = topology.agents.find((a) => a.orgKey === org?.key);
  if (!org || !number || !agent) return null;
  return {
    from: '+15550142020',
    to: number.e164,
    ringExtensions: [agent.extension],
    answeredBy: agent.extension,
    ringSeconds: DEMO_ALERT_RING_SECONDS,
    talkSeconds: 60,
  };
}
