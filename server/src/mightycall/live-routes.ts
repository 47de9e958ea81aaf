// GET /api/orgs/:orgId/live (Server-Sent Events, event "snapshot") and /live/snapshot (the same as JSON).
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { App, AppDeps } from '../http/context.js';
import { defineRoute, json, UuidSchema } from '../http/route.js';
import { liveSnapshot } from './live.js';
import { mightycallRuntime } from './runtime.js';
import { LiveSnapshotSchema } from './schema.js';

const tags = ['Live'];
const OrgParams = z.object({ orgId: UuidSchema });
const KEEPALIVE_MS = 15_000;

export function registerLiveRoutes(app: App, deps: AppDeps): void {
  const rt = () => mightycallRuntime(app, deps);

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
      return c.json(await ctx.tenant((tx) => liveSnapshot(tx, orgId, rt().clock.now())), 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'metrics:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/live',
        tags,
        summary: 'The live state as a stream: an event "snapshot" (JSON as /live/snapshot) now and on every change',
        request: { params: OrgParams },
        responses: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
        },
      }),
    },
    (c, ctx) => {
      const orgId = c.req.valid('param').orgId.toLowerCase();
      const runtime = rt();
      return streamSSE(c, async (stream) => {
        let last = '';
        let busy = false;
        let again = false;
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
        const ended = new Promise<void>((resolve) => {
          stream.onAbort(resolve);
          forget = runtime.hub.onClose(resolve);
        });
        await push(true);
        const unsubscribe = runtime.hub.subscribe(() => {
          push(false).catch(() => stream.abort());
        });
        const keepalive = setInterval(() => {
          stream.write(': keepalive\n\n').catch(() => stream.abort());
        }, KEEPALIVE_MS);
        await ended;
        clearInterval(keepalive);
        unsubscribe();
        forget();
      });
    },
  );
}
