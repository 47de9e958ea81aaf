// One test file's world: the server (demo traffic stopped), Chromium, an admin API session and the demo orgs;
// signed-in pages on it.
import type { Browser } from 'playwright-core';
import type { Org } from '../../web/src/api/types.js';
import { type ApiClient, sessionClient } from './api.js';
import { launchBrowser, openPage, signIn, type TrackedPage } from './browser.js';
import { type DemoUser, type RunningServer, startServer, stopDemoTraffic } from './server.js';

export interface World {
  server: RunningServer;
  browser: Browser;
  admin: ApiClient;
  orgs: Org[];
  org: (name: string) => Org;
  demoUser: (rolePrefix: string) => DemoUser;
  /** The demo user whose role starts with `rolePrefix` ('org_admin of ', 'agent of '), and the org the role names. */
  demoMember: (rolePrefix: string) => { user: DemoUser; org: Org };
  /** A demo org other than `org`. */
  otherOrg: (org: Org) => Org;
  /** A new page in the browser, signed in as `who`. */
  signedInPage: (who: { email: string; password: string }) => Promise<TrackedPage>;
  close: () => Promise<void>;
}

export async function createWorld(): Promise<World> {
  const server = await startServer();
  let browser: Browser | null = null;
  try {
    await stopDemoTraffic(server);
    browser = await launchBrowser();
    const admin = await sessionClient(server.baseUrl, server.admin.email, server.admin.password);
    const listed = await admin.get<{ orgs: Org[] }>('/api/admin/orgs');
    if (listed.status !== 200) throw new Error(`GET /api/admin/orgs answered ${listed.status}`);
    const orgs = listed.body.orgs;
    const open = browser;
    const org = (name: string) => {
      const found = orgs.find((o) => o.name === name);
      if (!found) throw new Error(`no demo org named ${name}; have ${orgs.map((o) => o.name).join(', ')}`);
      return found;
    };
    const demoUser = (rolePrefix: string) => {
      const found = server.demoUsers.find((u) => u.role.startsWith(rolePrefix));
      if (!found) throw new Error(`no demo user with role ${rolePrefix}; server printed:\n${server.output()}`);
      return found;
    };
    return {
      server,
      browser: open,
      admin,
      orgs,
      org,
      demoUser,
      demoMember: (rolePrefix) => {
        const user = demoUser(rolePrefix);
        return { user, org: org(user.role.replace(rolePrefix, '')) };
      },
      otherOrg: (of) => {
        const other = orgs.find((o) => o.id !== of.id);
        if (!other) throw new Error('the demo needs a second org');
        return other;
      },
      signedInPage: async (who) => {
        const tab = await openPage(open, server.baseUrl);
        await signIn(tab.page, who.email, who.password);
        return tab;
      },
      close: async () => {
        await open.close();
        await server.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.stop();
    throw error;
  }
}

/** The usual start of a test file: a world, the demo org admin's org, and a page signed in as the platform admin. */
export async function openAdminSession(): Promise<{ world: World; org: Org; tab: TrackedPage }> {
  const world = await createWorld();
  try {
    return { world, org: world.demoMember('org_admin of ').org, tab: await world.signedInPage(world.server.admin) };
  } catch (error) {
    await world.close();
    throw error;
  }
}
