// Recording audio from MightyCall for the call-detail proxy: the connection that holds the call's account, the
// stored link (renewed through the journal or /calls/{id} when it has expired), and the answer the browser gets,
// without the link.
import { systemPrincipal } from '../auth/principal.js';
import type { RecordingSource } from '../calls/service.js';
import type { Database } from '../db/database.js';
import { withPrincipal } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import type { MightyCallClient } from './client/client.js';
import { callIdOfRecordingRef, PROVIDER, recordingLinkOf } from './client/mapping.js';
import { MightyCallError } from './client/transport.js';
import { COLUMNS } from './connections.js';
import type { MightyCallRuntime } from './runtime.js';

const SYSTEM = systemPrincipal('recording proxy');

/** What an expired or withdrawn link answers; then MightyCall is asked for a fresh one. */
const STALE_LINK = new Set([403, 404, 410]);

/** Headers of the upstream answer passed on as they are (nothing that names the upstream). */
const PASSED_ON = ['content-length', 'content-range', 'accept-ranges', 'last-modified', 'etag'];

const BY_EXTENSION: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  webm: 'audio/webm',
};

/** The upstream's audio type, else the one its file name says, else bytes. */
export function audioTypeOf(contentType: string | null, link: string | null): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (/^audio\/[a-z0-9.+-]{1,40}$/.test(type))
    return type === 'audio/x-wav' || type === 'audio/wave' ? 'audio/wav' : type;
  const path = (() => {
    try {
      return link ? new URL(link).pathname : '';
    } catch {
      return '';
    }
  })();
  const extension = /\.([a-z0-9]{2,4})$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  return BY_EXTENSION[extension] ?? 'application/octet-stream';
}

const unavailable = (message: string) => new AppError(503, 'recording_unavailable', message);

/** A valid single byte range as the browser sends it (`bytes=0-`, `bytes=100-199`); anything else is not passed on. */
export function rangeOf(header: string | undefined): string | null {
  const value = header?.trim() ?? '';
  return /^bytes=\d{0,15}-\d{0,15}$/.test(value) && value !== 'bytes=-' ? value : null;
}

/**
 * A fresh link, links being short-lived: the journal item read by id (recordings and voicemail messages alike),
 * else /calls/{id} (a call's recording only).
 */
async function renewedLink(client: MightyCallClient, source: RecordingSource): Promise<string | null> {
  if (source.journalId) {
    const request = await client.journalRequest(source.journalId, 'interactive');
    const link = request ? recordingLinkOf(request) : null;
    if (link) return link;
  }
  const callId = callIdOfRecordingRef(source.recordingRef);
  if (!callId) return null;
  return (await client.callById(callId, 'interactive'))?.callRecord?.uri ?? null;
}

/**
 * Streams a call's recording: 200 or 206 (Range passed on when the upstream honours it), the audio's type, and
 * `private, no-store`. 404 when MightyCall no longer has it, 503 when no enabled connection can fetch it, 502
 * when MightyCall fails; the provider's link and keys appear in no answer and no message.
 */
export async function openRecording(
  db: Database['db'],
  runtime: MightyCallRuntime,
  source: RecordingSource,
  range: string | null,
): Promise<Response> {
  if (source.provider !== PROVIDER) throw unavailable('Recordings are played from MightyCall only.');
  const row = await withPrincipal(db, SYSTEM, (tx) =>
    tx
      .selectFrom('mightycall_connections')
      .select(COLUMNS)
      .where('provider_account', '=', source.providerAccount)
      .where('enabled', '=', true)
      .orderBy('updated_at', 'desc')
      .executeTakeFirst(),
  );
  if (!row || row.credentials_refused_at) {
    throw unavailable('No working MightyCall connection holds this call; an admin can check Settings → MightyCall.');
  }
  const client = runtime.clientFor(row);
  try {
    let link = source.url;
    let res = link ? await client.recording(link, range, 'interactive') : null;
    if (!res || STALE_LINK.has(res.status)) {
      await res?.body?.cancel();
      link = await renewedLink(client, source);
      res = link ? await client.recording(link, range, 'interactive') : null;
    }
    if (!res || STALE_LINK.has(res.status)) {
      await res?.body?.cancel();
      throw new AppError(404, 'recording_not_found', 'MightyCall no longer has this recording');
    }
    if (res.status === 416) {
      await res.body?.cancel();
      const size = res.headers.get('content-range');
      return new Response(null, { status: 416, headers: size ? { 'content-range': size } : {} });
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new AppError(502, 'recording_upstream', `MightyCall did not deliver the recording (${res.status})`);
    }
    const headers = new Headers({
      'content-type': audioTypeOf(res.headers.get('content-type'), link),
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline',
    });
    for (const name of PASSED_ON) {
      const value = res.headers.get(name);
      if (value) headers.set(name, value);
    }
    return new Response(res.body, { status: res.status, headers });
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof MightyCallError) {
      if (error.kind === 'quota') throw unavailable("MightyCall's request quota is spent for now; try again later.");
      // The kind only: the client's messages never carry the link, and the route's logs stay free of it.
      throw new AppError(502, 'recording_upstream', `MightyCall did not deliver the recording (${error.kind})`);
    }
    throw error;
  }
}
