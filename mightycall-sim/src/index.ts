// Public entry of @victorysync/mightycall-sim: the simulator factory, its control API and the types.

export {
  type AccountInput,
  AccountRegistry,
  DEFAULT_HISTORY_DAYS,
  DEFAULT_SEED,
  DEMO_API_KEY,
  DEMO_EXTENSION,
  DEMO_USER_KEY,
  type UserInput,
} from './accounts.js';
export { AUTH_DENIED, DEFAULT_TOKEN_TTL_SECONDS, type TokenResponse } from './auth.js';
export { createManualClock, type ManualClock, type SimClock, systemClock } from './clock.js';
export type { AccountSummary, SettingsPatch, SimControl } from './control.js';
export type { FaultInput, FaultKind, FaultRule } from './faults.js';
export { JOURNAL_MAX_PAGE_SIZE } from './journal.js';
export type { LiveOptions, LiveStatus } from './live.js';
export { DEFAULT_DAILY_QUOTA, type UsageStats } from './quota.js';
export type { ScriptedCall } from './script.js';
export {
  createSimulator,
  type RunningSimulator,
  type Simulator,
  type SimulatorOptions,
  type StartOptions,
  startSimulator,
} from './simulator.js';
export { retryAfterMessage } from './throttle.js';
export type {
  AccountSettings,
  CallKind,
  EnumCase,
  JournalEnvelope,
  Product,
  WebhookSwitches,
} from './types.js';
export type { DeliveryRecord, EmitOptions, EmitResult, RegisterResult, WebhookEnvelope } from './webhooks.js';
