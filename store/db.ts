/**
 * The one small database interface the store runs on (store/postgres.ts implements it with node-postgres, for an
 * external server and the embedded one alike), so store modules do not depend on the driver.
 */
export interface QueryResult<R> {
  rows: R[];
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type CopyData = Uint8Array | Iterable<Uint8Array>;

/** COPY data as the chunks to send, in order. */
export function copyDataChunks(data: CopyData): Iterable<Uint8Array> {
  return data instanceof Uint8Array ? [data] : data;
}

/** A connection that can also bulk-load: what the write path runs on. */
export interface Transaction extends Queryable {
  /**
   * Runs `COPY … FROM STDIN` with `data` in the format the statement names (the writer sends binary COPY,
   * store/copy-binary.ts). An iterable is consumed chunk by chunk as the server takes it (chunks need not end
   * at row boundaries).
   */
  copyIn(copySql: string, data: CopyData): Promise<void>;
}

export interface Database extends Transaction {
  readonly kind: 'postgres';
  /** Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
