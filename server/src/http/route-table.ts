// The table of every route registered through defineRoute (http/route.ts) on one app: method, path, permission, org.
import type { Permission } from '../auth/permissions.js';

/** Where a route's org comes from: none, the `:orgId` path parameter, or the optional `?org_id=` query. */
export type OrgSource = 'none' | 'param' | 'query';

export interface RouteEntry {
  method: string;
  /** Hono form, e.g. /api/orgs/:orgId/members */
  path: string;
  permission: Permission;
  org: OrgSource;
}

/**
 * Every route registered through defineRoute on one app, in registration order: what the isolation matrix tests
 * and the permissions document read. One table per app, so a method and path appear in it once.
 */
export class RouteTable {
  private readonly list: RouteEntry[] = [];

  add(entry: RouteEntry): void {
    if (this.list.some((e) => e.method === entry.method && e.path === entry.path)) {
      throw new Error(`${entry.method} ${entry.path} is already in this route table (one table per app)`);
    }
    this.list.push(entry);
  }

  entries(): readonly RouteEntry[] {
    return this.list;
  }
}
