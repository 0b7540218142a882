/**
 * Retention: traces that started more than N days ago are deleted with their spans, a small batch per
 * transaction, so ingestion never waits long behind a delete. SKIP LOCKED leaves traces a writer is touching for
 * the next pass.
 */
import type { Database } from './db.js';
import { recomputeRunsAfterDelete } from './runs.js';
import { transactionWithRetry } from './write-errors.js';

const DELETE_BATCH_SQL = `
WITH doomed AS (
  SELECT trace_id FROM traces
  WHERE start_time < now() - make_interval(days => $1::int)
  ORDER BY start_time
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
gone_spans AS (
  DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM doomed)
),
gone_links AS (
  DELETE FROM trace_links WHERE trace_id IN (SELECT trace_id FROM doomed)
)
DELETE FROM traces WHERE trace_id IN (SELECT trace_id FROM doomed)
RETURNING trace_id, run_id, experiment_id::text AS experiment_id`;

/**
 * Deletes one batch; returns how many traces it deleted. The runs that lost traces are recomputed in the same
 * transaction: their label (smallest trace id) may be gone, or they may fall apart (runs.ts).
 */
export async function deleteExpiredBatch(db: Database, days: number, batchSize = 500): Promise<number> {
  return transactionWithRetry(db, async (tx) => {
    const r = await tx.query<{ trace_id: string; run_id: string; experiment_id: string }>(DELETE_BATCH_SQL, [
      days,
      batchSize,
    ]);
    await recomputeRunsAfterDelete(tx, r.rows);
    return r.rows.length;
  });
}

/** Deletes batches until none is left (or `stopped()` says stop); returns the total. */
export async function deleteExpired(
  db: Database,
  days: number,
  stopped: () => boolean,
  batchSize = 500,
): Promise<number> {
  let total = 0;
  for (;;) {
    if (stopped()) return total;
    const n = await deleteExpiredBatch(db, days, batchSize);
    total += n;
    if (n < batchSize) return total;
    // Let queued writes run between batches.
    await new Promise((r) => setImmediate(r));
  }
}
