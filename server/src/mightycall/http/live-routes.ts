// GET /api/orgs/:orgId/live (Server-Sent Events: "snapshot", "heartbeat", a final "revoked" when access ends) and /live/snapshot (the same as JSON).
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Permission } from '../../auth/permissions.js';
import type { App, AppDeps } from '../../http/context.js';
import { reauthorize } from '../../http/reauthorize.js';
import { defineRoute, json, UuidSchema } from '../../http/route.js';
import { liveSnapshot } from '../ingest/live.js';
import { LiveSnapshotSchema } from './api-schemas.js';

const tags = ['Live'];
const OrgParams = z.object({ orgId: UuidSchema });
/** Checked at the door by the route wrapper and again on every heartbeat of the stream. */
const LIVE_PERMISSION: Permission = 'metrics:read';

export function registerLiveRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'metrics:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/live/snapshot',
        tags,
        summary: 'Calls in progress and agent states of the org, from MightyCall webhooks',
        request: { params: OrgParams },
        responses: { 200: json(LiveSnapshotSchema, 'The live state now') },
      }),
    },
    async (c, ctx) => {
      const orgId = c.req.valid('param').orgId.toLowerCase();
      return c.json(await ctx.tenant((tx) => liveSnapshot(tx, orgId, deps.mightycall.clock.now())), 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: LIVE_PERMISSION,
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/live',
        tags,
        summary:
          'The live state as a stream: an event "snapshot" (JSON as /live/snapshot) now and on every change; an event "heartbeat" ({at, everyMs}) every interval between them; a final event "revoked" ({error}) when access ends',
        request: { params: OrgParams },
        responses: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
        },
      }),
    },
    (c, ctx) => {
      const orgId = c.req.valid('param').orgId.toLowerCase();
      const runtime = deps.mightycall;
      // A reverse proxy (nginx) passes each event on at once instead of filling a buffer first.
      c.header('x-accel-buffering', 'no');
      return streamSSE(c, async (stream) => {
        let last = '';
        let busy = false;
        let again = false;
        // Set once access has ended (or the stream is going): nothing more is sent.
        let over = false;
        // One snapshot at a time; a change during a send is picked up right after it.
        const push = async (force: boolean): Promise<void> => {
          if (busy) {
            again = true;
            return;
          }
          busy = true;
          try {
            do {
              again = false;
              const snapshot = await ctx.tenant((tx) => liveSnapshot(tx, orgId, runtime.clock.now()));
              const { asOf: _asOf, ...content } = snapshot;
              const key = JSON.stringify(content);
              if (over) return;
              if (force || key !== last) {
                last = key;
                await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(snapshot), retry: 3000 });
              }
              force = false;
            } while (again && !stream.aborted);
          } finally {
            busy = false;
          }
        };
        let forget = () => {};
        let end = () => {};
        const ended = new Promise<void>((resolve) => {
          end = resolve;
          stream.onAbort(resolve);
          forget = runtime.hub.onClose(resolve);
        });
        let checking = false;
        // Access is granted at the door and re-checked on every heartbeat, so a revoked key, an ended session, a
        // removed member or a deleted org stops the stream within one interval (and one check).
        const heartbeat = async (): Promise<void> => {
          if (checking || over) return;
          checking = true;
          try {
            const lost = await reauthorize(c, ctx.auth, ctx.caller, orgId, LIVE_PERMISSION);
            if (over) return;
            if (lost) {
              over = true;
              await stream.writeSSE({ event: 'revoked', data: JSON.stringify({ error: lost }) });
              end();
              return;
            }
            // A comment keeps proxies from timing out; the event tells the page the feed is alive between changes.
            const beat = { at: new Date(runtime.clock.now()).toISOString(), everyMs: runtime.liveRecheckMs };
            await stream.write(`: keepalive\nevent: heartbeat\ndata: ${JSON.stringify(beat)}\n\n`);
          } catch (error) {
            // The check could not be made (database down) or the client has gone. Fail closed without a final
            // event: a client still there reconnects and is checked at the door.
            if (!stream.aborted) {
              deps.logger.warn('live stream ended: its access check failed', {
                error: error instanceof Error ? error.message : String(error),
              });
            }
            end();
          } finally {
            checking = false;
          }
        };
        await push(true);
        const unsubscribe = runtime.hub.subscribe(() => {
          push(false).catch(() => stream.abort());
        });
        const timer = setInterval(() => void heartbeat(), runtime.liveRecheckMs);
        await ended;
        over = true;
        clearInterval(timer);
        unsubscribe();
        forget();
      });
    },
  );
}
