// The typed in-process control API (used by server tests); the /_sim HTTP endpoints call the same methods.
import { type AccountInput, type AccountRegistry, applySettings } from './accounts.js';
import type { TokenStore } from './auth.js';
import { isManualClock, type SimClock } from './clock.js';
import type { FaultInjector, FaultInput, FaultRule } from './faults.js';
import type { LiveOptions, LiveStatus, LiveTraffic } from './live.js';
import type { UsageStats } from './quota.js';
import type { ScriptedCall } from './script.js';
import type { AccountSettings, EnumCase, JournalEnvelope, Product, SimAccount, WebhookSwitches } from './types.js';
import type { DeliveryRecord, EmitOptions, EmitResult, RegisterResult, WebhookEmitter } from './webhooks.js';

export interface AccountSummary {
  apiKey: string;
  name: string;
  product: Product;
  seed: number;
  users: Array<{
    userGuid: string;
    extension: string;
    name: string;
    email: string;
    role: string;
    userKey: string;
    status: string;
  }>;
  numbers: string[];
  deletedNumbers: string[];
  calls: number;
  webhookUrls: string[];
  settings: AccountSettings;
  usage: UsageStats;
}

export type SettingsPatch = Partial<Omit<AccountSettings, 'webhooks'>> & { webhooks?: Partial<WebhookSwitches> };

export interface SimControl {
  listAccounts(): AccountSummary[];
  getAccount(apiKey: string): AccountSummary | undefined;
  addAccount(input: AccountInput): AccountSummary;
  removeAccount(apiKey: string): boolean;
  updateSettings(apiKey: string, patch: SettingsPatch): AccountSettings;
  setJournalFormat(apiKey: string, format: { envelope?: JournalEnvelope; enumCase?: EnumCase }): AccountSettings;
  /** New daily limit and/or a reset of the rolling window. */
  setQuota(apiKey: string, quota: { limit?: number; reset?: boolean }): UsageStats;
  usage(apiKey: string): UsageStats;
  resetUsage(apiKey: string): UsageStats;
  addFault(input: FaultInput): FaultRule;
  listFaults(): FaultRule[];
  clearFaults(id?: number): number;
  registerWebhook(apiKey: string, url: string): Promise<RegisterResult>;
  unregisterWebhook(apiKey: string, url?: string): string[];
  setWebhookSwitches(apiKey: string, patch: Partial<WebhookSwitches>): WebhookSwitches;
  emitCall(apiKey: string, script: ScriptedCall, options?: EmitOptions): Promise<EmitResult>;
  deliveries(apiKey?: string): DeliveryRecord[];
  clearDeliveries(): void;
  startLive(options?: LiveOptions): LiveStatus;
  stopLive(): LiveStatus;
  liveStatus(): LiveStatus;
  /** Expires the access tokens of one account (or all); refresh tokens keep working. */
  expireTokens(apiKey?: string): number;
  setTokenTtl(seconds: number): void;
  /** Manual clocks only. Returns the new time (epoch ms). */
  advanceClock(ms: number): number;
}

export interface ControlDeps {
  accounts: AccountRegistry;
  tokens: TokenStore;
  faults: FaultInjector;
  webhooks: WebhookEmitter;
  live: LiveTraffic;
  clock: SimClock;
}

export function summarize(account: SimAccount, now: number): AccountSummary {
  return {
    apiKey: account.apiKey,
    name: account.name,
    product: account.product,
    seed: account.seed,
    users: account.users.map((u) => ({
      userGuid: u.userGuid,
      extension: u.extension,
      name: `${u.firstName} ${u.lastName}`.trim(),
      email: u.email,
      role: u.role,
      userKey: u.userKey,
      status: u.status,
    })),
    numbers: account.numbers.map((n) => n.number),
    deletedNumbers: account.deletedNumbers.map((n) => n.number),
    calls: account.calls.length,
    webhookUrls: [...account.webhookUrls],
    settings: structuredClone(account.settings),
    usage: account.quota.stats(now),
  };
}

const ENVELOPES: JournalEnvelope[] = ['top', 'data'];
const CASINGS: EnumCase[] = ['camel', 'pascal'];

function checkSettings(patch: SettingsPatch): void {
  if (patch.journalEnvelope !== undefined && !ENVELOPES.includes(patch.journalEnvelope)) {
    throw new Error(`journalEnvelope must be one of ${ENVELOPES.join(', ')}`);
  }
  if (patch.enumCase !== undefined && !CASINGS.includes(patch.enumCase)) {
    throw new Error(`enumCase must be one of ${CASINGS.join(', ')}`);
  }
  if (patch.callByIdEnvelope !== undefined && !['wrapped', 'bare'].includes(patch.callByIdEnvelope)) {
    throw new Error('callByIdEnvelope must be wrapped or bare');
  }
}

export function createControl(deps: ControlDeps): SimControl {
  const { accounts, tokens, faults, webhooks, live, clock } = deps;
  const control: SimControl = {
    listAccounts: () => accounts.list().map((a) => summarize(a, clock.now())),
    getAccount: (apiKey) => {
      const account = accounts.get(apiKey);
      return account ? summarize(account, clock.now()) : undefined;
    },
    addAccount: (input) => {
      if (input.settings) checkSettings(input.settings);
      return summarize(accounts.add(input), clock.now());
    },
    removeAccount: (apiKey) => {
      tokens.revokeAccount(apiKey);
      return accounts.remove(apiKey);
    },
    updateSettings: (apiKey, patch) => {
      checkSettings(patch);
      const account = accounts.require(apiKey);
      applySettings(account, patch);
      return structuredClone(account.settings);
    },
    setJournalFormat: (apiKey, format) =>
      control.updateSettings(apiKey, {
        ...(format.envelope ? { journalEnvelope: format.envelope } : {}),
        ...(format.enumCase ? { enumCase: format.enumCase } : {}),
      }),
    setQuota: (apiKey, quota) => {
      const account = accounts.require(apiKey);
      if (quota.limit !== undefined) {
        if (!Number.isInteger(quota.limit) || quota.limit < 0) throw new Error('limit must be a non-negative integer');
        account.quota.limit = quota.limit;
      }
      if (quota.reset) account.quota.reset();
      return account.quota.stats(clock.now());
    },
    usage: (apiKey) => accounts.require(apiKey).quota.stats(clock.now()),
    resetUsage: (apiKey) => {
      const quota = accounts.require(apiKey).quota;
      quota.resetCounters();
      return quota.stats(clock.now());
    },
    addFault: (input) => faults.add(input),
    listFaults: () => faults.list(),
    clearFaults: (id) => faults.clear(id),
    registerWebhook: (apiKey, url) => webhooks.register(apiKey, url),
    unregisterWebhook: (apiKey, url) => webhooks.unregister(apiKey, url),
    setWebhookSwitches: (apiKey, patch) => {
      const account = accounts.require(apiKey);
      applySettings(account, { webhooks: patch });
      return { ...account.settings.webhooks };
    },
    emitCall: (apiKey, script, options) => webhooks.emitCall(apiKey, script, options),
    deliveries: (apiKey) => webhooks.deliveries(apiKey),
    clearDeliveries: () => webhooks.clearDeliveries(),
    startLive: (options) => live.start(options),
    stopLive: () => live.stop(),
    liveStatus: () => live.status(),
    expireTokens: (apiKey) => tokens.expireAll(apiKey),
    setTokenTtl: (seconds) => {
      if (!(seconds > 0)) throw new Error('token TTL must be positive');
      tokens.ttlSeconds = seconds;
    },
    advanceClock: (ms) => {
      if (!isManualClock(clock))
        throw new Error('the simulator runs on the system clock; pass a manual clock to advance it');
      return clock.advance(ms);
    },
  };
  return control;
}
