// HTTP routes of the Sent mail page (platform admins): the outbox, one message whole, and how mail leaves.
import { createRoute, z } from '@hono/zod-openapi';
import type { App, AppDeps } from '../http/context.js';
import { notFound } from '../http/errors.js';
import { defineRoute, json } from '../http/route.js';
import { attachmentsOf, getOutboxMessage, listOutbox, type StoredAttachment } from './outbox.js';
import { MailListQuery, MailMessageSchema, MailModeSchema, MailParams, MailSummarySchema } from './schema.js';

const tags = ['Mail'];

type SummaryRow = Awaited<ReturnType<typeof listOutbox>>[number];

function summaryOf(row: SummaryRow): z.infer<typeof MailSummarySchema> {
  return {
    id: row.id,
    purpose: row.purpose,
    orgId: row.org_id,
    orgName: row.org_name,
    to: row.to_address,
    from: row.from_address,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    messageId: row.message_id,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

export function registerMailRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'platform:mail',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/mail',
        tags,
        summary: 'Outgoing mail, newest first: status, attempts and the last error of each message',
        request: { query: MailListQuery },
        responses: {
          200: json(z.object({ mode: MailModeSchema, messages: z.array(MailSummarySchema) }), 'Newest first'),
        },
      }),
    },
    async (c, ctx) => {
      const query = c.req.valid('query');
      const rows = await ctx.tenant((tx) => listOutbox(tx, query));
      const mode = {
        mode: deps.mailer.mode,
        from: deps.mailer.from,
        smtp: deps.config.mail.smtp?.display ?? null,
      };
      return c.json({ mode, messages: rows.map(summaryOf) }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:mail',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/mail/{mailId}',
        tags,
        summary: 'One message: headers, text and HTML parts (while kept), attachment names',
        request: { params: MailParams },
        responses: { 200: json(z.object({ message: MailMessageSchema }), 'The message') },
      }),
    },
    async (c, ctx) => {
      const row = await ctx.tenant((tx) => getOutboxMessage(tx, c.req.valid('param').mailId));
      if (!row) throw notFound('Message', 'mail_not_found');
      const attachments = attachmentsOf(row.attachments);
      const message = {
        ...summaryOf(row),
        text: row.text_body,
        html: row.html_body === null ? null : withInlineImages(row.html_body, attachments),
        attachments: attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          size: Buffer.from(a.content, 'base64').length,
        })),
      };
      return c.json({ message }, 200);
    },
  );
}

/**
 * The HTML part as a mail client shows it: an inline image (an attachment the HTML names by `cid:`) becomes a data
 * URL, so the Sent mail page shows a report's chart rather than a broken image.
 */
function withInlineImages(html: string, attachments: StoredAttachment[]): string {
  let shown = html;
  for (const a of attachments) {
    if (!a.cid || !/^image\/(png|gif|jpeg)$/.test(a.contentType)) continue;
    shown = shown.replaceAll(`cid:${a.cid}`, `data:${a.contentType};base64,${a.content}`);
  }
  return shown;
}
