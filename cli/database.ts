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

/**
 * The read API's connection. On Postgres a pool of its own, so a slow read never holds a writer's connection, with
 * JIT off (its compile time dwarfs these short reads whenever estimates are inflated) and a statement timeout (a
 * read that cannot be answered in time is a 503, not a held connection). The embedded store has one session: reads
 * share it.
 */
export function openReadDatabase(config: Config, db: Database, log: Logger): { db: Database; own: boolean } {
  if (!config.databaseUrl) return { db, own: false };
  const read = connectPostgres({
    connectionString: config.databaseUrl,
    max: 4,
    applicationName: 'tracebridge-read',
    options: '-c jit=off -c statement_timeout=15000',
    onIdleError: (err) => log.warn({ err }, 'idle read connection failed'),
  });
  return { db: read, own: true };
}
