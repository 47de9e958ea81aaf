// How a message leaves: nodemailer over SMTP (SMTP_URL), or captured for the Sent mail page when none is set.
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config.js';
import type { MailAttachment } from './outbox.js';

export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
  /** the outbox row's id: the Message-ID is derived from it, so a resend is recognisably the same message */
  outboxId: string;
}

export interface Delivered {
  messageId: string;
}

/** A refusal the SMTP server will repeat (5xx): retrying cannot help. */
export class MailRejected extends Error {}

export interface Mailer {
  /** 'capture': nothing leaves the process; the outbox row is the message */
  readonly mode: 'smtp' | 'capture';
  readonly from: string;
  send(message: OutgoingMessage): Promise<Delivered>;
  close(): void;
}

const DOMAIN = /@([^>\s]+)>?$/;

function messageIdOf(message: OutgoingMessage): string {
  const domain = DOMAIN.exec(message.from)?.[1] ?? 'victorysync.invalid';
  return `<${message.outboxId}@${domain}>`;
}

/** The SMTP password in any form it may take in an error text, replaced: errors are stored and shown. */
export function scrubSecret(text: string, secret: string | null): string {
  if (!secret) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
    out = out.split(form).join('***');
  }
  return out;
}

export function createMailer(config: MailConfig): Mailer {
  const smtp = config.smtp;
  if (!smtp) {
    return {
      mode: 'capture',
      from: config.from,
      send: async (message) => ({ messageId: messageIdOf(message) }),
      close() {},
    };
  }
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    logger: false,
    debug: false,
  });
  return {
    mode: 'smtp',
    from: config.from,
    async send(message) {
      const messageId = messageIdOf(message);
      try {
        await transport.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId,
          attachments: message.attachments.map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: a.content,
            ...(a.cid ? { cid: a.cid } : {}),
          })),
        });
      } catch (error) {
        const code = (error as { responseCode?: unknown }).responseCode;
        const text = scrubSecret(error instanceof Error ? error.message : String(error), smtp.password);
        if (typeof code === 'number' && code >= 500 && code < 600) throw new MailRejected(text);
        throw new Error(text);
      }
      return { messageId };
    },
    close() {
      transport.close();
    },
  };
}
