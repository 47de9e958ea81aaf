// Fake MightyCall accounts: the demo account, building accounts from datagen topologies, the registry.
import { demoTopology, generateCalls, type Topology } from '@victorysync/datagen';
import { addCall, planFromGenerated, recordFromPlan } from './calls.js';
import { digitsOf, splitName, timestamp } from './format.js';
import { randomGuid, seededGuid } from './ids.js';
import { DAY_MS, DEFAULT_DAILY_QUOTA, QuotaTracker } from './quota.js';
import type {
  AccountSettings,
  Product,
  ProfileRole,
  SimAccount,
  SimGroup,
  SimPhoneNumber,
  SimUser,
  UserStatus,
  WebhookSwitches,
} from './types.js';

export const DEMO_API_KEY = 'sim-demo-api-key';
export const DEMO_USER_KEY = 'sim-demo-user-key';
/** The demo admin's extension, which also works as client_secret (classic product). */
export const DEMO_EXTENSION = '101';
export const DEFAULT_SEED = 42;
export const DEFAULT_HISTORY_DAYS = 60;

export interface UserInput {
  extension: string;
  name?: string;
  email?: string;
  role?: ProfileRole;
  userKey?: string;
  status?: UserStatus;
}

export interface AccountInput {
  /** default: a random GUID */
  apiKey?: string;
  name?: string;
  product?: Product;
  /** seed for history, GUIDs and plans (default 42) */
  seed?: number;
  /** days of generated call history before "now" (default 60; 0 for none) */
  historyDays?: number;
  /** multiplies the generator's calls per day */
  volume?: number;
  /** default: demoTopology() */
  topology?: Topology;
  /** keep only these orgs' numbers and agents from the topology */
  orgKeys?: string[];
  /** default: one user per topology agent, the first one admin */
  users?: UserInput[];
  /** user key of the admin user (default: derived from the api key) */
  adminUserKey?: string;
  /** add a deleted-and-re-added number and a retired number (default true) */
  seedDeletedNumbers?: boolean;
  settings?: Partial<Omit<AccountSettings, 'webhooks'>> & { webhooks?: Partial<WebhookSwitches> };
  quotaLimit?: number;
}

export function defaultWebhookSwitches(): WebhookSwitches {
  return {
    shuffle: false,
    duplicateRate: 0,
    dropRate: 0,
    repeatRinging: false,
    agentVariantNames: false,
    typoVoicemailEvent: false,
    retryOnNon2xx: false,
    timeoutMs: 8000,
  };
}

export function defaultSettings(): AccountSettings {
  return {
    journalEnvelope: 'top',
    enumCase: 'camel',
    callByIdEnvelope: 'wrapped',
    requireApiKeyHeader: true,
    showInProgressCalls: true,
    recordingLinkTtlMs: null,
    webhooks: defaultWebhookSwitches(),
  };
}

export function applySettings(account: SimAccount, patch: AccountInput['settings']): void {
  if (!patch) return;
  const { webhooks, ...rest } = patch;
  Object.assign(account.settings, rest);
  if (webhooks) Object.assign(account.settings.webhooks, webhooks);
}

function filterTopology(topology: Topology, orgKeys: string[] | undefined): Topology {
  if (!orgKeys || orgKeys.length === 0) return topology;
  const keep = new Set(orgKeys);
  return {
    orgs: topology.orgs.filter((o) => keep.has(o.key)),
    agents: topology.agents.filter((a) => keep.has(a.orgKey)),
    numbers: topology.numbers
      .filter((n) => n.orgKeys.some((k) => keep.has(k)))
      .map((n) => ({ ...n, orgKeys: n.orgKeys.filter((k) => keep.has(k)) })),
  };
}

function buildUsers(apiKey: string, seed: number, topology: Topology, input: AccountInput): SimUser[] {
  const given: UserInput[] =
    input.users ?? topology.agents.map((a) => ({ extension: a.extension, name: a.name, email: a.email }));
  return given.map((u, i) => {
    const { firstName, lastName } = splitName(u.name ?? `User ${u.extension}`);
    const role: ProfileRole = u.role ?? (i === 0 ? 'admin' : 'user');
    const derivedKey = `uk-${seededGuid(seed, apiKey, 'user-key', u.extension).replace(/-/g, '')}`;
    return {
      userGuid: seededGuid(seed, apiKey, 'user', u.extension),
      firstName,
      lastName,
      email: u.email ?? `user${u.extension}@sim.example`,
      extension: u.extension,
      role,
      userKey: u.userKey ?? (role === 'admin' && i === 0 && input.adminUserKey ? input.adminUserKey : derivedKey),
      status: u.status ?? 'available',
    };
  });
}

function buildNumbers(
  apiKey: string,
  seed: number,
  topology: Topology,
  now: number,
  withDeleted: boolean,
): { numbers: SimPhoneNumber[]; deletedNumbers: SimPhoneNumber[] } {
  const numbers: SimPhoneNumber[] = topology.numbers.map((n, i) => ({
    objectGuid: seededGuid(seed, apiKey, 'number', n.e164),
    number: n.e164,
    label: n.label,
    queue: n.queue,
    isPrimary: i === 0,
    lastUsed: i === 0,
    whenDeleted: null,
  }));
  const deletedNumbers: SimPhoneNumber[] = [];
  const first = numbers[0];
  if (withDeleted && first) {
    // The primary number was deleted once and re-added, so it is in both lists (as seen in production).
    deletedNumbers.push({
      ...first,
      objectGuid: seededGuid(seed, apiKey, 'deleted-number', first.number),
      isPrimary: false,
      lastUsed: false,
      whenDeleted: timestamp(now - 40 * DAY_MS + 12_345, 7, 'Z'),
    });
    // A number that was retired for good.
    const digits = digitsOf(first.number);
    const retired = `+${digits.slice(0, -2)}${digits.endsWith('99') ? '98' : '99'}`;
    if (!numbers.some((n) => n.number === retired)) {
      deletedNumbers.push({
        objectGuid: seededGuid(seed, apiKey, 'deleted-number', retired),
        number: retired,
        label: 'Retired line',
        queue: null,
        isPrimary: false,
        lastUsed: false,
        whenDeleted: timestamp(now - 90 * DAY_MS + 6_789, 7, 'Z'),
      });
    }
  }
  return { numbers, deletedNumbers };
}

function buildGroups(
  apiKey: string,
  seed: number,
  numbers: SimPhoneNumber[],
): { groups: SimGroup[]; vmboxes: SimGroup[] } {
  const queues = [...new Set(numbers.map((n) => n.queue).filter((q): q is string => q !== null))];
  const groups = queues.map((q) => ({ id: seededGuid(seed, apiKey, 'group', q), name: q }));
  const boxNames = ['General voicemail', ...queues.map((q) => `${q} voicemail`)];
  const vmboxes = boxNames.map((name) => ({ id: seededGuid(seed, apiKey, 'vmbox', name), name }));
  return { groups, vmboxes };
}

/** Builds an account and fills its history from the generator: calls in [now − historyDays, now). */
export function buildAccount(input: AccountInput, now: number): SimAccount {
  const apiKey = input.apiKey ?? randomGuid();
  const seed = input.seed ?? DEFAULT_SEED;
  const topology = filterTopology(input.topology ?? demoTopology(), input.orgKeys);
  const { numbers, deletedNumbers } = buildNumbers(apiKey, seed, topology, now, input.seedDeletedNumbers ?? true);
  const { groups, vmboxes } = buildGroups(apiKey, seed, numbers);
  const account: SimAccount = {
    apiKey,
    name: input.name ?? `Account ${apiKey.slice(0, 8)}`,
    product: input.product ?? 'classic',
    seed,
    topology,
    users: buildUsers(apiKey, seed, topology, input),
    numbers,
    deletedNumbers,
    groups,
    vmboxes,
    calls: [],
    callsById: new Map(),
    mediaById: new Map(),
    webhookUrls: [],
    settings: defaultSettings(),
    quota: new QuotaTracker(input.quotaLimit ?? DEFAULT_DAILY_QUOTA),
  };
  applySettings(account, input.settings);
  const days = input.historyDays ?? DEFAULT_HISTORY_DAYS;
  if (days > 0) {
    const options = { seed, from: new Date(now - days * DAY_MS), to: new Date(now), volume: input.volume ?? 1 };
    for (const g of generateCalls(topology, options)) {
      addCall(account, recordFromPlan(account, planFromGenerated(account, g), true));
    }
  }
  return account;
}

/** The documented demo account: fixed keys, the demo topology, seed 42, 60 days of history. */
export function demoAccountInput(overrides: Partial<AccountInput> = {}): AccountInput {
  return {
    apiKey: DEMO_API_KEY,
    name: 'VictorySync demo (simulated MightyCall)',
    product: 'classic',
    seed: DEFAULT_SEED,
    historyDays: DEFAULT_HISTORY_DAYS,
    adminUserKey: DEMO_USER_KEY,
    ...overrides,
  };
}

export class AccountRegistry {
  private readonly byKey = new Map<string, SimAccount>();

  constructor(private readonly now: () => number) {}

  add(input: AccountInput): SimAccount {
    if (input.apiKey && this.byKey.has(input.apiKey)) throw new Error(`account ${input.apiKey} already exists`);
    const account = buildAccount(input, this.now());
    this.byKey.set(account.apiKey, account);
    return account;
  }

  get(apiKey: string | undefined | null): SimAccount | undefined {
    return apiKey ? this.byKey.get(apiKey) : undefined;
  }

  require(apiKey: string): SimAccount {
    const account = this.byKey.get(apiKey);
    if (!account) throw new Error(`unknown account ${apiKey}`);
    return account;
  }

  remove(apiKey: string): boolean {
    return this.byKey.delete(apiKey);
  }

  list(): SimAccount[] {
    return [...this.byKey.values()];
  }
}

export function userByExtension(account: SimAccount, extension: string | null): SimUser | undefined {
  return extension === null ? undefined : account.users.find((u) => u.extension === extension);
}

export function numberLabel(account: SimAccount, number: string): string {
  return (
    account.numbers.find((n) => n.number === number)?.label ??
    account.deletedNumbers.find((n) => n.number === number)?.label ??
    ''
  );
}
