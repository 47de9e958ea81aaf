// The origin people reach this server at: VICTORYSYNC_PUBLIC_URL, else the request's own. Links sent to people
// (invitations) and URLs pasted elsewhere (webhooks) must be whole, never a bare path.
import type { Context } from 'hono';
import type { Config } from '../config.js';

export function publicOrigin(config: Pick<Config, 'publicUrl'>, c: Context): string {
  return (config.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
}
