import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from './migrate.js';

const TENANT_TABLES = [
  'organizations',
  'users',
  'org_memberships',
  'phone_numbers',
  'org_phone_numbers',
  'agents',
  'calls',
  'api_keys',
  'sessions',
  'audit_log',
];

describe.each(testTargets())('migrations on %s', (target) => {
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await database?.cleanup();
    database = null;
  });

  it('applies every migration from an empty database, records checksums, and is a no-op the second time', async () => {
    database = await openTestDatabase(target, { migrate: false });
    const files = await readMigrations();
    const first = await migrate(database.db, database.schema);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const recorded = await database.db.selectFrom('schema_migrations').selectAll().orderBy('version').execute();
    expect(recorded.map((r) => [r.name, r.checksum])).toEqual(files.map((f) => [f.name, f.checksum]));
    const second = await migrate(database.db, database.schema);
    expect(second.applied).toEqual([]);
  });

  it('enables and forces row-level security on every tenant table', async () => {
    database = await openTestDatabase(target);
    const rows = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${database.schema} and c.relkind = 'r'`.execute(database.db);
    const byName = new Map(rows.rows.map((r) => [r.relname, r]));
    for (const table of TENANT_TABLES) {
      expect(byName.get(table), table).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    }
  });

  it('the application role is not the owner and cannot bypass RLS', async () => {
    database = await openTestDatabase(target);
    const role = await sql<{ rolbypassrls: boolean; rolsuper: boolean }>`
      select rolbypassrls, rolsuper from pg_roles where rolname = 'victorysync_app'`.execute(database.db);
    expect(role.rows).toEqual([{ rolbypassrls: false, rolsuper: false }]);
    const owners = await sql<{ owner: string }>`
      select distinct pg_get_userbyid(c.relowner) as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${database.schema} and c.relkind = 'r'`.execute(database.db);
    expect(owners.rows.map((r) => r.owner)).not.toContain('victorysync_app');
  });

  it('refuses to start when an applied migration file was edited', async () => {
    database = await openTestDatabase(target, { migrate: false });
    const dir = await mkdtemp(join(tmpdir(), 'vs-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(database.db, database.schema, dir);
      const file = join(dir, '0001_init.sql');
      await writeFile(file, `${await readFile(file, 'utf8')}\n-- a late edit\n`);
      const attempt = migrate(database.db, database.schema, dir);
      await expect(attempt).rejects.toBeInstanceOf(MigrationError);
      await expect(migrate(database.db, database.schema, dir)).rejects.toThrow(
        /0001_init\.sql was edited after it was applied/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('0020 gives orgs saved with a service level of 0 s or a 0 % target the defaults back, audited, and refuses 0 after', async () => {
    database = await openTestDatabase(target, { migrate: false });
    const db = database.db;
    const dir = await mkdtemp(join(tmpdir(), 'vs-migrations-'));
    try {
      // The schema as it was before 0020, with orgs an emptied settings form had saved.
      await cp(MIGRATIONS_DIR, dir, { recursive: true, filter: (path) => !/00(2\d|[3-9]\d)_/.test(path) });
      await migrate(db, database.schema, dir);
      const org = (name: string, sl: number, target: number) =>
        db
          .insertInto('organizations')
          .values({ name, slug: name.toLowerCase(), sl_threshold_seconds: sl, sl_target_pct: target })
          .returning('id')
          .executeTakeFirstOrThrow();
      const both = await org('Both', 0, 0);
      const target0 = await org('Target', 45, 0);
      const fine = await org('Fine', 30, 90);
      await migrate(db, database.schema);

      const settings = await db
        .selectFrom('organizations')
        .select(['name', 'sl_threshold_seconds', 'sl_target_pct'])
        .orderBy('name')
        .execute();
      expect(settings.map((o) => [o.name, o.sl_threshold_seconds, Number(o.sl_target_pct)])).toEqual([
        ['Both', 20, 80],
        ['Fine', 30, 90],
        ['Target', 45, 80],
      ]);
      const audit = await db
        .selectFrom('audit_log')
        .select(['org_id', 'before', 'after'])
        .where('action', '=', 'org.settings.repaired')
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        {
          org_id: both.id,
          before: { slThresholdSeconds: 0, slTargetPct: 0 },
          after: { slThresholdSeconds: 20, slTargetPct: 80 },
        },
        {
          org_id: target0.id,
          before: { slThresholdSeconds: 45, slTargetPct: 0 },
          after: { slThresholdSeconds: 45, slTargetPct: 80 },
        },
      ]);
      expect(audit.map((a) => a.org_id)).not.toContain(fine.id);
      await expect(
        db.updateTable('organizations').set({ sl_threshold_seconds: 0 }).where('id', '=', fine.id).execute(),
      ).rejects.toThrow(/organizations_sl_threshold_meaningful/);
      await expect(
        db.updateTable('organizations').set({ sl_target_pct: 0 }).where('id', '=', fine.id).execute(),
      ).rejects.toThrow(/organizations_sl_target_meaningful/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('two processes migrating at once apply each migration exactly once', async () => {
    database = await openTestDatabase(target, { migrate: false });
    const [a, b] = await Promise.all([migrate(database.db, database.schema), migrate(database.db, database.schema)]);
    const files = await readMigrations();
    expect([...a.applied, ...b.applied].sort()).toEqual(files.map((f) => f.name).sort());
    const count = await database.db
      .selectFrom('schema_migrations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(files.length);
  });
});
