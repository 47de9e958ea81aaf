// Writes docs/permissions.md from the code: `npx tsx server/src/auth/write-permissions-doc.ts`.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../http/logger.js';
import { createServices } from '../services.js';
import { DOC_PATH, renderPermissionsDoc } from './permissions-doc.js';

/** The route table of a fully assembled app (routes are registered without touching the database). */
export async function assembledRouteTable() {
  const database = await openDatabase({ kind: 'pglite', dataDir: null });
  try {
    const deps = createServices({ config: loadConfig({}), database, logger: createLogger('silent') });
    createApp(deps);
    return [...deps.routes.entries()];
  } finally {
    await database.close();
  }
}

export const DOC_FILE = fileURLToPath(new URL(`../../../${DOC_PATH}`, import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderPermissionsDoc(await assembledRouteTable());
  await writeFile(DOC_FILE, text);
  // The repository formats markdown with biome; format the file the way `biome check` expects it.
  spawnSync('npx', ['biome', 'format', '--write', DOC_FILE], { stdio: 'ignore' });
  process.stdout.write(`wrote ${DOC_PATH}\n`);
}
