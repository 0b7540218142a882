/**
 * Writes encoded spans (encoded-span.ts) in the caller's transaction:
 *   1. lock every touched trace, and every trace the batch's span links point to (advisory locks, sorted:
 *      concurrent writers can't deadlock on each other);
 *   2. pin each span to its trace's experiment (the experiment of a trace is fixed by its first stored span), and
 *      leave out the spans whose API key may not write to that experiment (write-permission.ts): the caller gets
 *      them back, and nothing of their trace is touched;
 *   3. replace the spans ((trace_id, span_id) is the identity, a later copy replaces the earlier): delete the
 *      stored copies of this batch's spans, then COPY the batch in;
 *   4. write the touched trace rows: a trace with no span stored before this batch has all its spans in hand, so
 *      its row is computed in JS (trace-rows.ts) and COPYed; a trace that had spans is recomputed from the table
 *      (trace-aggregate.ts). Both give the same row for the same spans;
 *   5. fill tool spans that lack arguments or result from the trace's tool-call messages (tool-io.ts), and keep
 *      trace_links in step with the spans' links;
 *   6. join the GenAI events stored for these spans (sent earlier as logs): re-map those spans from their stored
 *      raw form with their events and replace them again (rare: events usually follow their span);
 *   7. join the runs the batch's links connect, and the new traces to the runs of stored links pointing at them
 *      (runs.ts).
 * GenAI events arriving as logs go through writeEvents: same locks, the same permission check against the
 * experiment of each event's trace, insert the events, re-map the stored spans they belong to, then 3 and 4.
 * Whichever of a span and its events commits second sees the other.
 */

import { cutLimits } from './column-bounds.js';
import {
  type SpanRecord,
  TRACE_COLUMN_TYPES,
  TRACE_COLUMNS,
  type TraceFields,
  type TraceRecord,
} from './columns.js';
import { copyBinary } from './copy-binary.js';
import type { Queryable, Transaction } from './db.js';
import { copyChunks, ENCODED_SPAN_COLUMNS, type EncodedSpan, encodeSpan } from './encoded-span.js';
import { type EventRecord, eventsForSpans, insertEvents, type StoredEvent, spanKey } from './events.js';
import { type RawSpanRow, readRawSpansByKeys } from './raw-spans.js';
import { linksOf, linkTargets, syncLinks, type TraceLink, updateRuns } from './runs.js';
import { deriveToolIo, toolIoTraces } from './tool-io.js';
import { recomputeTraces } from './trace-aggregate.js';
import { traceRowFromSpans } from './trace-rows.js';
import {
  type NotWritable,
  notWritableMessage,
  ownersNotWritable,
  type WritableExperiments,
} from './write-permission.js';

/**
 * Maps a stored span again, with the GenAI log events that belong to it. Supplied by the composition root (it
 * calls the mapper), so the store never imports the mapper.
 */
export type EventJoin = (span: RawSpanRow, events: StoredEvent[]) => SpanRecord;

export interface WriteOptions {
  /**
   * Delete stored copies of every span, also of traces without a trace row. Only needed when span rows were left
   * without their trace row (deleted by hand): the writer retries with it when the COPY hits the primary key.
   */
  replaceOrphans?: boolean;
}

// COPY rather than INSERT … SELECT FROM json_populate_recordset: the server parses the batch once, in its
// cheapest format, binary (docs/performance.md has the measurements). COPY cannot upsert, so re-sent spans are
// deleted first; the trace locks held by this transaction keep that delete-then-copy atomic for other writers.
const COPY_SPANS_SQL = `COPY spans (${ENCODED_SPAN_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
/** Trace rows built in JS are cut like the span columns they come from (column-bounds.ts). */
const TRACE_CUTS = cutLimits('traces');
const COPY_TRACES_SQL = `COPY traces (${TRACE_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;

// Returns the replaced copies that had links, whose trace_links rows must go too (runs.ts): re-sent spans are few,
// and linking ones fewer, so link-free traffic pays nothing for it.
const DELETE_STORED_COPIES_SQL = `
WITH gone AS (
  DELETE FROM spans USING unnest($1::text[], $2::text[]) AS k(tid, sid)
  WHERE spans.trace_id = k.tid AND spans.span_id = k.sid
  RETURNING spans.trace_id, spans.span_id, spans.links
)
SELECT trace_id, span_id FROM gone WHERE links <> '[]'::jsonb`;

const LOCK_TRACES_SQL = `
SELECT count(pg_advisory_xact_lock(hashtextextended(id, 0)))
FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`;

// The experiments of the traces that have a row, and (linking_trace not null) the stored links pointing at the
// traces that have none yet: a new trace joins the runs of the traces that linked to it before it arrived.
const EXISTING_EXPERIMENTS_SQL = `
SELECT t.trace_id, t.experiment_id::text AS experiment_id, NULL::text AS linking_trace, NULL::text AS linking_span,
  NULL::text AS linked_span
FROM unnest($1::text[]) AS ids(trace_id) JOIN traces t ON t.trace_id = ids.trace_id
UNION ALL
SELECT l.linked_trace_id, l.experiment_id::text, l.trace_id, l.span_id, l.linked_span_id
FROM unnest($1::text[]) AS ids(trace_id) JOIN trace_links l ON l.linked_trace_id = ids.trace_id
WHERE NOT EXISTS (SELECT 1 FROM traces t WHERE t.trace_id = ids.trace_id)`;

interface ExistingRow {
  trace_id: string;
  experiment_id: string;
  linking_trace: string | null;
  linking_span: string | null;
  linked_span: string | null;
}

/** Later copies of a span in the batch replace earlier ones (a COPY can't hold one key twice). */
function dedupeSpans(spans: EncodedSpan[]): EncodedSpan[] {
  const byKey = new Map<string, EncodedSpan>();
  for (const s of spans) byKey.set(spanKey(s.fields.trace_id, s.fields.span_id), s);
  return byKey.size === spans.length ? spans : [...byKey.values()];
}

async function lockTraces(tx: Queryable, traceIds: string[]): Promise<void> {
  await tx.query(LOCK_TRACES_SQL, [traceIds]);
}

/**
 * Replaces `spans` and writes their traces' rows. `newTraces` are traces without a trace row (checked under their
 * locks): their rows are built from the batch, and — a trace row existing exactly when the trace has stored
 * spans — their spans need no delete. Every other touched trace is recomputed from the table.
 */
async function replaceSpans(
  tx: Transaction,
  spans: EncodedSpan[],
  traceIds: string[],
  newTraces: ReadonlySet<string>,
): Promise<TraceLink[]> {
  const stored = spans.filter((s) => !newTraces.has(s.fields.trace_id));
  let replacedLinking: { trace_id: string; span_id: string }[] = [];
  if (stored.length) {
    const r = await tx.query<{ trace_id: string; span_id: string }>(DELETE_STORED_COPIES_SQL, [
      stored.map((s) => s.fields.trace_id),
      stored.map((s) => s.fields.span_id),
    ]);
    replacedLinking = r.rows;
  }
  // One COPY for the batch, streamed in chunks built as the server takes them.
  await tx.copyIn(COPY_SPANS_SQL, copyChunks(spans));
  const built = newTraces.size ? buildTraceRows(spans, newTraces) : [];
  if (built.length) {
    await tx.copyIn(COPY_TRACES_SQL, copyBinary(built, TRACE_COLUMNS, TRACE_COLUMN_TYPES, TRACE_CUTS));
  }
  const builtIds = new Set(built.map((t) => t.trace_id));
  await recomputeTraces(
    tx,
    traceIds.filter((id) => !builtIds.has(id)),
  );
  await deriveToolIo(tx, toolIoTraces(spans, newTraces));
  const links = linksOf(spans);
  return links.length || replacedLinking.length ? syncLinks(tx, links, replacedLinking) : [];
}

/** Trace rows for the new traces among `spans`, except those only the SQL recompute can get exactly right. */
function buildTraceRows(spans: EncodedSpan[], newTraces: ReadonlySet<string>): TraceRecord[] {
  const byTrace = new Map<string, TraceFields[]>();
  for (const { fields } of spans) {
    if (!newTraces.has(fields.trace_id)) continue;
    const list = byTrace.get(fields.trace_id);
    if (list) list.push(fields);
    else byTrace.set(fields.trace_id, [fields]);
  }
  const rows: TraceRecord[] = [];
  for (const group of byTrace.values()) {
    const row = traceRowFromSpans(group);
    if (row) rows.push(row);
  }
  return rows;
}

/** Spans the writer left out because their API key may not write to their trace's experiment. */
export type RefusedSpans = Map<EncodedSpan, NotWritable>;

/** Writes `batch` (see the header); returns the spans refused for permission, which were not written. */
export async function writeSpanBatch(
  tx: Transaction,
  batch: EncodedSpan[],
  join?: EventJoin,
  opts: WriteOptions = {},
): Promise<RefusedSpans> {
  const refused: RefusedSpans = new Map();
  if (batch.length === 0) return refused;
  const lockedIds = [...new Set(batch.map((s) => s.fields.trace_id))].sort();
  // The traces its links point to are locked too, so a link and the trace it names meet (runs.ts).
  const targets = linkTargets(batch);
  await lockTraces(tx, targets.length ? [...lockedIds, ...targets].sort() : lockedIds);

  const existing = await tx.query<ExistingRow>(EXISTING_EXPERIMENTS_SQL, [lockedIds]);
  const pinned = new Map<string, string>();
  const incoming: TraceLink[] = [];
  for (const r of existing.rows) {
    if (r.linking_trace === null) pinned.set(r.trace_id, r.experiment_id);
    else
      incoming.push({
        trace_id: r.linking_trace,
        span_id: r.linking_span!,
        linked_trace_id: r.trace_id,
        linked_span_id: r.linked_span!,
        experiment_id: r.experiment_id,
      });
  }
  // Rows are only written with their spans and retention deletes both together: the traces without a row are
  // wholly in this batch.
  // With replaceOrphans no trace counts as new: stored spans of a trace without its row are then deleted where
  // re-sent and counted where not (the SQL recompute inserts the missing row).
  const newIds = opts.replaceOrphans ? [] : lockedIds.filter((id) => !pinned.has(id));
  // New traces: the first span of the trace in this batch decides (it was routed to an experiment its key may
  // write to, so a new trace always keeps at least that span).
  for (const { fields } of batch)
    if (!pinned.has(fields.trace_id)) pinned.set(fields.trace_id, fields.experiment_id);
  const owners = await ownersNotWritable(
    tx,
    batch.map((s) => ({
      owner: pinned.get(s.fields.trace_id)!,
      routed: s.fields.experiment_id,
      writable: s.writable,
    })),
  );
  const allowed: EncodedSpan[] = [];
  batch.forEach((s, i) => {
    const experiment = owners[i];
    if (experiment == null) allowed.push(s);
    else refused.set(s, { trace_id: s.fields.trace_id, experiment });
  });
  // Refused before the copies are deduplicated: a refused later copy must not displace an allowed earlier one.
  const spans = dedupeSpans(allowed);
  if (spans.length === 0) return refused;
  for (const { fields } of spans) fields.experiment_id = pinned.get(fields.trace_id)!;
  // Traces whose every span was refused are not touched at all (not even their row's updated_at).
  const traceIds = refused.size ? [...new Set(spans.map((s) => s.fields.trace_id))].sort() : lockedIds;
  const newTraces = new Set(newIds);

  const events = join
    ? await eventsForSpans(
        tx,
        spans.map((s) => s.fields),
      )
    : new Map();
  const gone = await replaceSpans(tx, spans, traceIds, newTraces);
  if (join && events.size > 0) {
    const keys = spans.map((s) => s.fields).filter((f) => events.has(spanKey(f.trace_id, f.span_id)));
    gone.push(...(await remapStored(tx, await readRawSpansByKeys(tx, keys), events, join)));
  }
  // Only the new traces that were written join the runs of the links pointing at them.
  const written = new Set(traceIds);
  await updateRuns(tx, [...linksOf(spans), ...incoming.filter((l) => written.has(l.linked_trace_id))], gone);
  return refused;
}

/** Re-maps stored spans with their events and replaces them (their traces exist: recomputed in SQL). */
async function remapStored(
  tx: Transaction,
  raw: RawSpanRow[],
  events: Map<string, StoredEvent[]>,
  join: EventJoin,
): Promise<TraceLink[]> {
  if (raw.length === 0) return [];
  const remapped = raw.map((r) =>
    encodeSpan({
      ...join(r, events.get(spanKey(r.trace_id, r.span_id)) ?? []),
      experiment_id: r.experiment_id,
    }),
  );
  const traceIds = [...new Set(raw.map((r) => r.trace_id))].sort();
  // Links come from the raw columns, which a re-map leaves as they were: none can be gone.
  return replaceSpans(tx, remapped, traceIds, new Set());
}

/** Stores GenAI log events and re-maps the stored spans they belong to (see the header). */
export async function writeEvents(
  tx: Transaction,
  events: EventRecord[],
  join: EventJoin,
  writable: WritableExperiments = null,
): Promise<{ refused: number; message?: string }> {
  if (events.length === 0) return { refused: 0 };
  const traceIds = [...new Set(events.map((e) => e.trace_id).filter((t): t is string => t !== null))].sort();
  if (traceIds.length) await lockTraces(tx, traceIds);
  let allowed = events;
  let refused: NotWritable[] = [];
  if (writable && traceIds.length) {
    // An event of a stored trace joins that trace's span: it may be written only by a key that may write there.
    const existing = await tx.query<ExistingRow>(EXISTING_EXPERIMENTS_SQL, [traceIds]);
    const owner = new Map(
      existing.rows.filter((r) => r.linking_trace === null).map((r) => [r.trace_id, r.experiment_id]),
    );
    const routed = (e: EventRecord) => String(e.experiment_id);
    const names = await ownersNotWritable(
      tx,
      events.map((e) => ({
        owner: (e.trace_id && owner.get(e.trace_id)) || routed(e),
        routed: routed(e),
        writable,
      })),
    );
    allowed = events.filter((_, i) => names[i] == null);
    refused = events.flatMap((e, i) =>
      names[i] == null ? [] : [{ trace_id: e.trace_id!, experiment: names[i]! }],
    );
  }
  const outcome = refused.length
    ? { refused: refused.length, message: notWritableMessage(refused.length, refused[0]!) }
    : { refused: 0 };
  if (allowed.length === 0) return outcome;
  await insertEvents(tx, allowed);

  const keys = new Map<string, { trace_id: string; span_id: string }>();
  for (const e of allowed) {
    if (e.trace_id && e.span_id)
      keys.set(spanKey(e.trace_id, e.span_id), { trace_id: e.trace_id, span_id: e.span_id });
  }
  const raw = await readRawSpansByKeys(tx, [...keys.values()]);
  if (raw.length === 0) return outcome;
  await remapStored(tx, raw, await eventsForSpans(tx, raw), join);
  return outcome;
}
