// HTTP control endpoints under /_sim (no auth): accounts, quota, faults, formats, webhooks, calls, live.
import { type Context, type Handler, Hono } from 'hono';
import type { AccountInput } from '../accounts.js';
import type { SettingsPatch, SimControl } from '../control.js';
import type { SimEnv } from '../env.js';
import type { FaultInput } from '../faults.js';
import type { LiveOptions } from '../live.js';
import { ScriptError, type ScriptedCall } from '../script.js';
import type { WebhookSwitches } from '../types.js';

type Shape = Record<
  string,
  'string' | 'number' | 'boolean' | 'object' | 'array' | 'string|number' | 'string|null' | 'number|null'
>;

class BadRequest extends Error {}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Reads a JSON object body and checks the listed fields' types (unlisted fields are rejected). */
async function readBody(c: Context<SimEnv>, shape: Shape): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
  if (typeOf(parsed) !== 'object') throw new BadRequest('body must be a JSON object');
  const body = parsed as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) {
    const expected = shape[key];
    if (!expected) throw new BadRequest(`unknown field ${key}`);
    if (value !== undefined && !expected.split('|').includes(typeOf(value)))
      throw new BadRequest(`${key} must be ${expected}`);
  }
  return body;
}

const ACCOUNT_SHAPE: Shape = {
  apiKey: 'string',
  name: 'string',
  product: 'string',
  seed: 'number',
  historyDays: 'number',
  volume: 'number',
  topology: 'object',
  orgKeys: 'array',
  users: 'array',
  adminUserKey: 'string',
  seedDeletedNumbers: 'boolean',
  settings: 'object',
  quotaLimit: 'number',
};
const SETTINGS_SHAPE: Shape = {
  journalEnvelope: 'string',
  enumCase: 'string',
  callByIdEnvelope: 'string',
  requireApiKeyHeader: 'boolean',
  showInProgressCalls: 'boolean',
  recordingLinkTtlMs: 'number|null',
  webhooks: 'object',
};
const SWITCHES_SHAPE: Shape = {
  shuffle: 'boolean',
  duplicateRate: 'number',
  dropRate: 'number',
  repeatRinging: 'boolean',
  agentVariantNames: 'boolean',
  typoVoicemailEvent: 'boolean',
  retryOnNon2xx: 'boolean',
  timeoutMs: 'number',
};
const FAULT_SHAPE: Shape = {
  path: 'string',
  method: 'string',
  apiKey: 'string',
  kind: 'string',
  latencyMs: 'number',
  status: 'number',
  body: 'object',
  times: 'number',
  after: 'number',
};
const CALL_SHAPE: Shape = {
  kind: 'string',
  id: 'string',
  from: 'string',
  to: 'string',
  widgetName: 'string',
  extension: 'string',
  ringExtensions: 'array',
  answeredBy: 'string|null',
  answered: 'boolean',
  ringSeconds: 'number',
  talkSeconds: 'number',
  voicemail: 'boolean',
  voicemailSeconds: 'number',
  consultWith: 'string',
  transferTo: 'string',
  startAt: 'string|number',
  realtime: 'boolean',
  speed: 'number',
};
const LIVE_SHAPE: Shape = {
  apiKey: 'string',
  compression: 'number',
  tickMs: 'number',
  durationScale: 'number',
  volume: 'number',
  openHoursOnly: 'boolean',
};

function checkSwitches(value: unknown): void {
  if (value === undefined) return;
  if (typeOf(value) !== 'object') throw new BadRequest('webhooks must be an object');
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const expected = SWITCHES_SHAPE[key];
    if (!expected) throw new BadRequest(`unknown webhook switch ${key}`);
    if (typeOf(v) !== expected) throw new BadRequest(`${key} must be ${expected}`);
  }
}

export function controlRoutes(control: SimControl, media: Handler<SimEnv>): Hono<SimEnv> {
  const r = new Hono<SimEnv>();
  const account = (c: Context<SimEnv>) => {
    const apiKey = c.req.param('apiKey') ?? '';
    if (!control.getAccount(apiKey)) throw new NotFound(`unknown account ${apiKey}`);
    return apiKey;
  };

  r.onError((error, c) => {
    if (error instanceof NotFound) return c.json({ error: error.message }, 404);
    if (error instanceof BadRequest || error instanceof ScriptError || error instanceof Error) {
      return c.json({ error: error.message }, 400);
    }
    return c.json({ error: 'internal error' }, 500);
  });

  r.get('/accounts', (c) => c.json(control.listAccounts()));
  r.post('/accounts', async (c) => {
    const body = await readBody(c, ACCOUNT_SHAPE);
    if (body.settings !== undefined) checkSwitches((body.settings as Record<string, unknown>).webhooks);
    return c.json(control.addAccount(body as AccountInput), 201);
  });
  r.get('/accounts/:apiKey', (c) => c.json(control.getAccount(account(c))));
  r.delete('/accounts/:apiKey', (c) => c.json({ removed: control.removeAccount(account(c)) }));

  r.patch('/accounts/:apiKey/settings', async (c) => {
    const apiKey = account(c);
    const body = await readBody(c, SETTINGS_SHAPE);
    checkSwitches(body.webhooks);
    return c.json(control.updateSettings(apiKey, body as SettingsPatch));
  });
  r.put('/accounts/:apiKey/quota', async (c) => {
    const apiKey = account(c);
    const body = await readBody(c, { limit: 'number', reset: 'boolean' });
    return c.json(control.setQuota(apiKey, body as { limit?: number; reset?: boolean }));
  });
  r.get('/accounts/:apiKey/usage', (c) => c.json(control.usage(account(c))));
  r.delete('/accounts/:apiKey/usage', (c) => c.json(control.resetUsage(account(c))));
  r.post('/accounts/:apiKey/tokens/expire', (c) => c.json({ expired: control.expireTokens(account(c)) }));

  r.get('/accounts/:apiKey/webhooks', (c) => c.json({ urls: control.getAccount(account(c))?.webhookUrls ?? [] }));
  r.post('/accounts/:apiKey/webhooks', async (c) => {
    const apiKey = account(c);
    const body = await readBody(c, { url: 'string' });
    if (typeof body.url !== 'string') throw new BadRequest('url is required');
    const result = await control.registerWebhook(apiKey, body.url);
    return result.ok ? c.json({ urls: result.urls }, 201) : c.json({ error: result.error }, 400);
  });
  r.delete('/accounts/:apiKey/webhooks', (c) =>
    c.json({ urls: control.unregisterWebhook(account(c), c.req.query('url')) }),
  );
  r.patch('/accounts/:apiKey/webhook-switches', async (c) => {
    const apiKey = account(c);
    const body = await readBody(c, SWITCHES_SHAPE);
    return c.json(control.setWebhookSwitches(apiKey, body as Partial<WebhookSwitches>));
  });

  r.post('/accounts/:apiKey/calls', async (c) => {
    const apiKey = account(c);
    const { realtime, speed, ...script } = await readBody(c, CALL_SHAPE);
    const options = { realtime: realtime === true, speed: typeof speed === 'number' ? speed : 1 };
    const result = await control.emitCall(apiKey, script as ScriptedCall, options);
    const { done: _done, ...rest } = result;
    return c.json(rest, options.realtime ? 202 : 201);
  });

  r.get('/deliveries', (c) => c.json(control.deliveries(c.req.query('apiKey'))));
  r.delete('/deliveries', (c) => {
    control.clearDeliveries();
    return c.json({ cleared: true });
  });

  r.get('/faults', (c) => c.json(control.listFaults()));
  r.post('/faults', async (c) =>
    c.json(control.addFault((await readBody(c, FAULT_SHAPE)) as unknown as FaultInput), 201),
  );
  r.delete('/faults', (c) => c.json({ cleared: control.clearFaults() }));
  r.delete('/faults/:id', (c) => c.json({ cleared: control.clearFaults(Number(c.req.param('id'))) }));

  r.get('/live', (c) => c.json(control.liveStatus()));
  r.post('/live/start', async (c) => c.json(control.startLive((await readBody(c, LIVE_SHAPE)) as LiveOptions)));
  r.post('/live/stop', (c) => c.json(control.stopLive()));

  r.post('/clock/advance', async (c) => {
    const body = await readBody(c, { ms: 'number' });
    return c.json({ now: new Date(control.advanceClock(typeof body.ms === 'number' ? body.ms : 0)).toISOString() });
  });
  r.put('/token-ttl', async (c) => {
    const body = await readBody(c, { seconds: 'number' });
    control.setTokenTtl(typeof body.seconds === 'number' ? body.seconds : Number.NaN);
    return c.json({ seconds: body.seconds });
  });

  r.get('/recordings/:file', media);

  return r;
}

class NotFound extends Error {}
