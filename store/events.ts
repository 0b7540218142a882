/**
 * GenAI events that arrived as OTLP log records: stored once each (event_key), and read back per span so that a
 * span's mapped columns can include them whichever arrived first.
 */
import { boundRow } from './column-bounds.js';
import type { Queryable } from './db.js';

export const EVENT_COLUMNS = [
  'event_key',
  'trace_id',
  'span_id',
  'experiment_id',
  'event_name',
  'time',
  'time_unix_nano',
  'observed_time_unix_nano',
  'severity_number',
  'severity_text',
  'body',
  'attributes',
  'resource_attributes',
  'scope_name',
  'scope_version',
  'writer_experiments',
] as const;

export type EventRecord = { [K in (typeof EVENT_COLUMNS)[number]]: unknown } & {
  event_key: string;
  trace_id: string | null;
  span_id: string | null;
};

/** A stored event as the join needs it. */
export interface StoredEvent {
  trace_id: string;
  span_id: string;
  event_key: string;
  event_name: string;
  time_unix_nano: string;
  body: unknown;
  attributes: Record<string, unknown>;
}

const COLS = EVENT_COLUMNS.join(', ');

const INSERT_EVENTS_SQL = `
INSERT INTO genai_events (${COLS})
SELECT ${COLS} FROM json_populate_recordset(NULL::genai_events, $1::json)
ON CONFLICT (event_key) DO NOTHING`;

// An event stored by a key limited to experiments joins only spans of those experiments (writer_experiments,
// migration 009): it may have been sent before its span existed, when no owner could be checked.
const EVENTS_FOR_SPANS_SQL = `
SELECT e.trace_id, e.span_id, e.event_key, e.event_name, e.time_unix_nano::text AS time_unix_nano, e.body, e.attributes
FROM genai_events e
JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS k(trace_id, span_id, experiment_id)
  ON e.trace_id = k.trace_id AND e.span_id = k.span_id
JOIN experiments x ON x.experiment_id = k.experiment_id
WHERE e.writer_experiments IS NULL OR x.name = ANY(e.writer_experiments)
ORDER BY e.trace_id, e.span_id, e.time_unix_nano, e.event_key`;

export async function insertEvents(tx: Queryable, records: EventRecord[]): Promise<void> {
  // Values an index could not hold are cut first (column-bounds.ts); event_key hashes the whole name already.
  for (const r of records) boundRow('genai_events', r);
  if (records.length) await tx.query(INSERT_EVENTS_SQL, [JSON.stringify(records)]);
}

export const spanKey = (traceId: string, spanId: string): string => `${traceId}:${spanId}`;

/**
 * Stored events of these spans (each with the experiment it is stored in), grouped by span key (trace_id:span_id),
 * in time order: those that may join a span of that experiment.
 */
export async function eventsForSpans(
  tx: Queryable,
  keys: { trace_id: string; span_id: string; experiment_id: string }[],
): Promise<Map<string, StoredEvent[]>> {
  const out = new Map<string, StoredEvent[]>();
  if (keys.length === 0) return out;
  const r = await tx.query<StoredEvent>(EVENTS_FOR_SPANS_SQL, [
    keys.map((k) => k.trace_id),
    keys.map((k) => k.span_id),
    keys.map((k) => k.experiment_id),
  ]);
  for (const e of r.rows) {
    const k = spanKey(e.trace_id, e.span_id);
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}
