/** Opens the configured database: Postgres when DATABASE_URL is set, else the embedded PGlite store. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '../store/db.js';
import { openEmbedded } from '../store/pglite.js';
import { connectPostgres } from '../store/postgres.js';
import { type Config, redactUrl } from './config.js';

export interface OpenedDatabase {
  db: Database;
  /** For the start-up line: where the data is and how to query it. */
  description: string;
  wirePort: number | null;
}

export async function openDatabase(config: Config, log: Logger): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const db = connectPostgres({
      connectionString: config.databaseUrl,
      max: config.writers + 4,
      onIdleError: (err) => log.warn({ err }, 'idle database connection failed'),
    });
    return { db, description: `postgres ${redactUrl(config.databaseUrl)}`, wirePort: null };
  }
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const db = await openEmbedded({ dataDir, wire: { host: config.host, port: config.pgPort } });
  return {
    db,
    description: `embedded PGlite in ${dataDir}, served at postgres://postgres@${config.host}:${db.wirePort}/postgres`,
    wirePort: db.wirePort,
  };
}
