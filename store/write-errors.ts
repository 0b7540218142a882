/**
 * Classifies database errors for the write path: is it worth the client retrying (the database is down,
 * restarting, overloaded or a transaction lost a race), or is the data itself refused?
 */
import type { Database, Transaction } from './db.js';

// SQLSTATE classes/codes that a retry can fix.
const RETRYABLE_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '58000', // system_error
  '3D000', // invalid_catalog_name (database being re-created)
  '42P01', // undefined_table (not migrated yet)
]);

const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isRetryableDbError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (RETRYABLE_CODES.has(code) || RETRYABLE_NODE_CODES.has(code) || code.startsWith('08')) return true;
  }
  // node-postgres reports lost connections and pool timeouts with plain messages.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    err.message,
  );
}

/** Transient conflicts that the writer retries itself before giving up on a batch. */
export function isTransactionConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * A span COPY that hit the primary key: the span is stored but its trace has no row (removed by hand), so the
 * writer took the trace for new and skipped the delete. Retried with every stored copy deleted.
 */
export function isOrphanedSpanConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === 'spans_pkey';
}

const CONFLICT_RETRIES = 3;

/**
 * Runs fn in a transaction, retrying it a few times when it lost a deadlock or serialization race to another
 * writer: such failures say nothing about the data, so callers should not see them.
 */
export async function transactionWithRetry<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (err) {
      if (!isTransactionConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
    }
  }
}
