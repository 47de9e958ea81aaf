// Child process of pglite-kill.test.ts: writes batches of calls to a PGlite data dir through openDatabase and the
// ingest path, printing "ack N" only after batch N committed, until it is killed.
import { systemPrincipal } from '../../src/auth/principal.js';
import { upsertCalls } from '../../src/calls/ingest.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { withPrincipal } from '../../src/db/tenant.js';
import { batchCalls, progressCall } from './pglite-batches.js';

const [dataDir, first] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: pglite-writer.ts DATA_DIR [FIRST_BATCH]');
const database = await openDatabase({ kind: 'pglite', dataDir });
await migrate(database.db, database.schema);
process.stdout.write('ready\n');
const SYSTEM = systemPrincipal('pglite kill test');
for (let batch = Number(first ?? 0); ; batch++) {
  // New rows and an update of one row every batch, in one transaction.
  await withPrincipal(database.db, SYSTEM, (tx) => upsertCalls(tx, [...batchCalls(batch), progressCall(batch)]));
  process.stdout.write(`ack ${batch}\n`);
}
