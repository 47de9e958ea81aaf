// Outgoing alert webhooks: the 'alert.webhook' job kind POSTs an alert's JSON, signed with the org's secret
// (X-VictorySync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">), retried with back-off; private
// and loopback targets are refused at connect time unless VICTORYSYNC_WEBHOOK_ALLOW_PRIVATE is set.
import { createHmac, randomBytes } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../http/logger.js';
import type { Clock, QueuedKind } from '../jobs/runner.js';
import { PermanentJobError } from '../jobs/runner.js';
import type { SecretBox } from '../mightycall/secrets.js';
import { ALERT_WEBHOOK } from './evaluate.js';
import { type AlertFacts, webhookBody } from './messages.js';

const SYSTEM = systemPrincipal('alert webhook');
const Payload = z.object({ eventId: z.string().uuid(), transition: z.enum(['fired', 'resolved']) });
const TIMEOUT_MS = 10_000;

export const SIGNATURE_HEADER = 'X-VictorySync-Signature';

/** A new webhook secret: 32 random bytes, shown to the org admin once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The sealed secret is bound to its org's row. */
export const secretContext = (orgId: string) => `${orgId}:alert_webhook_secret`;

export function signatureOf(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Private, loopback, link-local, multicast or unspecified (IPv4-mapped IPv6 read as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class TargetRefused extends Error {}

/** A DNS lookup that refuses private addresses: checked on the address actually connected to (no rebinding). */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (addresses as Array<{ address: string; family: number }>).filter(
        (a) => allowPrivate || !isPrivateAddress(a.address),
      );
      if (list.length === 0) {
        return callback(new TargetRefused(`webhook target ${hostname} is a private or loopback address`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0] as { address: string; family: number };
      return callback(null, first.address, first.family);
    });
  };
}

/** POSTs `body` to `url`; resolves with the status, rejects on network errors and timeouts. */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<number> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new TargetRefused('webhook URL must be http(s)'));
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allowPrivate && isPrivateAddress(host)) {
    return Promise.reject(new TargetRefused(`webhook target ${host} is a private or loopback address`));
  }
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        lookup: guardedLookup(allowPrivate),
        timeout: TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`webhook timed out after ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface WebhookJobDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  box: () => SecretBox;
  allowPrivate: boolean;
  backoff?: { baseMs: number; maxMs: number };
}

export function alertWebhookKind(deps: WebhookJobDeps): QueuedKind<z.infer<typeof Payload>> {
  return {
    kind: ALERT_WEBHOOK,
    parse: (payload) => Payload.parse(payload),
    lockMs: 60_000,
    backoff: deps.backoff ?? { baseMs: 15_000, maxMs: 30 * 60_000 },
    async run(job) {
      const { eventId, transition } = job.payload;
      const row = await withPrincipal(deps.db, SYSTEM, (tx) =>
        tx
          .selectFrom('alert_events as e')
          .innerJoin('organizations as o', 'o.id', 'e.org_id')
          .innerJoin('alert_webhooks as w', 'w.org_id', 'e.org_id')
          .select([
            'e.id',
            'e.org_id',
            'e.rule_id',
            'e.rule_name',
            'e.kind',
            'e.threshold',
            'e.window_minutes',
            'e.fired_at',
            'e.fired_value',
            'e.resolved_at',
            'e.resolved_value',
            'o.name as org_name',
            'w.url',
            'w.secret_enc',
          ])
          .where('e.id', '=', eventId)
          .executeTakeFirst(),
      );
      // The webhook was removed (or the event's org deleted) since: nothing to send.
      if (!row) return;
      const facts: AlertFacts = {
        eventId: row.id,
        orgId: row.org_id,
        orgName: row.org_name,
        ruleId: row.rule_id,
        ruleName: row.rule_name,
        kind: row.kind,
        threshold: row.threshold,
        windowMinutes: row.window_minutes,
        firedAt: new Date(row.fired_at),
        firedValue: row.fired_value,
        // The 'fired' message says what was known when it fired, even when retried after the resolution.
        resolvedAt: transition === 'resolved' && row.resolved_at ? new Date(row.resolved_at) : null,
        resolvedValue: transition === 'resolved' ? row.resolved_value : null,
      };
      const body = JSON.stringify(webhookBody(facts, transition));
      const secret = deps.box().open(row.secret_enc, secretContext(row.org_id));
      const t = Math.floor(deps.clock.now() / 1000);
      let status: number;
      try {
        status = await postJson(
          row.url,
          body,
          { [SIGNATURE_HEADER]: signatureOf(secret, t, body), 'user-agent': 'VictorySync-Alerts/1' },
          deps.allowPrivate,
        );
      } catch (error) {
        if (error instanceof TargetRefused) throw new PermanentJobError(error.message);
        throw error;
      }
      if (status < 200 || status >= 300) throw new Error(`webhook answered HTTP ${status}`);
      deps.logger.info('alert webhook delivered', { eventId, transition, status });
    },
  };
}
