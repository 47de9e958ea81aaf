// Time-zone names (issue 21): the canonical IANA names the web app offers in place of old ones are saved as they are
// and the figures are computed in them; a zone stored under an old name stays accepted.
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENAMED_ZONES } from '../../../web/src/metrics/timezones.js';
import { buildWorld, call, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { OrgSchema } from './schema.js';

const OrgBody = z.object({ org: OrgSchema });

describe.each(testTargets())('org time zones on %s', (target) => {
  let w: World;
  const adminA = () => ({ session: w.users.adminA.session });

  beforeAll(async () => {
    w = await buildWorld(target);
  });
  afterAll(async () => {
    await w.close();
  });

  const saveAndCompute = async (timezone: string) => {
    const saved = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}/settings`, { as: adminA(), body: { timezone } });
    expect(saved.status, `${timezone}: ${await saved.clone().text()}`).toBe(200);
    expect(OrgBody.parse(await saved.json()).org.timezone).toBe(timezone);
    for (const path of ['/api/metrics/kpis?range=week', '/api/calls/series?range=day']) {
      const res = await call(w.app, 'GET', `${path}&org_id=${w.orgA}`, { as: adminA() });
      expect(res.status, `${timezone} ${path}: ${await res.clone().text()}`).toBe(200);
    }
  };

  it('saves each canonical name the app offers, exactly, and computes the figures in it', async () => {
    for (const canonical of Object.values(RENAMED_ZONES)) await saveAndCompute(canonical);
  });

  it('keeps accepting the old names an org may have stored', async () => {
    for (const old of Object.keys(RENAMED_ZONES)) await saveAndCompute(old);
  });
});
