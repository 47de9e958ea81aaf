// Demo mode: the MightyCall simulator in-process, connected like a real account, with live calls flowing in.
import { DEMO_ALERT_CALL_DELAY_MS, demoWaitingCall } from '../alerts/demo.js';
import { systemPrincipal } from '../auth/principal.js';
import { DEMO_PROVIDER_ACCOUNT } from '../bootstrap/seed.js';
import { withPrincipal } from '../db/tenant.js';
import type { AppDeps } from '../http/context.js';
import { COLUMNS, createConnection, updateConnection, webhookUrlOf } from './connections.js';

const SYSTEM = systemPrincipal('mightycall demo');
/**
 * A working week as it happens: the generator's calls at their real time of day (no compression), each org's
 * only in its opening hours in its own zone, lasting as long as the history's (no scaling). Three times the
 * history's volume, so a visitor sees a call every few minutes while any org is open.
 */
export const DEMO_LIVE_TRAFFIC = { compression: 1, durationScale: 1, volume: 3, openHoursOnly: true } as const;

export interface DemoMightyCall {
  simUrl: string;
  stop(): Promise<void>;
}

/** Starts the simulator (MIGHTYCALL_SIM_PORT, or any free port), points the demo connection at it, plays calls. */
export async function startDemoMightyCall(deps: AppDeps, serverUrl: string): Promise<DemoMightyCall> {
  const { startSimulator, DEMO_API_KEY, DEMO_USER_KEY } = await import('@victorysync/mightycall-sim');
  const { demoTopology } = await import('@victorysync/datagen');
  const { logger, config } = deps;
  const runtime = deps.mightycall;
  const sim = await startSimulator({ port: config.mightycall.simPort }).catch((error: unknown) => {
    if (!(error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')) throw error;
    logger.warn('MIGHTYCALL_SIM_PORT is taken: the simulator uses a free port instead', {
      port: config.mightycall.simPort,
    });
    return startSimulator({ port: 0 });
  });
  let alertCall: NodeJS.Timeout | undefined;
  try {
    const box = runtime.box();
    const row = await withPrincipal(deps.database.db, SYSTEM, async (tx) => {
      const existing = await tx
        .selectFrom('mightycall_connections')
        .select(COLUMNS)
        .where('provider_account', '=', DEMO_PROVIDER_ACCOUNT)
        .executeTakeFirst();
      // The seed already holds the history: the first calls sync starts now. A new port each start is fine.
      if (existing) {
        return updateConnection(tx, box, existing.id, { host: 'custom', baseUrl: sim.url }, runtime.webhookConnections);
      }
      return createConnection(
        tx,
        box,
        {
          name: 'Demo account (simulated MightyCall)',
          host: 'custom',
          baseUrl: sim.url,
          apiKey: DEMO_API_KEY,
          userKey: DEMO_USER_KEY,
          providerAccount: DEMO_PROVIDER_ACCOUNT,
        },
        { createdBy: null, callsFrom: new Date(runtime.clock.now()) },
      );
    });
    const webhookUrl = webhookUrlOf(serverUrl, row.id, runtime.secretsOf(row).webhookToken);
    const registered = await sim.control.registerWebhook(DEMO_API_KEY, webhookUrl);
    if (!registered.ok) throw new Error(`the simulator could not register the webhook: ${registered.error}`);
    sim.control.startLive(DEMO_LIVE_TRAFFIC);
    alertCall = playDemoWaitingCall(deps, demoTopology(), (script) =>
      // Part of the demo's traffic: once the live traffic is stopped (the browser tests hold figures still), not played.
      sim.control.liveStatus().running ? sim.control.emitCall(DEMO_API_KEY, script, { realtime: true }) : null,
    );
    runtime.scheduler.kick();
    logger.info('MightyCall simulator running with live demo calls', { simUrl: sim.url, connectionId: row.id });
  } catch (error) {
    clearTimeout(alertCall);
    await sim.close();
    throw error;
  }
  return {
    simUrl: sim.url,
    stop: () => {
      clearTimeout(alertCall);
      return sim.close();
    },
  };
}

/**
 * The demo's alert at any time of day (live calls only ring in opening hours): shortly after start-up one call
 * waits long enough to fire the first org's seeded rule, then an agent answers it and the alert resolves.
 */
function playDemoWaitingCall(
  deps: AppDeps,
  topology: Parameters<typeof demoWaitingCall>[0],
  emit: (script: NonNullable<ReturnType<typeof demoWaitingCall>>) => Promise<unknown> | null,
): NodeJS.Timeout | undefined {
  const script = demoWaitingCall(topology);
  if (!script) return undefined;
  const timer = setTimeout(() => {
    emit(script)?.then(
      () => deps.logger.info("demo: a caller waits on the first org's line (its alert rule fires, then resolves)"),
      (error: unknown) =>
        deps.logger.warn('demo: the waiting call could not be played', {
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }, DEMO_ALERT_CALL_DELAY_MS);
  timer.unref();
  return timer;
}
