// The OpenAPI document exactly as /api/openapi.json serves it, built without a database or a socket (for generators).
import { Kysely, PostgresDialect } from 'kysely';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/types.js';
import { createLogger } from '../http/logger.js';
import { createServices } from '../services.js';

/** A database that refuses every query: building the app and answering /api/openapi.json must not need one. */
function refusingDatabase(): Database {
  const refuse = async (): Promise<never> => {
    throw new Error('building the OpenAPI document queried the database');
  };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: refuse }) });
  return {
    kind: 'postgres',
    db,
    readDb: db,
    schema: 'public',
    stats: { pools: [], queryErrors: 0 },
    close: () => db.destroy(),
  };
}

/** The document's JSON text, from the default configuration (the environment is not read, so it is reproducible). */
export async function openApiDocumentText(): Promise<string> {
  const database = refusingDatabase();
  try {
    const app = createApp(createServices({ config: loadConfig({}), database, logger: createLogger('silent') }));
    const res = await app.request('http://localhost/api/openapi.json');
    if (res.status !== 200) throw new Error(`/api/openapi.json answered ${res.status}: ${await res.text()}`);
    return await res.text();
  } finally {
    await database.close();
  }
}
