// The Hono environment shared by the simulator's routes: the authenticated account/user and node bindings.
import type { SimAccount, SimUser } from './types.js';

/** Only what the simulator needs from @hono/node-server's bindings (absent under app.request()). */
export interface NodeBindings {
  incoming?: { socket?: { destroy(error?: Error): void } | null };
}

export interface SimEnv {
  Variables: { account: SimAccount; user: SimUser };
  Bindings: NodeBindings;
}
