// `npm run sim`: serves the simulator on MIGHTYCALL_SIM_PORT (default 4010) with the demo account.
import { DEFAULT_HISTORY_DAYS, DEFAULT_SEED, DEMO_API_KEY, DEMO_EXTENSION, DEMO_USER_KEY } from './accounts.js';
import { startSimulator } from './simulator.js';

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

const port = numberEnv('MIGHTYCALL_SIM_PORT', 4010);
const hostname = process.env.MIGHTYCALL_SIM_HOST ?? '127.0.0.1';
const seed = numberEnv('MIGHTYCALL_SIM_SEED', DEFAULT_SEED);
const historyDays = numberEnv('MIGHTYCALL_SIM_DAYS', DEFAULT_HISTORY_DAYS);
const liveCompression = numberEnv('MIGHTYCALL_SIM_LIVE', 0);

const sim = await startSimulator({
  port,
  hostname,
  demo: { seed, historyDays },
  ...(liveCompression > 0 ? { live: { compression: liveCompression } } : {}),
});
console.log(
  `MightyCall simulator on ${sim.url} (base ${sim.url}/v4/api, token ${sim.url}/v4/auth/token) — ` +
    `api key ${DEMO_API_KEY}, user key ${DEMO_USER_KEY} (or extension ${DEMO_EXTENSION}), seed ${seed}, ${historyDays} days` +
    (liveCompression > 0 ? `, live traffic ×${liveCompression}` : ''),
);

const shutdown = () => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
