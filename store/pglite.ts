/**
 * The embedded default: PGlite (Postgres compiled to WASM) in-process, with its data in a directory, served over
 * the Postgres wire protocol so psql and any driver can query it while the bridge runs.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { type CopyData, copyDataChunks, type Database, type QueryResult, type Transaction } from './db.js';

export interface EmbeddedOptions {
  /** Data directory; created when missing. undefined = in memory (tests). */
  dataDir?: string;
  /** Serve the wire protocol here; omit to not serve. */
  wire?: { host: string; port: number };
}

export interface EmbeddedDatabase extends Database {
  /** The port the wire protocol listens on (resolved when 0 was asked for), or null. */
  readonly wirePort: number | null;
}

export async function openEmbedded(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const db = opts.dataDir ? await PGlite.create(opts.dataDir) : await PGlite.create();
  let server: PGLiteSocketServer | null = null;
  let wirePort: number | null = null;
  if (opts.wire) {
    server = new PGLiteSocketServer({ db, host: opts.wire.host, port: opts.wire.port, maxConnections: 16 });
    await server.start();
    wirePort = portOf(server) ?? opts.wire.port;
  }
  const asQueryable = (q: Pick<PGlite, 'query' | 'exec'>): Transaction => ({
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await q.query<R>(sql, params as unknown[]);
      return { rows: r.rows };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async copyIn(copySql: string, data: CopyData) {
      // PGlite reads COPY data from a Blob bound to the pseudo-file /dev/blob.
      await q.query(copySql.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'"), [], {
        blob: new Blob([...copyDataChunks(data)]),
      });
    },
  });
  return {
    kind: 'pglite',
    wirePort,
    ...asQueryable(db),
    transaction: (fn) => db.transaction((tx) => fn(asQueryable(tx))),
    async close() {
      await server?.stop();
      await db.close();
    },
  };
}

function portOf(server: PGLiteSocketServer): number | null {
  // The server keeps its net.Server private; the resolved port matters only when 0 was asked for (tests).
  const inner = (server as unknown as { server?: { address(): unknown } }).server;
  const addr = inner?.address();
  return addr && typeof addr === 'object' && 'port' in addr ? (addr as { port: number }).port : null;
}
