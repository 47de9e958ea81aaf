// Zod schemas of our MightyCall endpoints (admin connections, status, live), shared by the routes and OpenAPI.
import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../../http/route.js';

const HostSchema = z.enum(['classic', 'contact-center', 'custom']).openapi({
  description:
    'classic = api.mightycall.com, contact-center = ccapi.mightycall.com, custom = baseUrl (e.g. the simulator)',
});
const JobSchema = z.enum(['numbers', 'agents', 'calls']);
/** Only http(s): the server fetches from this address. */
const BaseUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(500)
  .openapi({ description: 'required for host custom (e.g. the simulator); ignored otherwise' });
const secret = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(500)
    .openapi({ description: `${what}; stored encrypted, never returned` });

export const ConnectionCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    host: HostSchema,
    baseUrl: BaseUrlSchema.optional(),
    apiKey: secret('the account API key'),
    userKey: secret('a user key (the "User key" of Integrations → API)'),
    providerAccount: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,80}$/, 'letters, digits, . _ - (at most 80)')
      .optional()
      .openapi({
        description: 'how this account’s numbers, agents and calls are labelled; default derived from the API key',
      }),
    dailyQuota: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .optional()
      .openapi({ description: 'requests per 24 h (default 2500)' }),
    initialSyncDays: z
      .number()
      .int()
      .min(0)
      .max(90)
      .optional()
      .openapi({ description: 'history the first calls sync reads (default 1)' }),
    enabled: z.boolean().optional(),
  })
  .strict();

export const ConnectionPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    host: HostSchema.optional(),
    baseUrl: BaseUrlSchema.optional(),
    apiKey: secret('the account API key').optional(),
    userKey: secret('a user key').optional(),
    dailyQuota: z.number().int().min(10).max(1_000_000).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const ConnectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    host: HostSchema,
    baseUrl: z.string(),
    accountId: z.string().openapi({ description: 'the provider account label' }),
    enabled: z.boolean(),
    status: z.enum(['never', 'running', 'ok', 'error', 'waiting_quota']),
    lastSyncAt: z.string().nullable(),
    lastError: z.string().nullable(),
    webhookUrl: z.string().openapi({ description: 'paste into MightyCall → Integrations → API → Webhooks' }),
    quotaUsed: z.number(),
    quotaLimit: z.number(),
    credentialsRefused: z.object({ at: z.string(), message: z.string() }).nullable().openapi({
      description: 'MightyCall refused the keys: no scheduled sync runs until new keys are saved or a test passes',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('MightyCallConnection');

export const ConnectionParams = z.object({ id: UuidSchema });

export const SyncRequestSchema = z
  .object({
    job: JobSchema.optional(),
    backfillDays: z.number().int().min(1).max(365).optional(),
  })
  .strict();

export const TestResultSchema = z
  .object({
    ok: z.boolean(),
    message: z.string(),
    ping: z.object({ ok: z.boolean(), version: z.string().nullable(), error: z.string().nullable() }),
    token: z.object({
      ok: z.boolean(),
      error: z.string().nullable(),
      refused: z.boolean().openapi({ description: 'MightyCall answered and refused the API key or user key' }),
    }),
  })
  .openapi('MightyCallTestResult');

const BackfillSchema = z.object({
  days: z.number(),
  from: z.string(),
  to: z.string(),
  cursor: z.string(),
  slicesDone: z.number(),
  slicesTotal: z.number(),
  rows: z.number(),
  requestedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const StatusSchema = z
  .object({
    connection: ConnectionSchema,
    webhookUrl: z.string(),
    quota: z.object({
      used: z.number(),
      limit: z.number(),
      syncRemaining: z.number(),
      blockedUntil: z.string().nullable(),
      throttledCount: z.number(),
    }),
    jobs: z.array(
      z.object({
        job: JobSchema,
        status: z.enum(['never', 'running', 'ok', 'error', 'waiting_quota']),
        lastStartedAt: z.string().nullable(),
        lastFinishedAt: z.string().nullable(),
        lastSuccessAt: z.string().nullable(),
        lastRows: z.number(),
        lastError: z.string().nullable(),
        nextRunAt: z.string().nullable(),
        requestedAt: z.string().nullable(),
        runs: z.number(),
        failures: z.number(),
        watermark: z.string().nullable(),
        backfill: BackfillSchema.nullable(),
      }),
    ),
    webhooks: z.object({ received24h: z.number(), pending: z.number(), lastReceivedAt: z.string().nullable() }),
  })
  .openapi('MightyCallStatus');

export const LiveSnapshotSchema = z
  .object({
    asOf: z.string(),
    calls: z.array(
      z.object({
        callId: z.string(),
        state: z.enum(['ringing', 'connected']),
        from: z.string().nullable(),
        to: z.string().nullable(),
        extension: z.string().nullable(),
        agentName: z.string().nullable(),
        startedAt: z.string(),
        answeredAt: z.string().nullable(),
        queue: z
          .string()
          .nullable()
          .openapi({ description: "An inbound call's queue: its business number's, as the call history shows it" }),
      }),
    ),
    agents: z.array(
      z.object({
        extension: z.string(),
        name: z.string().nullable(),
        state: z.enum(['available', 'ringing', 'on_call', 'offline']),
        since: z.string().nullable(),
      }),
    ),
  })
  .openapi('LiveSnapshot');
