// Zod schemas for API keys: creation (name, scopes, expiry) and the listed view (prefix and last four only).
import { z } from '@hono/zod-openapi';
import { ALL_SCOPES, type Scope } from '../auth/permissions.js';
import { InstantSchema } from '../http/instant.js';
import { UuidSchema } from '../http/route.js';

export const ScopeSchema = z.enum(ALL_SCOPES as [Scope, ...Scope[]]);

export const KeyParams = z.object({ keyId: UuidSchema.openapi({ param: { name: 'keyId', in: 'path' } }) });
export const OrgKeyParams = KeyParams.extend({
  orgId: UuidSchema.openapi({ param: { name: 'orgId', in: 'path' } }),
});

export const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    scopes: z.array(ScopeSchema).min(1, 'give at least one scope').max(ALL_SCOPES.length),
    expiresAt: InstantSchema()
      .nullable()
      .optional()
      .openapi({ description: 'Omit or null for a key that does not expire' }),
  })
  .strict()
  .openapi('CreateApiKey');
export type CreateKey = z.infer<typeof CreateKeyBody>;

export const ApiKeySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['org', 'platform']),
    orgId: z.string().nullable(),
    name: z.string(),
    prefix: z.string(),
    last4: z.string(),
    /** e.g. vs_org_Ab12…wxYZ */
    display: z.string(),
    scopes: z.array(z.string()),
    createdBy: z.object({ id: z.string(), email: z.string().nullable() }).nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
  })
  .openapi('ApiKey');
export type ApiKeyView = z.infer<typeof ApiKeySchema>;

export const CreatedKey = z
  .object({
    apiKey: ApiKeySchema,
    key: z.string().openapi({ description: 'The full key. Shown only in this response; store it now.' }),
  })
  .openapi('CreatedApiKey');
