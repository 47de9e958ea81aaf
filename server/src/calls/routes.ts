// HTTP routes of the call log: recent calls, the filtered log (JSON pages or a CSV of everything), one call, import.
import { createRoute, z } from '@hono/zod-openapi';
import { bodyChunks, limitedChunks, tooLarge, utf8Text } from '../http/body-stream.js';
import type { App, AppDeps } from '../http/context.js';
import { cachedJson, requestKey } from '../http/dashboard-cache.js';
import { AppError } from '../http/errors.js';
import { defineRoute, json, UuidSchema } from '../http/route.js';
import { toMetricsQuery } from '../metrics/routes.js';
import { RangeQuerySchema } from '../metrics/schema.js';
import { openRecording, rangeOf } from '../mightycall/recordings.js';
import { exportFileName, planExport, type Slice } from './export.js';
import { importCalls } from './import.js';
import {
  type CallFilters,
  type CallItem,
  CSV_COLUMNS,
  callsBetween,
  csvLine,
  getCall,
  listCalls,
  recentCalls,
  recordingSource,
} from './service.js';

const tags = ['Calls'];

const CallItemSchema = z
  .strictObject({
    id: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    status: z.enum(['answered', 'missed', 'voicemail']),
    fromNumber: z.string().nullable(),
    toNumber: z.string().nullable(),
    businessNumber: z.string(),
    queueName: z.string().nullable(),
    startedAt: z.string(),
    answeredAt: z.string().nullable(),
    endedAt: z.string(),
    waitSeconds: z.number(),
    talkSeconds: z.number(),
    agentExtension: z.string().nullable(),
    agentName: z.string().nullable(),
  })
  .openapi('CallItem');

export const RecentCallsSchema = z.strictObject({ items: z.array(CallItemSchema) });

const RecentQuery = z.object({
  org_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const ListQuery = RangeQuerySchema.omit({ compare: true, tz: true }).extend({
  direction: z.enum(['inbound', 'outbound']).optional(),
  status: z.enum(['answered', 'missed', 'voicemail']).optional(),
  number: z.string().max(40).optional().openapi({ description: 'A business or caller number, any format' }),
  agent: z.string().max(20).optional().openapi({ description: 'Agent extension' }),
  q: z.string().max(40).optional().openapi({ description: 'Digits anywhere in either number' }),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  format: z.enum(['json', 'csv']).optional(),
  total: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'true: also answer `total`, every call matching the filters (ask on the first page)' }),
});

export function registerCallRoutes(app: App, deps: AppDeps): void {
  for (const path of ['/api/calls/recent', '/s/recent']) {
    defineRoute(
      app,
      deps,
      {
        permission: 'calls:read',
        org: 'query',
        route: createRoute({
          method: 'get',
          path,
          tags,
          summary: 'The latest calls, newest first, with agent names',
          request: { query: RecentQuery },
          responses: { 200: json(RecentCallsSchema, 'Recent calls') },
        }),
      },
      async (c, ctx) => {
        const { limit } = c.req.valid('query');
        const answer = await deps.dashboard.json(
          () => requestKey(c, ctx),
          async () => ({
            items: await ctx.read((tx) => recentCalls(tx, ctx.orgId, limit)),
          }),
        );
        return cachedJson(c, answer);
      },
    );
  }

  defineRoute(
    app,
    deps,
    {
      permission: 'calls:read',
      org: 'query',
      route: createRoute({
        method: 'get',
        path: '/api/calls',
        tags,
        summary: 'The call log: filters, keyset pages (nextCursor), or the whole filtered set as CSV',
        request: { query: ListQuery },
        responses: {
          200: {
            description: 'A page of calls, or text/csv with a header row when format=csv or Accept: text/csv',
            content: {
              'application/json': {
                schema: z.object({
                  items: z.array(CallItemSchema),
                  nextCursor: z.string().nullable(),
                  total: z
                    .number()
                    .int()
                    .nullable()
                    .openapi({ description: 'Calls matching the filters when asked with total=true, else null' }),
                }),
              },
              'text/csv': { schema: z.string() },
            },
          },
        },
      }),
    },
    async (c, ctx) => {
      const q = c.req.valid('query');
      const range = toMetricsQuery({ ...q }, ctx.orgId);
      const filters: CallFilters = {
        ...range,
        ...(q.direction ? { direction: q.direction } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.number ? { number: q.number } : {}),
        ...(q.agent ? { agent: q.agent } : {}),
        ...(q.q ? { q: q.q } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.total === 'true' ? { withTotal: true } : {}),
        limit: q.limit,
      };
      const wantsCsv =
        q.format === 'csv' || (q.format === undefined && (c.req.header('accept') ?? '').includes('text/csv'));
      if (!wantsCsv) return c.json(await ctx.read((tx) => listCalls(tx, filters)), 200);
      // Slices planned (and the filters checked) before the first byte goes out, so a bad filter is a clean 400.
      const { slices, timeZone } = await ctx.read((tx) => planExport(tx, filters));
      const read = (slice: Slice) =>
        ctx.read((tx) => callsBetween(tx, filters, { orgId: filters.orgId, from: slice.from, to: slice.to }));
      const encoder = new TextEncoder();
      let next = 0;
      // One slice read ahead: the database reads the next slice while this process formats and sends the current
      // one. Never more than one read in flight, and at most two slices held in memory.
      let ahead: Promise<CallItem[]> | null = null;
      const readNext = (): Promise<CallItem[]> | null => {
        const slice = slices[next++];
        if (!slice) return null;
        const reading = read(slice);
        // Awaited by the next pull; a client that goes away first must not leave its failure unhandled.
        reading.catch(() => {});
        return reading;
      };
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(',')}\r\n`));
        },
        async pull(controller) {
          // Each pull enqueues something or closes (a pull that enqueues nothing is not called again).
          for (let reading = ahead ?? readNext(); reading; reading = ahead ?? readNext()) {
            ahead = null;
            const items = await reading;
            ahead = readNext();
            if (items.length > 0) {
              controller.enqueue(encoder.encode(items.map((item) => csvLine(item, timeZone)).join('')));
              return;
            }
          }
          controller.close();
        },
      });
      await ctx.audit({ action: 'calls.export', targetType: 'calls', after: { filters: { ...q, cursor: undefined } } });
      return new Response(stream, {
        status: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${exportFileName(timeZone)}"`,
          'cache-control': 'no-store',
        },
      });
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'calls:read',
      org: 'query',
      route: createRoute({
        method: 'get',
        path: '/api/calls/{callId}',
        tags,
        summary: 'One call of the org, with its recording reference and voicemail transcript',
        request: {
          params: z.object({ callId: UuidSchema }),
          query: z.object({ org_id: z.string().max(64).optional() }),
        },
        responses: {
          200: json(
            z.object({
              call: CallItemSchema.extend({
                recordingRef: z.string().nullable(),
                hasRecording: z.boolean().openapi({
                  description: 'The audio can be played from `GET /api/calls/{callId}/recording`',
                }),
                voicemailTranscript: z
                  .string()
                  .nullable()
                  .openapi({ description: "MightyCall's transcript of the voicemail message, when it made one" }),
              }),
            }),
            'The call',
          ),
        },
      }),
    },
    async (c, ctx) => {
      const { callId } = c.req.valid('param');
      return c.json({ call: await ctx.read((tx) => getCall(tx, ctx.orgId, callId)) }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'calls:read',
      org: 'query',
      route: createRoute({
        method: 'get',
        path: '/api/calls/{callId}/recording',
        tags,
        summary: "The call's recording (a voicemail's message), streamed from MightyCall by the server",
        description:
          "Whoever may read the call may play it. The audio comes through the server with the connection's " +
          "credentials; MightyCall's link is never answered. A `Range: bytes=…` header is passed on for seeking.",
        request: {
          params: z.object({ callId: UuidSchema }),
          query: z.object({ org_id: z.string().max(64).optional() }),
          headers: z.object({ range: z.string().max(100).optional() }),
        },
        responses: {
          200: {
            description: 'The audio',
            content: { 'audio/wav': { schema: z.string().openapi({ format: 'binary' }) } },
          },
          206: {
            description: 'The asked byte range of the audio',
            content: { 'audio/wav': { schema: z.string().openapi({ format: 'binary' }) } },
          },
        },
      }),
    },
    async (c, ctx) => {
      const { callId } = c.req.valid('param');
      const source = await ctx.read((tx) => recordingSource(tx, ctx.orgId, callId));
      return openRecording(deps.database.db, deps.mightycall, source, rangeOf(c.req.header('range')));
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:calls:import',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/admin/calls/import',
        tags,
        summary: 'Import calls from NDJSON or CSV (normalized shape); idempotent per provider call id',
        request: {
          query: z.object({ format: z.enum(['ndjson', 'csv']).optional() }),
          body: {
            required: true,
            content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } },
          },
        },
        responses: {
          200: json(
            z.object({
              received: z.number().int(),
              inserted: z.number().int(),
              updated: z.number().int(),
              unchanged: z.number().int(),
              errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
            }),
            'What landed and which lines did not',
          ),
        },
      }),
    },
    async (c, ctx) => {
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      const format =
        c.req.valid('query').format ??
        (type.includes('csv') ? 'csv' : type.includes('ndjson') || type.includes('jsonl') ? 'ndjson' : null);
      if (!format) {
        throw new AppError(
          415,
          'unsupported_media_type',
          'Content-Type: send text/csv or application/x-ndjson (or ?format=csv|ndjson)',
        );
      }
      // Streamed: read, checked and written a batch at a time (the generic body limit and guard skip this
      // route, whose bodies may be hundreds of megabytes); an error anywhere rolls the whole import back.
      const limit = deps.config.importMaxBytes;
      if (Number(c.req.header('content-length') ?? 0) > limit) throw tooLarge(limit);
      const body = bodyChunks(c);
      const report = await ctx.tenant(async (tx) => {
        const r = await importCalls(tx, utf8Text(limitedChunks(body, limit)), format);
        await ctx.auditIn(tx, {
          action: 'calls.import',
          targetType: 'calls',
          after: { format, received: r.received, inserted: r.inserted, updated: r.updated, errors: r.errors.length },
        });
        return r;
      });
      return c.json(report, 200);
    },
  );
}
