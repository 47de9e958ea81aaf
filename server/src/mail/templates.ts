// The messages VictorySync sends: each a plain-text and an HTML part saying the same, the org's name where one is
// concerned, and no secret beyond the single-use link.
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** One call to action: a heading, paragraphs, a button with the link, and the link again in plain sight. */
function actionMail(input: {
  subject: string;
  heading: string;
  paragraphs: string[];
  action: string;
  url: string;
  footer: string;
}): RenderedMail {
  const text = [
    input.heading,
    '',
    ...input.paragraphs.flatMap((p) => [p, '']),
    `${input.action}: ${input.url}`,
    '',
    '--',
    input.footer,
    '',
  ].join('\n');
  const url = escapeHtml(input.url);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.subject)}</title></head>
<body style="font-family: system-ui, sans-serif; color: #1f2933; max-width: 560px; margin: 0 auto; padding: 24px;">
<h1 style="font-size: 20px;">${escapeHtml(input.heading)}</h1>
${input.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p><a href="${url}" style="display: inline-block; background: #1d4ed8; color: #ffffff; padding: 10px 16px; border-radius: 6px; text-decoration: none;">${escapeHtml(input.action)}</a></p>
<p style="font-size: 13px; color: #52606d;">Or open this link: <a href="${url}">${url}</a></p>
<hr style="border: none; border-top: 1px solid #d9e2ec;">
<p style="font-size: 12px; color: #7b8794;">${escapeHtml(input.footer)}</p>
</body></html>
`;
  return { subject: input.subject, text, html };
}

const ROLE_NAMES: Readonly<Record<string, string>> = {
  org_admin: 'an admin',
  org_manager: 'a manager',
  agent: 'an agent',
};

export function invitationMail(input: {
  orgName: string;
  role: string;
  inviterName: string | null;
  url: string;
  expiresAt: Date;
}): RenderedMail {
  const who = input.inviterName ? `${input.inviterName} invited you` : 'You are invited';
  return actionMail({
    subject: `You're invited to ${input.orgName} on VictorySync`,
    heading: `Join ${input.orgName} on VictorySync`,
    paragraphs: [
      `${who} to join ${input.orgName} as ${ROLE_NAMES[input.role] ?? input.role}, to see its call-center dashboards.`,
      `The link works once and until ${input.expiresAt.toUTCString()}.`,
    ],
    action: 'Accept the invitation',
    url: input.url,
    footer: `You received this because someone at ${input.orgName} entered this address. If you did not expect it, ignore this message.`,
  });
}

export function accountInviteMail(input: { url: string; inviterName: string | null; expiresAt: Date }): RenderedMail {
  const who = input.inviterName ? `${input.inviterName} made you` : 'You have';
  return actionMail({
    subject: 'Your VictorySync account is ready',
    heading: 'Choose your password',
    paragraphs: [
      `${who} a VictorySync account with this address, to see call-center dashboards.`,
      `Choose your password with the link below. It works once and until ${input.expiresAt.toUTCString()}.`,
    ],
    action: 'Choose my password',
    url: input.url,
    footer:
      'You received this because a VictorySync administrator entered this address. If you did not expect it, ignore this message.',
  });
}

export function passwordResetMail(input: { url: string; lifetimeMinutes: number }): RenderedMail {
  return actionMail({
    subject: 'Reset your VictorySync password',
    heading: 'Reset your password',
    paragraphs: [
      'Someone asked to reset the password of the VictorySync account with this address.',
      `The link works once, within ${input.lifetimeMinutes} minutes. Using it signs the account out everywhere.`,
      'If it was not you, ignore this message: the password stays as it is.',
    ],
    action: 'Choose a new password',
    url: input.url,
    footer: 'VictorySync account security',
  });
}

export function verificationMail(input: { url: string; lifetimeHours: number }): RenderedMail {
  return actionMail({
    subject: 'Confirm your email address for VictorySync',
    heading: 'Confirm your email address',
    paragraphs: [
      'Confirm that this address is yours, so invitations and password resets can reach you.',
      `The link works once, within ${input.lifetimeHours} hours.`,
    ],
    action: 'Confirm my address',
    url: input.url,
    footer: 'VictorySync account security. If you did not ask for this, ignore this message.',
  });
}
