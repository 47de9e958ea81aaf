// Process entry: config → database → migrate → bootstrap → services → app → listen → jobs; graceful SIGTERM shutdown
// (stop taking work, finish what is in flight, hand the jobs over, exit; forced after VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS).
import type { Server } from 'node:http';
import net from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootstrap } from './bootstrap/seed.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { MigrationError, migrate } from './db/migrate.js';
import { Lifecycle } from './health/lifecycle.js';
import { ConnectionDrain } from './http/drain.js';
import { createLogger } from './http/logger.js';
import { type DemoMightyCall, startDemoMightyCall } from './mightycall/demo.js';
import { resolveSecretKey } from './mightycall/secrets.js';
import { createServices } from './services.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Before the database: a missing key outside demo mode stops start-up with a clear message.
  const secretKey = await resolveSecretKey(config, logger);
  const database = await openDatabase(
    config.database.kind === 'pglite'
      ? { kind: 'pglite', dataDir: config.database.dataDir }
      : {
          kind: 'postgres',
          url: config.database.url,
          poolSize: config.database.poolSize,
          ...(config.database.readUrl ? { readUrl: config.database.readUrl } : {}),
          prepare: config.database.prepare,
          pooler: config.database.pooler,
        },
  );
  // Nothing listens until the schema is current: a proxy's connection is refused and goes to another process.
  const lifecycle = new Lifecycle('migrating');
  const migration = await migrate(database.db, database.schema);
  logger.info('database ready', {
    kind: database.kind,
    migrationVersion: migration.version,
    applied: migration.applied,
    ...(config.database.kind === 'pglite' ? { dataDir: config.database.dataDir } : {}),
  });

  const boot = await bootstrap(database, { admin: config.admin, demo: config.demo });
  if (boot.demoSeeded) logger.info('demo data created', { orgs: 3 });

  const deps = createServices({ config, database, logger }, { mightycall: { secretKey }, lifecycle });
  const app = createApp(deps);
  const { mightycall, auth, jobs } = deps;
  let demo: DemoMightyCall | null = null;
  // Plain HTTP/1.1 server (serve() is typed for HTTP/2 too).
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    const url = `http://localhost:${info.port}`;
    logger.info('listening', { url });
    lifecycle.moveTo('ready');
    jobs.start();
    mightycall.start();
    if (config.demo) {
      // Webhooks need the server listening: the simulator validates the URL when it is registered.
      startDemoMightyCall(deps, config.publicUrl ?? `http://127.0.0.1:${info.port}`)
        .then((started) => {
          demo = started;
        })
        .catch((error: unknown) =>
          logger.error('demo MightyCall simulator failed to start', {
            error: error instanceof Error ? error.message : String(error),
          }),
        );
    }
    if (boot.created.length > 0) {
      // Printed once, on the start that created them; only hashes are stored.
      const lines = boot.created.map(
        (u) => `  ${u.role.padEnd(34)} ${u.email}  ${u.password ?? '(password from VICTORYSYNC_ADMIN_PASSWORD)'}`,
      );
      process.stdout.write(
        `\nVictorySync is running at ${url}\nSign in with (shown only this once):\n${lines.join('\n')}\n\n`,
      );
    }
  }) as Server;
  // Idle kept-alive connections stay open a little over a minute (Node's default is 5 s): a webhook sender or a
  // balancer reuses them for its next burst instead of opening hundreds at once, each costing the one thread an
  // accept; longer than the usual balancer idle timeout (60 s), so the balancer is the side that closes them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const drain = new ConnectionDrain(server);

  const shutdown = (signal: string) => {
    if (lifecycle.phase === 'stopping') return;
    // 1. Stop taking work: /ready answers 503, the listener closes (new connections are refused), idle
    //    kept-alive connections close; requests in flight go on.
    lifecycle.moveTo('stopping');
    drain.start();
    logger.info('shutting down', { signal });
    const timeoutMs = config.shutdownTimeoutMs;
    let forced = false;
    const force = setTimeout(() => {
      forced = true;
      logger.warn('forcing shutdown', { afterMs: timeoutMs });
      server.closeAllConnections();
      setTimeout(() => process.exit(1), 2000).unref();
    }, timeoutMs);
    force.unref();
    // Connections with nothing in flight close as they appear (answers in flight close theirs when done).
    const sweep = setInterval(() => drain.sweep(2000), 100);
    sweep.unref();
    // 2. Background work: no new claims; a sync run or inbox round in progress finishes and gives its lease back,
    //    so another process takes the jobs on its next tick. Live streams end (clients reconnect elsewhere).
    const jobsStopped = (async () => {
      await demo?.stop();
      await jobs.stop();
      await mightycall.stop();
      deps.mailer.close();
    })().catch((error: unknown) =>
      logger.warn('stopping background jobs failed', { error: error instanceof Error ? error.message : String(error) }),
    );
    // 3. Once the last in-flight request has been answered and the jobs have stopped: flush, close, exit.
    //    (net.Server's close: http.Server's would also cut connections whose request is not yet read.)
    net.Server.prototype.close.call(server, async () => {
      clearInterval(sweep);
      await jobsStopped;
      // Flush batched API-key last-used times before the database goes away.
      await auth.keys.close();
      await database.close();
      logger.info('stopped', { forced });
      process.exit(forced ? 1 : 0);
    });
    drain.sweep(2000);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof MigrationError) {
    process.stderr.write(`\nVictorySync cannot start: ${error.message}\n\n`);
  } else {
    process.stderr.write(
      `\nVictorySync failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
