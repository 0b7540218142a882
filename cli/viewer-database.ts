/**
 * The database the terminal viewer reads. With DATABASE_URL, that server. Without it the data is in the embedded
 * PGlite directory, which only one process may open: when the bridge is running it owns the directory and serves
 * it on the wire port, so the viewer connects there first and opens the directory itself only when nothing
 * listens (the bridge is stopped).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Queryable } from '../store/db.js';
import { openEmbedded } from '../store/pglite.js';
import { type Config, redactUrl } from './config.js';

export interface ViewerDatabase {
  db: Queryable;
  /** Where the data is read from, for error messages. */
  description: string;
  close(): Promise<void>;
}

/** A failure to reach any database, with a message meant for the user. */
export class ViewerDatabaseError extends Error {}

const CONNECT_TIMEOUT_MS = 5000;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

async function connectClient(target: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({
    ...target,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'tracebridge-viewer',
  });
  // A connection lost between queries is reported by the next query; without a listener pg would crash instead.
  client.on('error', () => {});
  await client.connect();
  return client;
}

function clientDatabase(client: pg.Client, description: string): ViewerDatabase {
  return {
    description,
    db: {
      async query<R>(sql: string, params?: unknown[]) {
        const r = await client.query(sql, params as unknown[]);
        return { rows: r.rows as R[] };
      },
      async exec(sql: string) {
        await client.query(sql);
      },
    },
    close: () => client.end(),
  };
}

const errorCode = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

export async function openViewerDatabase(config: Config): Promise<ViewerDatabase> {
  if (config.databaseUrl) {
    const description = `postgres ${redactUrl(config.databaseUrl)}`;
    try {
      return clientDatabase(await connectClient({ connectionString: config.databaseUrl }), description);
    } catch (err) {
      throw new ViewerDatabaseError(`cannot connect to ${description}: ${(err as Error).message}`);
    }
  }

  // The bridge serves the wire port on TRACEBRIDGE_HOST; a wildcard address is reachable on loopback.
  const host = WILDCARD_HOSTS.has(config.host) ? '127.0.0.1' : config.host;
  const wireUrl = `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${config.pgPort}/postgres`;
  if (config.pgPort !== 0) {
    try {
      const client = await connectClient({
        host,
        port: config.pgPort,
        user: 'postgres',
        database: 'postgres',
      });
      return clientDatabase(client, `the running bridge at ${wireUrl}`);
    } catch (err) {
      // Only "nothing listens" means the bridge is stopped; anything else (a different server on that port,
      // a timeout) must not make us open a directory that a running bridge may own.
      if (errorCode(err) !== 'ECONNREFUSED') {
        throw new ViewerDatabaseError(`cannot read from ${wireUrl}: ${(err as Error).message}`);
      }
    }
  }

  const dataDir = resolve(config.dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new ViewerDatabaseError(
      `no tracebridge data found: nothing listens on ${wireUrl} and ${dataDir} holds no ` +
        'embedded database. Start the bridge (npm start), or set DATABASE_URL / TRACEBRIDGE_DATA_DIR.',
    );
  }
  const db = await openEmbedded({ dataDir });
  return { db, description: `embedded PGlite in ${dataDir}`, close: () => db.close() };
}
