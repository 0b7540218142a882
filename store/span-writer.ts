/**
 * Writes one batch of span records in the caller's transaction:
 *   1. lock every touched trace (advisory locks, sorted: concurrent writers can't deadlock on each other);
 *   2. pin each span to its trace's experiment (the experiment of a trace is fixed by its first stored span);
 *   3. upsert the spans in one statement ((trace_id, span_id) is the identity, a later copy replaces the earlier);
 *   4. recompute the touched trace rows from their spans (trace-aggregate.ts).
 */
import { SPAN_COLUMNS, type SpanRecord } from './columns.js';
import type { Queryable } from './db.js';
import { recomputeTraces } from './trace-aggregate.js';

const COLS = SPAN_COLUMNS.join(', ');
const UPDATES = SPAN_COLUMNS.filter((c) => c !== 'trace_id' && c !== 'span_id')
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

// json_populate_recordset turns the JSON rows into typed rows in one statement: a single parameter however many
// spans, the same SQL on Postgres and PGlite.
const UPSERT_SPANS_SQL = `
INSERT INTO spans (${COLS})
SELECT ${COLS} FROM json_populate_recordset(NULL::spans, $1::json)
ON CONFLICT (trace_id, span_id) DO UPDATE SET ${UPDATES}, ingested_at = now()`;

const LOCK_TRACES_SQL = `
SELECT count(pg_advisory_xact_lock(hashtextextended(id, 0)))
FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`;

const EXISTING_EXPERIMENTS_SQL = `
SELECT trace_id, experiment_id::text AS experiment_id FROM traces WHERE trace_id = ANY($1::text[])`;

/** Later copies of a span in the batch replace earlier ones (ON CONFLICT can't touch a row twice per statement). */
export function dedupeSpans(records: SpanRecord[]): SpanRecord[] {
  const byKey = new Map<string, SpanRecord>();
  for (const r of records) byKey.set(`${r.trace_id}:${r.span_id}`, r);
  return [...byKey.values()];
}

export async function writeSpanBatch(tx: Queryable, records: SpanRecord[]): Promise<void> {
  const spans = dedupeSpans(records);
  if (spans.length === 0) return;
  const traceIds = [...new Set(spans.map((s) => s.trace_id))].sort();
  await tx.query(LOCK_TRACES_SQL, [traceIds]);

  const existing = await tx.query<{ trace_id: string; experiment_id: string }>(EXISTING_EXPERIMENTS_SQL, [
    traceIds,
  ]);
  const pinned = new Map(existing.rows.map((r) => [r.trace_id, r.experiment_id]));
  // New traces: the first span of the trace in this batch decides.
  for (const s of spans) if (!pinned.has(s.trace_id)) pinned.set(s.trace_id, s.experiment_id);
  for (const s of spans) s.experiment_id = pinned.get(s.trace_id)!;

  await tx.query(UPSERT_SPANS_SQL, [JSON.stringify(spans)]);
  await recomputeTraces(tx, traceIds);
}
