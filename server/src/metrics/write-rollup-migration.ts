// Writes the rollup migration generated from the metric definitions:
// `npx tsx server/src/metrics/write-rollup-migration.ts server/src/db/migrations/NNNN_name.sql`. Run it for a new
// migration whenever a definition changes (applied migrations are never edited; definitions.test.ts fails until the
// database runs what the definitions generate).
import { writeFile } from 'node:fs/promises';
import { rollupMigrationSql } from './rollup-sql.js';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: write-rollup-migration.ts <migration file>\n');
  process.exit(2);
}
await writeFile(target, rollupMigrationSql());
process.stdout.write(`wrote ${target}\n`);
