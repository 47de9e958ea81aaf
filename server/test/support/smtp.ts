// A real SMTP server inside the test (smtp-server), and what arrived at it parsed (mailparser).
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Arrival {
  envelope: { from: string; to: string[] };
  /** the AUTH user the client signed in as (null: no AUTH) */
  user: string | null;
  mail: ParsedMail;
}

export interface TestSmtp {
  port: number;
  arrivals: Arrival[];
  /** SMTP_URL for this server with the given credentials */
  url: string;
  stop(): Promise<void>;
  /** listens again on the same port */
  start(): Promise<void>;
}

export const SMTP_USER = 'mailer@victorysync.test';
export const SMTP_PASSWORD = 'smtp-s3cret-Pa55word';

/**
 * Starts an SMTP server on a free port that wants AUTH (SMTP_USER / SMTP_PASSWORD) and refuses recipients whose
 * address starts with 'bounce' (550, a permanent refusal).
 */
export async function startTestSmtp(): Promise<TestSmtp> {
  const arrivals: Arrival[] = [];
  const make = () =>
    new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, done) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) done(null, { user: auth.username });
        else done(new Error('535 5.7.8 Authentication credentials invalid'));
      },
      onRcptTo(address, _session, done) {
        if (address.address.startsWith('bounce')) {
          const error = new Error('550 5.1.1 No such mailbox here') as Error & { responseCode: number };
          error.responseCode = 550;
          done(error);
          return;
        }
        done();
      },
      onData(stream, session, done) {
        simpleParser(stream)
          .then((mail) => {
            arrivals.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              user: typeof session.user === 'string' ? session.user : null,
              mail,
            });
            done();
          })
          .catch((error: unknown) => done(error as Error));
      },
    });
  let server = make();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  return {
    port,
    arrivals,
    url: `smtp://${encodeURIComponent(SMTP_USER)}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async start() {
      server = make();
      await listen(port);
    },
  };
}
