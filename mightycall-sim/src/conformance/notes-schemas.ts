// JSON schemas for what the Swagger leaves without one, written from API-NOTES 1.3, 3.3, 4.1, 4.2 and 4.4.

const GUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** POST /v4/auth/token 200 (notes 1.3). */
export const tokenResponseSchema = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
  properties: {
    access_token: { type: 'string', minLength: 20 },
    token_type: { const: 'bearer' },
    expires_in: { type: 'number', exclusiveMinimum: 0 },
    refresh_token: { type: 'string', minLength: 8 },
  },
} as const;

/** OAuth/OWIN errors of the token endpoint (notes 1.3, 4.4). */
export const oauthErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { enum: ['invalid_client', 'invalid_grant', 'unsupported_grant_type', 'invalid_request'] },
  },
} as const;

/** 401 on a missing/unknown/expired bearer (notes 4.2, ASP.NET Web API shape). */
export const authDeniedSchema = {
  type: 'object',
  required: ['Message'],
  properties: { Message: { const: 'Authorization has been denied for this request.' } },
} as const;

/** 429 once the daily quota is spent (notes 4.1, shape documented for messages/send). */
export const quotaExceededSchema = {
  type: 'object',
  required: ['message'],
  properties: {
    message: {
      type: 'string',
      pattern: '^Too many requests\\. Retry after \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{7} UTC$',
    },
  },
} as const;

/** A webhook notification (notes 3.3): valid JSON, 7-digit Z timestamps, GUID ids. */
export const webhookEnvelopeSchema = {
  type: 'object',
  required: ['Body', 'Guid', 'ApiKey', 'Timestamp', 'EventType'],
  properties: {
    Body: {
      type: 'object',
      required: ['From', 'To', 'Id'],
      properties: {
        From: { type: 'string', minLength: 1 },
        To: { type: 'string', minLength: 1 },
        Id: { type: 'string', pattern: GUID },
        Extension: { type: ['string', 'null'] },
      },
    },
    Guid: { type: 'string', pattern: GUID },
    ApiKey: { type: 'string', minLength: 1 },
    Timestamp: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{7}Z$' },
    EventType: {
      type: 'string',
      pattern: '^(Incoming|Outgoing|Callback)(Call)?(Agent)?(Call|Ringing|Dialing|StopRinging|Connected|Completed)?$',
    },
  },
} as const;
