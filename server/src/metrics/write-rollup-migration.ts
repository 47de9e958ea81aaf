// Writes a rollup migration generated from the metric definitions:
// `npx tsx server/src/metrics/write-rollup-migration.ts breakdowns|platform server/src/db/migrations/NNNN_name.sql`
// (breakdowns wrote 0012, platform 0013, blocks 0023; a new kind of change gets a new generator function in rollup-sql.ts). Run it for a new
// migration whenever a definition changes (applied migrations are never edited; definitions.test.ts fails until the
// database runs what the definitions generate).
import { writeFile } from 'node:fs/promises';
import { blockRollupMigrationSql, platformRollupMigrationSql, rollupMigrationSql } from './rollup-sql.js';

const KINDS = {
  breakdowns: rollupMigrationSql,
  platform: platformRollupMigrationSql,
  blocks: blockRollupMigrationSql,
};
const isKind = (k: string | undefined): k is keyof typeof KINDS => k !== undefined && Object.hasOwn(KINDS, k);
const [kind, target] = process.argv.slice(2);
if (!target || !isKind(kind)) {
  process.stderr.write(`usage: write-rollup-migration.ts ${Object.keys(KINDS).join('|')} <migration file>\n`);
  process.exit(2);
}
await writeFile(target, KINDS[kind]());
process.stdout.write(`wrote ${target}\n`);
