/**
 * Writes span records in the caller's transaction:
 *   1. lock every touched trace (advisory locks, sorted: concurrent writers can't deadlock on each other);
 *   2. pin each span to its trace's experiment (the experiment of a trace is fixed by its first stored span);
 *   3. join the GenAI events stored for these spans (sent earlier as logs) by re-mapping those spans with them;
 *   4. replace the spans ((trace_id, span_id) is the identity, a later copy replaces the earlier): delete the
 *      stored copies of this batch's spans (none, usually), then COPY the batch in;
 *   5. write the touched trace rows: a trace with no span stored before this batch has all its spans in hand, so
 *      its row is computed in JS (trace-rows.ts) and COPYed; a trace that had spans is recomputed from the table
 *      (trace-aggregate.ts). Both give the same row for the same spans.
 * GenAI events arriving as logs go through writeEvents: same locks, insert the events, re-map the stored spans
 * they belong to, then 4 and 5. Whichever of a span and its events commits second sees the other.
 */
import {
  SPAN_COLUMNS,
  SPAN_COPY_TYPES,
  type SpanRecord,
  TRACE_COLUMNS,
  TRACE_COPY_TYPES,
  type TraceRecord,
} from './columns.js';
import { copyText } from './copy-text.js';
import type { Queryable, Transaction } from './db.js';
import { type EventRecord, eventsForSpans, insertEvents, type StoredEvent, spanKey } from './events.js';
import { type RawSpanRow, readRawSpansByKeys } from './raw-spans.js';
import { recomputeTraces } from './trace-aggregate.js';
import { traceRowFromSpans } from './trace-rows.js';

/**
 * Maps a stored (or about to be stored) span again, with the GenAI log events that belong to it. Supplied by the
 * composition root (it calls the mapper), so the store never imports the mapper.
 */
export type EventJoin = (span: RawSpanRow, events: StoredEvent[]) => SpanRecord;

// COPY rather than INSERT … SELECT FROM json_populate_recordset: the server parses the batch once, in its
// cheapest format (docs/performance.md has the measurements). COPY cannot upsert, so re-sent spans are deleted
// first; the trace locks held by this transaction keep that delete-then-copy atomic for other writers.
const COPY_SPANS_SQL = `COPY spans (${SPAN_COLUMNS.join(', ')}) FROM STDIN`;

const COPY_TRACES_SQL = `COPY traces (${TRACE_COLUMNS.join(', ')}) FROM STDIN`;

const DELETE_STORED_COPIES_SQL = `
DELETE FROM spans USING unnest($1::text[], $2::text[]) AS k(tid, sid)
WHERE spans.trace_id = k.tid AND spans.span_id = k.sid`;

const LOCK_TRACES_SQL = `
SELECT count(pg_advisory_xact_lock(hashtextextended(id, 0)))
FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`;

const EXISTING_EXPERIMENTS_SQL = `
SELECT t.trace_id, t.experiment_id::text AS experiment_id
FROM unnest($1::text[]) AS ids(trace_id) JOIN traces t ON t.trace_id = ids.trace_id`;

/** Rows per COPY: bounds the size of one COPY text for very large requests. */
const COPY_CHUNK = 5000;

/** Later copies of a span in the batch replace earlier ones (ON CONFLICT can't touch a row twice per statement). */
export function dedupeSpans(records: SpanRecord[]): SpanRecord[] {
  const byKey = new Map<string, SpanRecord>();
  for (const r of records) byKey.set(spanKey(r.trace_id, r.span_id), r);
  return [...byKey.values()];
}

async function lockTraces(tx: Queryable, traceIds: string[]): Promise<void> {
  await tx.query(LOCK_TRACES_SQL, [traceIds]);
}

/**
 * Replaces `spans` and updates their traces' rows. `newTraces` are traces with no stored span (checked under
 * their locks): their rows are built from the batch; every other touched trace is recomputed from the table.
 */
async function replaceAndRecompute(
  tx: Transaction,
  spans: SpanRecord[],
  traceIds: string[],
  newTraces: ReadonlySet<string> = new Set(),
): Promise<void> {
  // Kept for new traces too: a span row left without its trace row (deleted by hand) must not fail the batch.
  await tx.query(DELETE_STORED_COPIES_SQL, [spans.map((s) => s.trace_id), spans.map((s) => s.span_id)]);
  for (let i = 0; i < spans.length; i += COPY_CHUNK) {
    const chunk = spans.slice(i, i + COPY_CHUNK) as unknown as Record<string, unknown>[];
    await tx.copyIn(COPY_SPANS_SQL, copyText(chunk, SPAN_COLUMNS, SPAN_COPY_TYPES));
  }
  const built = newTraces.size ? buildTraceRows(spans, newTraces) : [];
  if (built.length) {
    await tx.copyIn(
      COPY_TRACES_SQL,
      copyText(built as Record<string, unknown>[], TRACE_COLUMNS, TRACE_COPY_TYPES),
    );
  }
  const builtIds = new Set(built.map((t) => t.trace_id as string));
  await recomputeTraces(
    tx,
    traceIds.filter((id) => !builtIds.has(id)),
  );
}

/** Trace rows for the new traces among `spans`, except those only the SQL recompute can get exactly right. */
function buildTraceRows(spans: SpanRecord[], newTraces: ReadonlySet<string>): TraceRecord[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    if (!newTraces.has(s.trace_id)) continue;
    const list = byTrace.get(s.trace_id);
    if (list) list.push(s);
    else byTrace.set(s.trace_id, [s]);
  }
  const rows: TraceRecord[] = [];
  for (const group of byTrace.values()) {
    const row = traceRowFromSpans(group);
    if (row) rows.push(row);
  }
  return rows;
}

export async function writeSpanBatch(
  tx: Transaction,
  records: SpanRecord[],
  join?: EventJoin,
): Promise<void> {
  let spans = dedupeSpans(records);
  if (spans.length === 0) return;
  const traceIds = [...new Set(spans.map((s) => s.trace_id))].sort();
  await lockTraces(tx, traceIds);

  const existing = await tx.query<{ trace_id: string; experiment_id: string }>(EXISTING_EXPERIMENTS_SQL, [
    traceIds,
  ]);
  const pinned = new Map(existing.rows.map((r) => [r.trace_id, r.experiment_id]));
  // A trace row exists exactly when the trace has stored spans (rows are only written with their spans, and
  // retention deletes both together), so the traces without one are wholly in this batch.
  const newTraces = new Set(traceIds.filter((id) => !pinned.has(id)));
  // New traces: the first span of the trace in this batch decides.
  for (const s of spans) if (!pinned.has(s.trace_id)) pinned.set(s.trace_id, s.experiment_id);
  for (const s of spans) s.experiment_id = pinned.get(s.trace_id)!;

  if (join) {
    const events = await eventsForSpans(tx, spans);
    if (events.size > 0) {
      spans = spans.map((s) => {
        const own = events.get(spanKey(s.trace_id, s.span_id));
        return own ? { ...join(s as unknown as RawSpanRow, own), experiment_id: s.experiment_id } : s;
      });
    }
  }
  await replaceAndRecompute(tx, spans, traceIds, newTraces);
}

/** Stores GenAI log events and re-maps the stored spans they belong to (see the header). */
export async function writeEvents(tx: Transaction, events: EventRecord[], join: EventJoin): Promise<void> {
  if (events.length === 0) return;
  const traceIds = [...new Set(events.map((e) => e.trace_id).filter((t): t is string => t !== null))].sort();
  if (traceIds.length) await lockTraces(tx, traceIds);
  await insertEvents(tx, events);

  const keys = new Map<string, { trace_id: string; span_id: string }>();
  for (const e of events) {
    if (e.trace_id && e.span_id)
      keys.set(spanKey(e.trace_id, e.span_id), { trace_id: e.trace_id, span_id: e.span_id });
  }
  const raw = await readRawSpansByKeys(tx, [...keys.values()]);
  if (raw.length === 0) return;
  const stored = await eventsForSpans(tx, raw);
  const remapped = raw.map((r) => ({
    ...join(r, stored.get(spanKey(r.trace_id, r.span_id)) ?? []),
    experiment_id: r.experiment_id,
  }));
  await replaceAndRecompute(tx, remapped, [...new Set(raw.map((r) => r.trace_id))].sort());
}
