// MightyCall connections: create/list/update/delete with sealed secrets; secrets only ever leave via loadSecrets.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Tx } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import { HOSTS, normalizeBaseUrl } from './client/client.js';
import type { ConnectionCache } from './connection-cache.js';
import type { ConnectionHost, ConnectionRow } from './db-types.js';
import { type SecretBox, secretDigest } from './secrets.js';
import { createSyncState } from './sync/state.js';

export interface ConnectionInput {
  name: string;
  host: ConnectionHost;
  /** required for host 'custom' (e.g. the simulator); ignored otherwise */
  baseUrl?: string | undefined;
  apiKey: string;
  userKey: string;
  /** how calls, numbers and agents of this account are labelled; default derived from the api key */
  providerAccount?: string | undefined;
  enabled?: boolean | undefined;
}

export interface ConnectionPatch {
  name?: string | undefined;
  host?: ConnectionHost | undefined;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  userKey?: string | undefined;
  enabled?: boolean | undefined;
}

export interface ConnectionView {
  id: string;
  name: string;
  host: ConnectionHost;
  baseUrl: string;
  providerAccount: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionSecrets {
  apiKey: string;
  userKey: string;
  webhookToken: string;
}

export const COLUMNS = [
  'id',
  'name',
  'host',
  'base_url',
  'provider_account',
  'api_key_enc',
  'user_key_enc',
  'webhook_token_enc',
  'enabled',
  'created_by',
  'created_at',
  'updated_at',
  'credentials_refused_at',
  'credentials_refusal',
] as const;

export function toView(row: ConnectionRow): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    baseUrl: row.base_url,
    providerAccount: row.provider_account,
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A stable, non-secret account label: the same api key always maps to the same provider account. */
export function accountLabelFor(apiKey: string): string {
  return `mc-${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
}

export function baseUrlOf(host: ConnectionHost, baseUrl: string | undefined): string {
  if (host !== 'custom') return HOSTS[host];
  if (!baseUrl)
    throw new AppError(400, 'invalid_request', 'baseUrl: required when host is custom', { field: 'baseUrl' });
  return normalizeBaseUrl(baseUrl);
}

const sealAll = (box: SecretBox, id: string, s: ConnectionSecrets) => ({
  api_key_enc: box.seal(s.apiKey, `${id}:api_key`),
  user_key_enc: box.seal(s.userKey, `${id}:user_key`),
  webhook_token_enc: box.seal(s.webhookToken, `${id}:webhook_token`),
});

export function loadSecrets(box: SecretBox, row: ConnectionRow): ConnectionSecrets {
  return {
    apiKey: box.open(row.api_key_enc, `${row.id}:api_key`),
    userKey: box.open(row.user_key_enc, `${row.id}:user_key`),
    webhookToken: box.open(row.webhook_token_enc, `${row.id}:webhook_token`),
  };
}

/**
 * What the webhook receiver checks, as digests (secretDigest) of the URL token and the events' ApiKey: the
 * receiver's cache never holds the secrets themselves (the user key stays sealed).
 */
export function webhookSecretDigests(
  box: SecretBox,
  row: ConnectionRow,
): { webhookTokenDigest: Buffer; apiKeyDigest: Buffer } {
  return {
    webhookTokenDigest: secretDigest(box.open(row.webhook_token_enc, `${row.id}:webhook_token`)),
    apiKeyDigest: secretDigest(box.open(row.api_key_enc, `${row.id}:api_key`)),
  };
}

export async function createConnection(
  tx: Tx,
  box: SecretBox,
  input: ConnectionInput,
  options: { createdBy: string | null; callsFrom: Date },
): Promise<ConnectionRow> {
  const id = randomUUID();
  const providerAccount = input.providerAccount ?? accountLabelFor(input.apiKey);
  const taken = await tx
    .selectFrom('mightycall_connections')
    .select('id')
    .where('provider_account', '=', providerAccount)
    .executeTakeFirst();
  if (taken) {
    throw new AppError(409, 'connection_exists', 'A connection to this MightyCall account already exists.', {
      connectionId: taken.id,
    });
  }
  const secrets = { apiKey: input.apiKey, userKey: input.userKey, webhookToken: randomBytes(24).toString('base64url') };
  const row = await tx
    .insertInto('mightycall_connections')
    .values({
      id,
      name: input.name,
      host: input.host,
      base_url: baseUrlOf(input.host, input.baseUrl),
      provider_account: providerAccount,
      enabled: input.enabled ?? true,
      created_by: options.createdBy,
      ...sealAll(box, id, secrets),
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  await createSyncState(tx, id, options.callsFrom);
  return row;
}

export async function listConnections(tx: Tx): Promise<ConnectionRow[]> {
  return tx.selectFrom('mightycall_connections').select(COLUMNS).orderBy('created_at').execute();
}

export async function getConnection(tx: Tx, id: string): Promise<ConnectionRow> {
  const row = await tx.selectFrom('mightycall_connections').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError(404, 'connection_not_found', 'MightyCall connection not found');
  return row;
}

/**
 * What a patch makes of a connection's address and keys. `rekeyed`: new keys or another address, which MightyCall
 * must accept before they are saved, and after which a refusal of the old ones no longer stops the sync.
 */
export function patched(box: SecretBox, current: ConnectionRow, patch: ConnectionPatch) {
  const secrets = loadSecrets(box, current);
  const host = patch.host ?? current.host;
  const baseUrl =
    patch.host !== undefined || patch.baseUrl !== undefined
      ? baseUrlOf(host, patch.baseUrl ?? current.base_url)
      : current.base_url;
  const next = { ...secrets, apiKey: patch.apiKey ?? secrets.apiKey, userKey: patch.userKey ?? secrets.userKey };
  const rekeyed = patch.apiKey !== undefined || patch.userKey !== undefined || baseUrl !== current.base_url;
  return { host, baseUrl, secrets: next, rekeyed };
}

export async function updateConnection(
  tx: Tx,
  box: SecretBox,
  id: string,
  patch: ConnectionPatch,
  webhookCache: ConnectionCache,
): Promise<ConnectionRow> {
  const current = await getConnection(tx, id);
  const { host, baseUrl, secrets: next, rekeyed } = patched(box, current, patch);
  const updated = await tx
    .updateTable('mightycall_connections')
    .set({
      name: patch.name ?? current.name,
      host,
      base_url: baseUrl,
      enabled: patch.enabled ?? current.enabled,
      updated_at: new Date(),
      ...sealAll(box, id, next),
      ...(rekeyed ? { credentials_refused_at: null, credentials_refusal: null } : {}),
    })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  // This process's webhook receiver stops using the old row now (a disabled connection 404s at once).
  webhookCache.forget(id);
  return updated;
}

/**
 * MightyCall refused the connection's keys (or, with `refusal` null, accepted them again). While refused, no
 * scheduled sync or webhook fetch runs for it: each would only spend quota on another refusal.
 */
export async function setCredentialsRefused(
  tx: Tx,
  id: string,
  refusal: { message: string; at: Date } | null,
): Promise<void> {
  await tx
    .updateTable('mightycall_connections')
    .set({ credentials_refused_at: refusal?.at ?? null, credentials_refusal: refusal?.message.slice(0, 500) ?? null })
    .where('id', '=', id)
    .execute();
}

export async function deleteConnection(tx: Tx, id: string, webhookCache: ConnectionCache): Promise<ConnectionRow> {
  const row = await getConnection(tx, id);
  await tx.deleteFrom('mightycall_connections').where('id', '=', id).execute();
  webhookCache.forget(id);
  return row;
}

/** The URL to paste into MightyCall (Settings → Integrations → API → Webhooks). */
export function webhookUrlOf(publicBase: string, connectionId: string, token: string): string {
  return `${publicBase.replace(/\/+$/, '')}/api/webhooks/mightycall/${connectionId}/${token}`;
}
