// A server's MightyCall state: secret box, quota budget, token cache, clients, scheduler, inbox worker, live hub,
// and the webhook receiver's connection cache and inbox writer. Built once by createServices (services.ts).
import { systemPrincipal } from '../auth/principal.js';
import type { CoreDeps } from '../core-deps.js';
import { withPrincipal } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import type { JobRunner } from '../jobs/runner.js';
import { type ClientConfig, MightyCallClient } from './client/client.js';
import { QuotaBudget } from './client/quota.js';
import { TokenCache } from './client/tokens.js';
import { type Clock, systemClock } from './client/transport.js';
import { ConnectionCache, type ConnectionCacheOptions } from './connection-cache.js';
import { COLUMNS, type ConnectionSecrets, loadSecrets, webhookSecretDigests } from './connections.js';
import type { ConnectionRow } from './db-types.js';
import { EventWindow } from './ingest/event-window.js';
import { InboxWorker } from './ingest/fold-loop.js';
import { insertInboxRows } from './ingest/inbox.js';
import { InboxWriter } from './ingest/inbox-writer.js';
import { IngestMeter } from './ingest/ingest-meter.js';
import { LiveHub } from './ingest/live.js';
import { parseSecretKey, SecretBox } from './secrets.js';
import { SyncScheduler } from './sync/scheduler.js';

export interface RuntimeOptions {
  /** the 32-byte key (default: VICTORYSYNC_SECRET_KEY from the config) */
  secretKey?: Buffer;
  clock?: Clock;
  fetch?: typeof fetch;
  /** client retry tuning (tests shorten the waits) */
  backoffBaseMs?: number;
  timeoutMs?: number;
  workerPollMs?: number;
  livePollMs?: number;
  /** how often an open live stream checks its caller may still watch (default 10 s; tests shorten it) */
  liveRecheckMs?: number;
  /** the webhook receiver's connection cache tuning (tests: a clock of their own) */
  webhookCache?: ConnectionCacheOptions;
}

export interface MightyCallRuntime {
  clock: Clock;
  budget: QuotaBudget;
  scheduler: SyncScheduler;
  worker: InboxWorker;
  /** webhook arrivals per recent window: the worker stands aside while they pour in */
  ingest: IngestMeter;
  hub: LiveHub;
  /** the time window webhook events must fall in, and the count of those refused */
  webhookWindow: EventWindow;
  /** what the webhook receiver needs of each connection, kept a few seconds (its stats show the lookups saved) */
  webhookConnections: ConnectionCache;
  /** stores webhook events: those of concurrent deliveries share a transaction (group commit) */
  inbox: InboxWriter;
  /** ms between an open live stream's access checks: a revoked credential ends it within this and one check */
  liveRecheckMs: number;
  /** throws 503 when no secret key is configured */
  box(): SecretBox;
  secretsOf(row: ConnectionRow): ConnectionSecrets;
  clientFor(row: ConnectionRow): MightyCallClient;
  /** a client with its own token cache and few retries: the credentials check of POST …/test */
  checkingClientFor(row: ConnectionRow): MightyCallClient;
  /** the same for keys not saved yet: creating a connection checks them first */
  checkingClient(credentials: ClientConfig): MightyCallClient;
  /** starts the webhook inbox worker (main.ts; the sync runs on the job runner); tests drive them by hand */
  start(): void;
  stop(): Promise<void>;
}

const SYSTEM = systemPrincipal('mightycall webhooks');

/**
 * Builds the runtime; MightyCall sync becomes a recurring kind of `runner` (the process's one job runner) where
 * this process runs MightyCall jobs and has a secret key to read the stored credentials with.
 */
export function createMightyCallRuntime(
  deps: CoreDeps,
  runner: JobRunner,
  options: RuntimeOptions = {},
): MightyCallRuntime {
  const { database, logger, config } = deps;
  const clock = options.clock ?? systemClock;
  const key = options.secretKey ?? (config.secretKey ? parseSecretKey(config.secretKey) : null);
  const secretBox = key ? new SecretBox(key) : null;
  const budget = new QuotaBudget(database.db, clock);
  const tokens = new TokenCache();
  const clients = new Map<string, { stamp: number; client: MightyCallClient }>();

  const box = (): SecretBox => {
    if (!secretBox) {
      throw new AppError(503, 'secret_key_missing', 'VICTORYSYNC_SECRET_KEY is not configured on this server.');
    }
    return secretBox;
  };
  const secretsOf = (row: ConnectionRow) => loadSecrets(box(), row);
  const build = (credentials: ClientConfig, cache: TokenCache, maxRetries?: number) =>
    new MightyCallClient(credentials, {
      budget,
      clock,
      tokens: cache,
      ...(maxRetries !== undefined ? { maxRetries } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.backoffBaseMs !== undefined ? { backoffBaseMs: options.backoffBaseMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  const credentialsOf = (row: ConnectionRow): ClientConfig => {
    const secrets = secretsOf(row);
    return { baseUrl: row.base_url, apiKey: secrets.apiKey, userKey: secrets.userKey, account: row.provider_account };
  };
  const clientFor = (row: ConnectionRow): MightyCallClient => {
    const stamp = row.updated_at.getTime();
    const cached = clients.get(row.id);
    if (cached && cached.stamp === stamp) return cached.client;
    const client = build(credentialsOf(row), tokens);
    clients.set(row.id, { stamp, client });
    return client;
  };

  const scheduler = new SyncScheduler({
    db: database.db,
    clock,
    logger,
    clientFor,
    runner,
    callsIntervalMs: config.mightycall.syncIntervalSeconds * 1000,
  });
  if (secretBox && config.mightycall.jobs) runner.registerRecurring(scheduler);
  const ingest = new IngestMeter();
  const worker = new InboxWorker({
    db: database.db,
    clock,
    logger,
    pressure: () => ingest.busy(),
    budget,
    clientFor: async (connectionId) => {
      const row = await withPrincipal(database.db, SYSTEM, (tx) =>
        tx.selectFrom('mightycall_connections').select(COLUMNS).where('id', '=', connectionId).executeTakeFirst(),
      );
      if (!row?.enabled || row.credentials_refused_at || !secretBox) return null;
      return { client: clientFor(row), account: row.provider_account };
    },
    ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
  });
  const hub = new LiveHub(database.db, clock, logger, options.livePollMs ? { pollMs: options.livePollMs } : {});
  const webhookConnections = new ConnectionCache(async (id) => {
    const row = await withPrincipal(database.db, SYSTEM, (tx) =>
      tx.selectFrom('mightycall_connections').select(COLUMNS).where('id', '=', id).executeTakeFirst(),
    );
    return row ? { row, ...webhookSecretDigests(box(), row) } : null;
  }, options.webhookCache);
  // One INSERT per batch, committed in the same write: a batch costs the database one round trip.
  const inbox = new InboxWriter((rows) =>
    withPrincipal(database.db, SYSTEM, (tx) => insertInboxRows(tx, rows), { oneStatement: true }),
  );

  return {
    clock,
    budget,
    scheduler,
    worker,
    ingest,
    hub,
    webhookWindow: new EventWindow(config.mightycall.webhookWindow),
    webhookConnections,
    inbox,
    liveRecheckMs: options.liveRecheckMs ?? config.mightycall.liveHeartbeatMs,
    box,
    secretsOf,
    clientFor,
    checkingClientFor: (row) => build(credentialsOf(row), new TokenCache(), 1),
    checkingClient: (credentials) => build(credentials, new TokenCache(), 1),
    start() {
      // The sync runs on the job runner (main.ts starts it); the inbox worker and live fan-out are MightyCall's own.
      if (!config.mightycall.jobs) return;
      worker.start();
    },
    async stop() {
      hub.close();
      await worker.stop();
    },
  };
}
