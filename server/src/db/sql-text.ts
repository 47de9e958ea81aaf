// SQL built with Kysely's `sql` as plain text, for SQL that is written into migrations rather than run with parameters.
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
} from 'kysely';

const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** The text of a statement that has no parameters (values as literals or raw SQL); one with parameters throws. */
export function sqlText(statement: RawBuilder<unknown>): string {
  const compiled = statement.compile(compiler);
  if (compiled.parameters.length > 0) throw new Error(`sqlText: the statement has parameters: ${compiled.sql}`);
  return compiled.sql;
}
