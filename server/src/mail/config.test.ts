// SMTP_URL and MAIL_FROM: parsed and validated at start-up; the password is kept out of what may be shown.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSmtpUrl } from '../config.js';
import { scrubSecret } from './mailer.js';

const BASE = { VICTORYSYNC_PUBLIC_URL: 'https://app.example.com', MAIL_FROM: 'VictorySync <reports@example.com>' };

describe('mail configuration', () => {
  it('reads smtps and smtp URLs with credentials; the display form has no password', () => {
    expect(parseSmtpUrl('smtps://apikey:p%40ss%3Aword@smtp.example.com')).toEqual({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      user: 'apikey',
      password: 'p@ss:word',
      display: 'smtps://apikey@smtp.example.com',
    });
    expect(parseSmtpUrl('smtp://relay.internal:2525')).toMatchObject({
      port: 2525,
      secure: false,
      user: null,
      password: null,
      display: 'smtp://relay.internal:2525',
    });
    const config = loadConfig({ ...BASE, SMTP_URL: 'smtp://u:secret-pw@mail.example.com:587' });
    expect(config.mail.smtp?.display).toBe('smtp://u@mail.example.com:587');
    expect(config.mail.from).toBe('VictorySync <reports@example.com>');
  });

  it('without SMTP_URL mail is captured, from a default address', () => {
    const config = loadConfig({});
    expect(config.mail).toEqual({ smtp: null, from: 'VictorySync <no-reply@victorysync.invalid>' });
  });

  it('refuses a malformed SMTP_URL or MAIL_FROM, naming the variable and never echoing the password', () => {
    for (const url of ['https://u:hunter22@mail.example.com', 'smtp://', 'smtp://host/path', 'not a url hunter22']) {
      let message = '';
      try {
        loadConfig({ ...BASE, SMTP_URL: url });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toContain('SMTP_URL');
      expect(message).not.toContain('hunter22');
    }
    expect(() => loadConfig({ ...BASE, MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ ...BASE, MAIL_FROM: 'Name <a@b.example>\r\nBcc: x@y.example' })).toThrow(/MAIL_FROM/);
  });

  it('needs VICTORYSYNC_PUBLIC_URL and MAIL_FROM with SMTP_URL (links in mail never come from a Host header)', () => {
    expect(() => loadConfig({ MAIL_FROM: BASE.MAIL_FROM, SMTP_URL: 'smtp://h:25' })).toThrow(/VICTORYSYNC_PUBLIC_URL/);
    expect(() => loadConfig({ VICTORYSYNC_PUBLIC_URL: BASE.VICTORYSYNC_PUBLIC_URL, SMTP_URL: 'smtp://h:25' })).toThrow(
      /MAIL_FROM/,
    );
  });

  it('scrubs the password from error text in every form it may take', () => {
    const secret = 'pä ss/word';
    const text = `failed: ${secret} ${encodeURIComponent(secret)} ${Buffer.from(secret).toString('base64')}`;
    expect(scrubSecret(text, secret)).toBe('failed: *** *** ***');
  });
});
