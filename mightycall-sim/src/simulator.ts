// Assembles the simulator: the Hono app (MightyCall v4 paths plus /_sim control), its state, and a listener.
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import { type AccountInput, AccountRegistry, demoAccountInput } from './accounts.js';
import { authMiddleware, DEFAULT_TOKEN_TTL_SECONDS, TokenStore, tokenHandler } from './auth.js';
import { type SimClock, systemClock } from './clock.js';
import { createControl, type SimControl } from './control.js';
import type { SimEnv } from './env.js';
import { FaultInjector, faultMiddleware } from './faults.js';
import { type LiveOptions, LiveTraffic } from './live.js';
import { accountRoutes } from './routes/account.js';
import { callRoutes } from './routes/calls.js';
import { controlRoutes } from './routes/control.js';
import { journalRoutes } from './routes/journal.js';
import { mediaHandler } from './routes/media.js';
import { quotaMiddleware } from './throttle.js';
import type { SimAccount } from './types.js';
import { WebhookEmitter } from './webhooks.js';

export interface SimulatorOptions {
  /** default: the system clock; pass createManualClock() to drive token expiry and quotas by hand */
  clock?: SimClock;
  /** access-token lifetime reported as expires_in (default 86399) */
  tokenTtlSeconds?: number;
  /** the demo account: true (default), false for none, or overrides (seed, historyDays, quotaLimit, …) */
  demo?: boolean | Partial<AccountInput>;
  /** further accounts to create */
  accounts?: AccountInput[];
  /** start live traffic right away */
  live?: LiveOptions;
}

export interface Simulator {
  app: Hono<SimEnv>;
  accounts: AccountRegistry;
  clock: SimClock;
  tokens: TokenStore;
  faults: FaultInjector;
  webhooks: WebhookEmitter;
  live: LiveTraffic;
  /** the typed in-process control API (the /_sim endpoints call the same methods) */
  control: SimControl;
  /** stops live traffic and pending webhook deliveries */
  close(): Promise<void>;
}

/** Lower-cases /v4/ paths (ASP.NET routing ignores case) and drops a trailing slash. */
function simPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  const query = url.indexOf('?', start);
  let path = url.slice(start, query === -1 ? undefined : query);
  try {
    path = decodeURI(path);
  } catch {
    // keep the raw path
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path.toLowerCase().startsWith('/v4/') ? path.toLowerCase() : path;
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const accounts = new AccountRegistry(now);
  if (options.demo !== false) accounts.add(demoAccountInput(options.demo === true ? {} : options.demo));
  for (const input of options.accounts ?? []) accounts.add(input);
  const tokens = new TokenStore(now, options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  const faults = new FaultInjector();
  const webhooks = new WebhookEmitter(accounts, clock);
  const live = new LiveTraffic(accounts, webhooks, clock);
  const control = createControl({ accounts, tokens, faults, webhooks, live, clock });

  const app = new Hono<SimEnv>({ getPath: simPath });

  // Request counters per api key: every /v4 request naming a known key, whatever its outcome.
  app.use('/v4/*', async (c, next) => {
    await next();
    const account = (c.get('account') as SimAccount | undefined) ?? accounts.get(c.req.header('x-api-key'));
    const route = matchedRoutes(c)
      .filter((r) => r.method !== 'ALL')
      .map((r) => r.path)
      .at(-1);
    account?.quota.record(`${c.req.method} ${route ?? c.req.path}`, c.res.status);
  });
  app.use('/v4/*', faultMiddleware(faults));
  app.post('/v4/auth/token', tokenHandler(accounts, tokens));
  app.use('/v4/api/*', authMiddleware(accounts, tokens));
  app.use('/v4/api/*', quotaMiddleware(now));
  app.route('/v4/api', accountRoutes());
  app.route('/v4/api', callRoutes(clock));
  app.route('/v4/api', journalRoutes(clock));

  const controlApp = controlRoutes(control, mediaHandler(accounts, clock));
  app.route('/_sim', controlApp);
  app.route('/__sim', controlApp);

  app.notFound((c) => {
    if (c.req.path.startsWith('/v4/')) {
      return c.json({ Message: `No HTTP resource was found that matches the request URI '${c.req.url}'.` }, 404);
    }
    return c.json({ error: 'not found' }, 404);
  });
  app.onError((error, c) => {
    console.error('[mightycall-sim]', error);
    return c.json({ message: 'An error has occurred.' }, 500);
  });

  if (options.live) live.start(options.live);

  return {
    app,
    accounts,
    clock,
    tokens,
    faults,
    webhooks,
    live,
    control,
    close: async () => {
      live.stop();
      webhooks.close();
    },
  };
}

export interface StartOptions extends SimulatorOptions {
  /** default 4010; 0 picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  hostname?: string;
}

export interface RunningSimulator extends Simulator {
  port: number;
  /** http://host:port, the base for the adapter (…/v4/api) and the token endpoint (…/v4/auth/token) */
  url: string;
  server: ServerType;
}

/** Creates a simulator and listens; close() also stops the server and its open connections. */
export function startSimulator(options: StartOptions = {}): Promise<RunningSimulator> {
  const sim = createSimulator(options);
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: sim.app.fetch, port: options.port ?? 4010, hostname }, (info: AddressInfo) => {
      const close = async () => {
        await sim.close();
        await new Promise<void>((done) => {
          server.close(() => done());
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      };
      resolve({ ...sim, port: info.port, url: `http://${hostname}:${info.port}`, server, close });
    });
    server.once('error', reject);
  });
}
