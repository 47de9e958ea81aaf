// The outbox: a message is a row written in the transaction that caused it, plus a 'mail.send' job to send it.
import type { Tx } from '../db/tenant.js';
import type { MailStatus } from '../db/types.js';
import { enqueue } from '../jobs/queue.js';

export const MAIL_SEND = 'mail.send';

export interface NewMail {
  /** what caused it, e.g. `invitation:<id>`: a second message with the same key is never written or sent */
  idempotencyKey: string;
  /** what the message is for, e.g. 'invitation', 'password_reset' (shown on the Sent mail page) */
  purpose: string;
  orgId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID: an inline part the HTML shows as `<img src="cid:…">` */
  cid?: string;
}

/**
 * Writes a message to the outbox in `tx` and queues its sending: both commit, or neither. `tx` runs as the
 * system principal (the outbox is not readable or writable by org members). Returns the outbox id, or null when a
 * message with this idempotency key exists already.
 */
export async function enqueueMail(tx: Tx, mail: NewMail): Promise<string | null> {
  const row = await tx
    .insertInto('mail_outbox')
    .values({
      idempotency_key: mail.idempotencyKey,
      purpose: mail.purpose,
      org_id: mail.orgId,
      to_address: mail.to.toLowerCase(),
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      attachments: JSON.stringify(
        (mail.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: a.content.toString('base64'),
          ...(a.cid ? { cid: a.cid } : {}),
        })),
      ),
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return null;
  await enqueue(tx, { kind: MAIL_SEND, key: row.id, payload: { outboxId: row.id } });
  return row.id;
}

export interface StoredAttachment {
  filename: string;
  contentType: string;
  content: string;
  cid?: string;
}

export function attachmentsOf(value: unknown): StoredAttachment[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (a): a is StoredAttachment =>
      typeof a === 'object' &&
      a !== null &&
      typeof (a as StoredAttachment).filename === 'string' &&
      typeof (a as StoredAttachment).content === 'string',
  );
}

const SUMMARY = [
  'id',
  'purpose',
  'org_id',
  'to_address',
  'from_address',
  'subject',
  'status',
  'attempts',
  'last_error',
  'message_id',
  'created_at',
  'sent_at',
] as const;

export interface MailFilter {
  status?: MailStatus | undefined;
  to?: string | undefined;
  limit: number;
  /** keyset paging: messages older than this one */
  before?: { createdAt: Date; id: string } | undefined;
}

export async function listOutbox(tx: Tx, filter: MailFilter) {
  let query = tx
    .selectFrom('mail_outbox as m')
    .leftJoin('organizations as o', 'o.id', 'm.org_id')
    .select(SUMMARY.map((c) => `m.${c}` as const))
    .select('o.name as org_name')
    .orderBy('m.created_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('m.status', '=', filter.status);
  if (filter.to) query = query.where('m.to_address', '=', filter.to.toLowerCase());
  if (filter.before) {
    const { createdAt, id } = filter.before;
    query = query.where((eb) =>
      eb.or([eb('m.created_at', '<', createdAt), eb.and([eb('m.created_at', '=', createdAt), eb('m.id', '<', id)])]),
    );
  }
  return query.execute();
}

export async function getOutboxMessage(tx: Tx, id: string) {
  return tx
    .selectFrom('mail_outbox as m')
    .leftJoin('organizations as o', 'o.id', 'm.org_id')
    .select(SUMMARY.map((c) => `m.${c}` as const))
    .select(['m.text_body', 'm.html_body', 'm.attachments', 'o.name as org_name'])
    .where('m.id', '=', id)
    .executeTakeFirst();
}
