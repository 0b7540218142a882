/**
 * Opens the configured database: the server DATABASE_URL names, else the embedded PostgreSQL in the data directory
 * (store/embedded/). Either way the store reaches it through node-postgres with a URL: one code path.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '../store/db.js';
import { useEmbedded } from '../store/embedded/attach.js';
import { startEmbeddedServer } from '../store/embedded/server.js';
import { connectPostgres } from '../store/postgres.js';
import { type Config, redactUrl } from './config.js';

/** The URL to show: without the password at all (not masked), so it can be pasted with the user's own. */
export function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

export interface OpenedDatabase {
  db: Database;
  /** For the start-up line: where the data is and how to query it (no password). */
  description: string;
  /** The embedded server's port, or null with DATABASE_URL. */
  pgPort: number | null;
  /** Closes the pool, then stops the embedded server when this process started it. */
  close(): Promise<void>;
}

export interface EmbeddedUrls {
  ownerUrl: string;
  readerUrl: string;
  description: string;
  pgPort: number | null;
  close(): Promise<void>;
}

/**
 * `serve` owns the embedded server (a second serve on the directory is refused); the one-shot commands use the
 * running one or start their own (`shared`).
 */
export async function embeddedUrls(config: Config, log: Logger, shared: boolean): Promise<EmbeddedUrls> {
  const opts = {
    dataDir: resolve(config.dataDir),
    host: config.pgHost,
    port: config.pgPort,
    log: (msg: string) => log.info(msg),
  };
  if (shared) {
    const c = await useEmbedded(opts);
    return { ...c, pgPort: Number(new URL(c.ownerUrl).port) };
  }
  const server = await startEmbeddedServer(opts);
  return {
    ownerUrl: server.ownerUrl,
    readerUrl: server.readerUrl,
    description: `embedded PostgreSQL 17 in ${server.dataDir}, served at ${withoutPassword(server.ownerUrl)}`,
    pgPort: server.port,
    close: () => server.stop(),
  };
}

export async function openDatabase(
  config: Config,
  log: Logger,
  opts: { shared?: boolean } = {},
): Promise<OpenedDatabase> {
  // pool.end() resolves before its idle connections have finished closing; the embedded server's fast shutdown
  // right after ends them from its side, which is not worth a warning.
  let closing = false;
  const onIdleError = (err: Error) => {
    if (!closing) log.warn({ err }, 'idle database connection failed');
  };
  if (config.databaseUrl) {
    const db = connectPostgres({
      connectionString: config.databaseUrl,
      max: config.writers + 4,
      onIdleError,
    });
    return {
      db,
      description: `postgres ${redactUrl(config.databaseUrl)}`,
      pgPort: null,
      close: () => db.close(),
    };
  }
  const embedded = await embeddedUrls(config, log, opts.shared ?? false);
  const db = connectPostgres({ connectionString: embedded.ownerUrl, max: config.writers + 4, onIdleError });
  return {
    db,
    description: embedded.description,
    pgPort: embedded.pgPort,
    async close() {
      closing = true;
      await db.close();
      await embedded.close();
    },
  };
}
