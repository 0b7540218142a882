/** Database over node-postgres: a small pool, each transaction on one checked-out client. */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type CopyData, copyDataChunks, type Database, type QueryResult, type Transaction } from './db.js';

export interface PostgresOptions {
  connectionString: string;
  /** Pool size. Writers hold one connection each during a commit; readiness checks and experiment lookups share. */
  max?: number;
  applicationName?: string;
  /** Server settings for every connection of the pool, as `-c name=value …` (the read pool: JIT off, a timeout). */
  options?: string;
  /** Called for errors on idle clients (a restarted server); without a listener pg would crash the process. */
  onIdleError?: (err: Error) => void;
}

export function connectPostgres(opts: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 8,
    application_name: opts.applicationName ?? 'tracebridge',
    ...(opts.options ? { options: opts.options } : {}),
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
  });
  pool.on('error', (err) => opts.onIdleError?.(err));
  return {
    kind: 'postgres',
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await pool.query(sql, params as unknown[]);
      return { rows: r.rows as R[] };
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async copyIn(copySql: string, data: CopyData) {
      const client = await pool.connect();
      try {
        await copyInto(client, copySql, data);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // While checked out, a client's connection errors (server shutdown mid-transaction) are emitted on the
      // client, not the pool: without a listener they would crash the process. The failing query rejects too, and
      // the client is destroyed on release below.
      let lost: Error | undefined;
      const onError = (err: Error) => {
        lost = err;
      };
      client.on('error', onError);
      let broken: unknown;
      try {
        // JIT compilation costs ~1 s per statement whenever the planner's estimates for a batch's statements
        // cross jit_above_cost (easy right after a table grows), which dwarfs the statements themselves: the
        // write path's statements are short, so JIT is off for them.
        await client.query('BEGIN; SET LOCAL jit = off');
        const tx: Transaction = {
          async query<R>(sql: string, params?: unknown[]) {
            const r = await client.query(sql, params as unknown[]);
            return { rows: r.rows as R[] };
          },
          async exec(sql: string) {
            await client.query(sql);
          },
          copyIn: (copySql: string, data: CopyData) => copyInto(client, copySql, data),
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (e: unknown) => e,
        );
        throw err;
      } finally {
        client.off('error', onError);
        // A client whose connection failed or whose ROLLBACK failed is in an unknown state: destroy it.
        const bad = lost ?? (broken instanceof Error ? broken : undefined);
        client.release(bad);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/** `COPY … FROM STDIN` on one client (pg-copy-streams speaks the COPY sub-protocol). */
async function copyInto(client: pg.PoolClient, copySql: string, data: CopyData): Promise<void> {
  const stream = client.query(copyFrom(copySql));
  // pipeline pulls the next chunk only when the socket has taken the previous ones (backpressure).
  await pipeline(Readable.from(copyDataChunks(data), { objectMode: false }), stream);
}
