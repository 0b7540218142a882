/**
 * The database the terminal viewer reads. With DATABASE_URL, that server. Without it, the embedded server of the
 * data directory: the running bridge's, or one started for the command when the bridge is stopped (holding the
 * directory's lock meanwhile). The viewer reads as the read-only role.
 */
import { resolve } from 'node:path';
import pg from 'pg';
import type { Queryable } from '../store/db.js';
import { useEmbedded } from '../store/embedded/attach.js';
import { isInitialised } from '../store/embedded/cluster.js';
import { EmbeddedStartError } from '../store/embedded/errors.js';
import { lockHolder } from '../store/embedded/lock.js';
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

async function connectClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'tracebridge-viewer',
  });
  // A connection lost between queries is reported by the next query; without a listener pg would crash instead.
  client.on('error', () => {});
  await client.connect();
  return client;
}

function clientDatabase(client: pg.Client, description: string, after: () => Promise<void>): ViewerDatabase {
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
    async close() {
      await client.end();
      await after();
    },
  };
}

export async function openViewerDatabase(config: Config): Promise<ViewerDatabase> {
  if (config.databaseUrl) {
    const description = `postgres ${redactUrl(config.databaseUrl)}`;
    try {
      return clientDatabase(await connectClient(config.databaseUrl), description, async () => {});
    } catch (err) {
      throw new ViewerDatabaseError(`cannot connect to ${description}: ${(err as Error).message}`);
    }
  }

  const dataDir = resolve(config.dataDir);
  if (lockHolder(dataDir) === null && !isInitialised(dataDir)) {
    throw new ViewerDatabaseError(
      `no tracebridge data found: ${dataDir} holds no embedded database and no bridge uses it. ` +
        'Start the bridge (npm start), or set DATABASE_URL / TRACEBRIDGE_DATA_DIR.',
    );
  }
  let embedded: Awaited<ReturnType<typeof useEmbedded>>;
  try {
    embedded = await useEmbedded({ dataDir, host: config.pgHost, port: config.pgPort });
  } catch (err) {
    if (err instanceof EmbeddedStartError) throw new ViewerDatabaseError(err.message);
    throw err;
  }
  try {
    const client = await connectClient(embedded.readerUrl);
    return clientDatabase(client, embedded.description, () => embedded.close());
  } catch (err) {
    await embedded.close();
    throw new ViewerDatabaseError(`cannot read from ${embedded.description}: ${(err as Error).message}`);
  }
}
