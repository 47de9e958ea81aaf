// What every long-lived service is built from: the config, the database and the logger (main.ts opens them).
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Logger } from './http/logger.js';

export interface CoreDeps {
  config: Config;
  database: Database;
  logger: Logger;
}
