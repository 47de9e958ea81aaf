// POST /api/webhooks/mightycall/:connectionId/:token: token + ApiKey checked, event stored durably, 2xx at once.
// The connection (row and decrypted secrets) comes from the runtime's short cache (mightycall/connection-cache.ts),
// so an event costs one insert, committed before the answer; concurrent events share the transaction
// (ingest/inbox-writer.ts).
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyChunks, readLimited, tooLarge } from '../../http/body-stream.js';
import type { App, AppDeps, AppEnv } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { checkBodyBytes } from '../../http/input-guards.js';
import type { Logger } from '../../http/logger.js';
import { defineRoute, json } from '../../http/route.js';
import { type McTime, parseMcTime } from '../client/wire.js';
import { classifyBody, type Envelope, inboxRow } from '../ingest/inbox.js';
import type { MightyCallRuntime } from '../runtime.js';
import { matchesSecret, secretDigest } from '../secrets.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Compared against when the connection is unknown, so a miss takes as long as a wrong token.
const NO_TOKEN = secretDigest('no-connection-no-token');

const notFound = () => new AppError(404, 'not_found', 'No such webhook.');

export function registerMightyCallWebhookRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'public',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/webhooks/mightycall/{connectionId}/{token}',
        tags: ['MightyCall'],
        summary: 'MightyCall webhook receiver (authenticated by the URL token and the ApiKey in the body)',
        description:
          'Answers the validation POST MightyCall sends on setup with 200. Events are stored once (deduplicated on ' +
          'Guid) and processed asynchronously in Timestamp order. Events stamped more than ' +
          'VICTORYSYNC_WEBHOOK_MAX_AGE_SECONDS (default 24 h) before, or VICTORYSYNC_WEBHOOK_MAX_AHEAD_SECONDS ' +
          '(default 5 min) after, the server’s clock are refused with 422.',
        request: { params: z.object({ connectionId: z.string().max(64), token: z.string().max(200) }) },
        responses: {
          200: json(
            z.object({ ok: z.literal(true), duplicate: z.boolean().optional() }),
            'Stored (or a duplicate, or the validation POST)',
          ),
          403: json(z.unknown(), 'The ApiKey in the body is not this connection’s'),
          404: json(z.unknown(), 'Unknown connection or token'),
          422: json(
            z.unknown(),
            'The event’s Timestamp is outside the accepted window (event_too_old, event_in_future): not stored',
          ),
        },
      }),
    },
    async (c) => {
      const { connectionId, token } = c.req.valid('param');
      return c.json(await receiveEvent(deps, connectionId, token, await c.req.text()), 200);
    },
  );
}

/**
 * Checks the connection, token and ApiKey, and stores the event (committed before this resolves). Throws the
 * AppError to answer otherwise. Shared by the route and the fast path below.
 */
async function receiveEvent(
  deps: AppDeps,
  connectionId: string,
  token: string,
  text: string,
): Promise<{ ok: true; duplicate?: boolean }> {
  const runtime = deps.mightycall;
  const connection = UUID.test(connectionId) ? await runtime.webhookConnections.get(connectionId.toLowerCase()) : null;
  const tokenOk = matchesSecret(token, connection?.webhookTokenDigest ?? NO_TOKEN);
  // A paused (disabled) connection takes no events: 404, like an unknown one.
  if (!connection || !tokenOk || !connection.row.enabled) throw notFound();
  const { row } = connection;

  const body = classifyBody(text);
  if (body.kind === 'validation') return { ok: true };
  if (body.kind === 'invalid') throw new AppError(400, 'invalid_request', `body: ${body.message}`);
  const { envelope } = body;
  runtime.ingest.record();
  if (!envelope.ApiKey || !matchesSecret(envelope.ApiKey, connection.apiKeyDigest)) {
    throw new AppError(403, 'api_key_mismatch', 'The event’s ApiKey does not belong to this connection.');
  }
  const now = runtime.clock.now();
  const time = timeInWindow(runtime, deps.logger, row.id, envelope, now);
  // Committed before the answer: nothing is acknowledged that is not stored.
  const stored = await runtime.inbox.add(inboxRow(row.id, envelope, now, time));
  if (stored) runtime.worker.wake();
  return { ok: true, duplicate: !stored };
}

/**
 * The event's Timestamp, or the 422 (counted and logged) when it lies outside the runtime's window. Measured
 * against the runtime's clock, which tests drive together with the simulator's. An event without a readable
 * Timestamp is ordered by its arrival (inboxRow), so it is inside the window by definition: null.
 */
function timeInWindow(
  runtime: MightyCallRuntime,
  logger: Logger,
  connectionId: string,
  envelope: Envelope,
  now: number,
): McTime | null {
  const time = parseMcTime(envelope.Timestamp);
  const outside = time ? runtime.webhookWindow.judge(time.ms, now) : null;
  if (!time || !outside) return time;
  // Without the URL token or the ApiKey: what was refused, for which connection, and how far off.
  logger.warn('webhook event refused: Timestamp outside the window', {
    connectionId,
    eventType: envelope.EventType,
    guid: envelope.Guid ?? null,
    timestamp: envelope.Timestamp,
    offBySeconds: Math.round((time.ms - now) / 1000),
    reason: outside,
  });
  throw runtime.webhookWindow.refuse(outside, envelope.Timestamp ?? '', time.ms, now);
}

const HOOK_PATH = /^\/api\/webhooks\/mightycall\/([0-9A-Za-z-]{1,64})\/([0-9A-Za-z_-]{1,200})$/;

/**
 * The webhook receiver's fast path on Node, mounted before the generic input middleware. A webhook is the one
 * request that arrives thousands at a time, and most of its cost was the generic path around it: the body
 * copied into a web stream, counted by the size limit, read again by the body guard. Here it is read once,
 * straight from the socket, under the same size limit and the same body rules (checkBodyBytes), then handled by
 * the same code as the route. Requests it does not recognise exactly (another method or path, a query string,
 * escapes in the path, no Node socket as under app.request in tests) take the ordinary route.
 */
export function webhookFastPath(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const limit = deps.config.maxBodyBytes;
  return async (c, next) => {
    const incoming = c.env?.incoming;
    if (c.req.method !== 'POST' || !incoming?.url) return next();
    const match = HOOK_PATH.exec(incoming.url);
    if (!match) return next();
    const declared = Number(incoming.headers['content-length'] ?? 0);
    if (declared > limit) throw tooLarge(limit);
    const bytes = await readLimited(bodyChunks(c), limit);
    checkBodyBytes(bytes, incoming.headers['content-type']);
    return c.json(await receiveEvent(deps, match[1] as string, match[2] as string, bytes.toString('utf8')), 200);
  };
}
