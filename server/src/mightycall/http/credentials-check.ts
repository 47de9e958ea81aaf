// The credentials check of a MightyCall connection: reachable (ping), then a fresh token minted with its keys.
// "Connected" is said only once MightyCall itself accepted the keys; a refusal is told in MightyCall's words.
import { AppError } from '../../http/errors.js';
import type { MightyCallClient } from '../client/client.js';
import { MightyCallError, QuotaDeferred } from '../client/transport.js';

export interface CredentialsCheck {
  ok: boolean;
  message: string;
  ping: { ok: boolean; version: string | null; error: string | null };
  token: { ok: boolean; error: string | null; refused: boolean };
}

const reason = (error: unknown): string => {
  if (error instanceof QuotaDeferred)
    return `the daily request quota is spent until ${new Date(error.resumeAt).toISOString()}`;
  if (error instanceof MightyCallError) return error.message;
  return 'an unexpected error';
};

export async function checkCredentials(client: MightyCallClient, baseUrl: string): Promise<CredentialsCheck> {
  const ping: CredentialsCheck['ping'] = { ok: false, version: null, error: null };
  const token: CredentialsCheck['token'] = { ok: false, error: null, refused: false };
  try {
    ping.version = await client.ping();
    ping.ok = true;
  } catch (error) {
    ping.error = reason(error);
  }
  if (ping.ok) {
    try {
      await client.token('interactive');
      token.ok = true;
    } catch (error) {
      token.error = reason(error);
      token.refused = error instanceof MightyCallError && !(error instanceof QuotaDeferred) && error.kind === 'auth';
    }
  }
  const message = !ping.ok
    ? `Could not reach MightyCall at ${baseUrl}: ${ping.error}.`
    : token.ok
      ? `Connected: MightyCall at ${baseUrl} answered (API ${ping.version}) and accepted the API key and user key.`
      : `MightyCall at ${baseUrl} is reachable, but ${token.error}`;
  return { ok: ping.ok && token.ok, message, ping, token };
}

/** 422 naming both key fields: what a form shows beside them. */
export function credentialsRefused(check: CredentialsCheck): AppError {
  const issue = 'MightyCall refused it (with the other key)';
  return new AppError(422, 'mightycall_credentials_refused', check.message, {
    issues: [
      { path: 'body.apiKey', message: issue },
      { path: 'body.userKey', message: issue },
    ],
  });
}
