// Readiness (GET /ready) apart from liveness (GET /health), and GET /metrics: closed unless a token is configured,
// refused without it, and the metrics themselves (route patterns, inbox depth and age, sync jobs, pools, errors).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenMatches } from '../src/health/metrics-route.js';
import { testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';

const TOKEN = 'metrics-token-for-tests-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The value of one sample line of an exposition text (name and exact label text), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(testTargets())('operability endpoints on %s', (target) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(target);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it('GET /ready is 200 when ready, 503 with the reason while migrating and once stopping; /health stays 200', async () => {
    const { app, deps } = testApp(database);
    expect(await (await app.request('/ready')).json()).toEqual({ status: 'ready', reason: null });
    deps.lifecycle.moveTo('migrating');
    let res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({ status: 'unavailable', reason: 'migrating' });
    deps.lifecycle.moveTo('ready');
    expect((await app.request('/ready')).status).toBe(200);
    deps.lifecycle.moveTo('stopping');
    res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', reason: 'stopping' });
    // A shutdown is never undone, and liveness is another question.
    deps.lifecycle.moveTo('ready');
    expect((await app.request('/ready')).status).toBe(503);
    expect((await app.request('/health')).status).toBe(200);
  });

  it('GET /ready is 503 (database) when the database does not answer', async () => {
    const other = await openTestDatabase(target, { migrate: false });
    const { app } = testApp(other);
    expect((await app.request('/ready')).status).toBe(200);
    await other.cleanup();
    const res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', reason: 'database' });
  });

  it('GET /metrics does not exist without VICTORYSYNC_METRICS_TOKEN, whatever the request carries', async () => {
    const { app } = testApp(database);
    const res = await app.request('/metrics', { headers: bearer(TOKEN) });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('victorysync_');
  });

  it('GET /metrics refuses a missing or wrong token (401) and answers the right one', async () => {
    const { app } = testApp(database, { VICTORYSYNC_METRICS_TOKEN: TOKEN });
    for (const headers of [{}, bearer(`${TOKEN}x`), bearer(TOKEN.slice(1)), { authorization: TOKEN }]) {
      const res = await app.request('/metrics', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain('victorysync_');
    }
    const res = await app.request('/metrics', { headers: bearer(TOKEN) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toContain(TOKEN);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });

  it('counts requests by route pattern and status class, never by raw path', async () => {
    const { app } = testApp(database, { VICTORYSYNC_METRICS_TOKEN: TOKEN });
    const orgId = '3f0c8a52-1d7e-4c39-9d7a-3c1b3a5e9f01';
    for (let i = 0; i < 3; i++) expect((await app.request(`/api/orgs/${orgId}/live/snapshot`)).status).toBe(401);
    expect((await app.request('/health')).status).toBe(200);
    const text = await (await app.request('/metrics', { headers: bearer(TOKEN) })).text();
    expect(
      sample(
        text,
        'victorysync_http_requests_total{method="GET",route="/api/orgs/:orgId/live/snapshot",status_class="4xx"}',
      ),
    ).toBe(3);
    expect(sample(text, 'victorysync_http_requests_total{method="GET",route="/health",status_class="2xx"}')).toBe(1);
    expect(
      sample(
        text,
        'victorysync_http_request_duration_seconds_count{method="GET",route="/api/orgs/:orgId/live/snapshot",status_class="4xx"}',
      ),
    ).toBe(3);
    expect(text).not.toContain(orgId);
  });

  it('reports the webhook inbox depth and oldest age, the sync jobs, the pools and failed statements', async () => {
    const { app } = testApp(database, { VICTORYSYNC_METRICS_TOKEN: TOKEN });
    const [connection] = (
      await sql<{ id: string }>`insert into mightycall_connections
          (name, host, base_url, provider_account, api_key_enc, user_key_enc, webhook_token_enc)
        values ('Metrics', 'custom', 'http://127.0.0.1:9', 'metrics-acct', 'x', 'x', 'x') returning id`.execute(
        database.db,
      )
    ).rows;
    const id = connection?.id ?? '';
    await sql`insert into mightycall_webhook_inbox
        (connection_id, dedupe_key, event_type, call_id, event_ts, event_at, body, received_at, processed_at)
      values (${id}, 'a', 'CallStart', 'c1', '2026-01-01', now(), '{}', now() - interval '90 seconds', null),
             (${id}, 'b', 'CallStart', 'c2', '2026-01-01', now(), '{}', now() - interval '30 seconds', null),
             (${id}, 'c', 'CallStart', 'c3', '2026-01-01', now(), '{}', now() - interval '600 seconds', now())`.execute(
      database.db,
    );
    await sql`insert into mightycall_sync_state (connection_id, job, runs, failures, next_run_at)
      values (${id}, 'calls', 7, 2, now() - interval '120 seconds'), (${id}, 'agents', 3, 0, now() + interval '1 hour')`.execute(
      database.db,
    );
    await sql`select * from no_such_table`.execute(database.db).catch(() => undefined);

    const text = await (await app.request('/metrics', { headers: bearer(TOKEN) })).text();
    expect(sample(text, 'victorysync_webhook_inbox_depth')).toBe(2);
    const age = sample(text, 'victorysync_webhook_inbox_oldest_age_seconds') ?? 0;
    expect(age).toBeGreaterThanOrEqual(89);
    expect(age).toBeLessThan(200);
    expect(sample(text, 'victorysync_sync_job_runs{job="calls"}')).toBe(7);
    expect(sample(text, 'victorysync_sync_job_failures{job="calls"}')).toBe(2);
    expect(sample(text, 'victorysync_sync_job_lag_seconds{job="calls"}')).toBeGreaterThanOrEqual(119);
    expect(sample(text, 'victorysync_sync_job_lag_seconds{job="agents"}')).toBe(0);
    expect(sample(text, 'victorysync_db_query_errors_total')).toBeGreaterThanOrEqual(1);
    if (target === 'postgres') {
      expect(sample(text, 'victorysync_db_pool_connections{pool="primary",state="total"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'victorysync_db_pool_connections{pool="primary",state="waiting"}')).toBe(0);
    }
    await sql`delete from mightycall_connections where id = ${id}`.execute(database.db);
  });
});
