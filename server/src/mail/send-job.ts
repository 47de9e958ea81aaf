// The 'mail.send' job kind: sends one outbox message (SMTP or capture) and records how it went.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../http/logger.js';
import { type Clock, PermanentJobError, type QueuedKind } from '../jobs/runner.js';
import { type Mailer, MailRejected } from './mailer.js';
import { attachmentsOf, MAIL_SEND } from './outbox.js';

const SYSTEM = systemPrincipal('mail');
const Payload = z.object({ outboxId: z.string().uuid() });

export interface MailJobDeps {
  db: Kysely<DB>;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  /** back-off between attempts (tests shorten it) */
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * Sends a queued message once: a message already sent, captured or failed is left alone (a job run again after
 * its holder died mid-send cannot send twice what was recorded as sent). After SMTP took it, or it failed for good,
 * its bodies are dropped: a single-use token in them stays at rest only while it may still be sent.
 */
export function mailSendKind(deps: MailJobDeps): QueuedKind<z.infer<typeof Payload>> {
  const system = <T>(work: Parameters<typeof withPrincipal<T>>[2]) => withPrincipal(deps.db, SYSTEM, work);
  return {
    kind: MAIL_SEND,
    parse: (payload) => Payload.parse(payload),
    lockMs: 3 * 60_000,
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
    async run(job) {
      const id = job.payload.outboxId;
      const row = await system((tx) =>
        tx
          .selectFrom('mail_outbox')
          .select(['id', 'to_address', 'subject', 'text_body', 'html_body', 'attachments', 'status'])
          .where('id', '=', id)
          .executeTakeFirst(),
      );
      if (row?.status !== 'queued') return;
      const from = deps.mailer.from;
      try {
        const delivered = await deps.mailer.send({
          outboxId: row.id,
          from,
          to: row.to_address,
          subject: row.subject,
          text: row.text_body ?? '',
          html: row.html_body ?? '',
          attachments: attachmentsOf(row.attachments).map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: Buffer.from(a.content, 'base64'),
            ...(typeof a.cid === 'string' ? { cid: a.cid } : {}),
          })),
        });
        const captured = deps.mailer.mode === 'capture';
        await system((tx) =>
          tx
            .updateTable('mail_outbox')
            .set((eb) => ({
              status: captured ? 'captured' : 'sent',
              sent_at: new Date(deps.clock.now()),
              from_address: from,
              message_id: delivered.messageId,
              attempts: eb('attempts', '+', 1),
              last_error: null,
              ...(captured ? {} : { text_body: null, html_body: null }),
            }))
            .where('id', '=', id)
            .execute(),
        );
        deps.logger.info('mail sent', { outboxId: id, mode: deps.mailer.mode });
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
        const final = job.finalAttempt || error instanceof MailRejected;
        await system((tx) =>
          tx
            .updateTable('mail_outbox')
            .set((eb) => ({
              attempts: eb('attempts', '+', 1),
              last_error: message,
              from_address: from,
              ...(final ? { status: 'failed' as const, text_body: null, html_body: null } : {}),
            }))
            .where('id', '=', id)
            .execute(),
        );
        if (error instanceof MailRejected) throw new PermanentJobError(message);
        throw error;
      }
    },
  };
}
