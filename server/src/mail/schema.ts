// Zod schemas of the Sent mail API (platform admins): outbox messages, their status and captured content.
import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../http/route.js';

export const MailStatusSchema = z.enum(['queued', 'sent', 'captured', 'failed']).openapi({
  description:
    "'queued': waiting to be sent (or to be tried again); 'sent': the SMTP server accepted it; 'captured': no SMTP_URL, so it was kept here instead of sent; 'failed': it kept failing, see lastError.",
});

export const MailSummarySchema = z
  .object({
    id: z.string(),
    purpose: z.string().openapi({ description: "What caused it: 'invitation', 'password_reset', …" }),
    orgId: z.string().nullable(),
    orgName: z.string().nullable(),
    to: z.string(),
    from: z.string().nullable().openapi({ description: 'The From header it was sent with (null until tried)' }),
    subject: z.string(),
    status: MailStatusSchema,
    attempts: z.number().int(),
    lastError: z.string().nullable().openapi({ description: "The SMTP server's or the network's last error" }),
    messageId: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .openapi('MailSummary');

export const MailMessageSchema = MailSummarySchema.extend({
  text: z.string().nullable().openapi({
    description: 'The plain-text part; kept only for captured and queued messages (dropped once SMTP took it)',
  }),
  html: z.string().nullable().openapi({ description: 'The HTML part, under the same rule as text' }),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), size: z.number().int() })),
}).openapi('MailMessage');

export const MailListQuery = z.object({
  status: MailStatusSchema.optional(),
  to: z.string().max(320).optional().openapi({ description: 'only messages to this address' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const MailParams = z.object({
  mailId: UuidSchema.openapi({ param: { name: 'mailId', in: 'path' } }),
});

export const MailModeSchema = z
  .object({
    mode: z.enum(['smtp', 'capture']).openapi({
      description: "'capture': no SMTP_URL is configured; messages are kept for this page and not sent",
    }),
    from: z.string(),
    smtp: z.string().nullable().openapi({ description: 'The SMTP server, without its password' }),
  })
  .openapi('MailMode');
