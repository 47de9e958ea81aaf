// Fresh, migrated databases for tests: in-memory PGlite always, plus a private schema on TEST_DATABASE_URL when set.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

/** PGlite, TEST_DATABASE_URL's server, or another PostgreSQL server by its URL (a test's own cluster) */
export type TestTarget = 'pglite' | 'postgres' | { url: string };

/** The targets every database test runs on. */
export function testTargets(): TestTarget[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase extends Database {
  /** drops what the test created (the schema on PostgreSQL) and closes connections */
  cleanup(): Promise<void>;
}

export async function openTestDatabase(target: TestTarget, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (target === 'pglite') {
    const database = await openDatabase({ kind: 'pglite', dataDir: null });
    if (options.migrate !== false) await migrate(database.db, database.schema);
    return { ...database, cleanup: () => database.close() };
  }
  const url = typeof target === 'object' ? target.url : process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `vs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 4, searchPath: schema });
  if (options.migrate !== false) await migrate(database.db, database.schema);
  return {
    ...database,
    async cleanup() {
      await database.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}
