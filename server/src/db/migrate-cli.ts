// `npm run migrate`: applies pending migrations to the configured database and exits (for deploy pipelines).
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from './database.js';
import { MigrationError, migrate } from './migrate.js';

try {
  const config = loadConfig();
  const database = await openDatabase(
    config.database.kind === 'pglite'
      ? { kind: 'pglite', dataDir: config.database.dataDir }
      : { kind: 'postgres', url: config.database.url, poolSize: 1, pooler: config.database.pooler },
  );
  const result = await migrate(database.db, database.schema);
  process.stdout.write(
    result.applied.length > 0
      ? `Applied ${result.applied.join(', ')}; schema at ${result.version}.\n`
      : `Nothing to apply; schema at ${result.version}.\n`,
  );
  await database.close();
} catch (error) {
  const known = error instanceof ConfigError || error instanceof MigrationError;
  process.stderr.write(`Migration failed: ${known ? (error as Error).message : String(error)}\n`);
  process.exit(1);
}
