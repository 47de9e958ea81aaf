// The portfolio scenario's live state: calls ringing now on some of the dataset's numbers (under a disabled
// connection, so no sync job runs for it), refreshed before each run so none has gone stale.
import { sql } from 'kysely';
import { systemPrincipal } from '../server/src/auth/principal.js';
import type { Database } from '../server/src/db/database.js';
import { withPrincipal } from '../server/src/db/tenant.js';

const ACCOUNT = 'bench-live';

/** `count` calls ringing on the first `count` numbers that belong to an org, started up to `count` seconds ago. */
export async function seedRingingCalls(database: Database, count: number, now = Date.now()): Promise<void> {
  await withPrincipal(database.db, systemPrincipal('benchmark live state'), async (tx) => {
    const connection = await sql<{ id: string }>`
      INSERT INTO mightycall_connections (name, host, base_url, provider_account, api_key_enc, user_key_enc,
        webhook_token_enc, enabled)
      VALUES ('Benchmark live state', 'custom', 'http://127.0.0.1:9', ${ACCOUNT}, 'unused', 'unused', 'unused', false)
      ON CONFLICT (provider_account) DO UPDATE SET enabled = false
      RETURNING id`.execute(tx);
    const connectionId = connection.rows[0]?.id;
    if (!connectionId) throw new Error('bench: no live connection');
    const numbers = await sql<{ id: string }>`
      SELECT DISTINCT phone_number_id AS id FROM org_phone_numbers ORDER BY 1 LIMIT ${count}`.execute(tx);
    await sql`DELETE FROM mightycall_live_calls WHERE connection_id = ${connectionId}`.execute(tx);
    for (const [i, n] of numbers.rows.entries()) {
      await sql`
        INSERT INTO mightycall_live_calls (connection_id, call_id, provider_account, direction, state,
          business_number_id, started_at, last_event_ts, last_event_at)
        VALUES (${connectionId}, ${`bench-ringing-${i}`}, ${ACCOUNT}, 'inbound', 'ringing', ${n.id},
          ${new Date(now - (i + 1) * 1000)}, '1', ${new Date(now)})`.execute(tx);
    }
  });
}
