// Forward-only SQL migrations: applied in order inside one transaction, checksummed, under an advisory lock.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import type { DB } from './types.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(dir, name), 'utf8');
      return {
        version: name.slice(0, 4),
        name,
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    }),
  );
}

export interface MigrationResult {
  applied: string[];
  version: string | null;
}

/**
 * Brings the schema up to date. Two processes starting at once serialize on an advisory lock; the
 * second finds everything applied. An applied file whose checksum changed stops start-up.
 */
export async function migrate(db: Kysely<DB>, schema: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = await readMigrations(dir);
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`victorysync-migrate:${schema}`}))`.execute(tx);
    await sql`create table if not exists schema_migrations (
      version text primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`.execute(tx);
    const applied = await tx.selectFrom('schema_migrations').select(['version', 'name', 'checksum']).execute();
    const byVersion = new Map(applied.map((m) => [m.version, m]));
    for (const file of files) {
      const done = byVersion.get(file.version);
      if (done && done.checksum !== file.checksum) {
        throw new MigrationError(
          `Migration ${file.name} was edited after it was applied (recorded checksum ${done.checksum.slice(0, 12)}…, ` +
            `file now ${file.checksum.slice(0, 12)}…). Migrations are forward-only: restore the original file ` +
            'and put the change in a new migration.',
        );
      }
    }
    for (const m of applied) {
      if (!files.some((f) => f.version === m.version)) {
        throw new MigrationError(
          `The database has migration ${m.name} applied, but this build has no such file: it is older than the database.`,
        );
      }
    }
    const newlyApplied: string[] = [];
    for (const file of files) {
      if (byVersion.has(file.version)) continue;
      try {
        await sql.raw(file.sql).execute(tx);
      } catch (error) {
        throw new MigrationError(`Migration ${file.name} failed: ${(error as Error).message}`);
      }
      await tx
        .insertInto('schema_migrations')
        .values({ version: file.version, name: file.name, checksum: file.checksum })
        .execute();
      newlyApplied.push(file.name);
    }
    return { applied: newlyApplied, version: files.at(-1)?.version ?? null };
  });
}

export async function currentVersion(db: Kysely<DB>): Promise<string | null> {
  const row = await db
    .selectFrom('schema_migrations')
    .select((eb) => eb.fn.max('version').as('version'))
    .executeTakeFirst();
  return row?.version ?? null;
}
