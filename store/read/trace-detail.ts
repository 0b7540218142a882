/**
 * One trace for the read API: its row, its span tree without content (a 10,000-span trace's tree is a few MB and
 * one primary-key range), and one span's content when it is opened.
 */
import type { Queryable } from '../db.js';
import type { SpanContentRow, SpanLinkRow, SpanNodeRow, TraceRowDetail } from './rows.js';
import { TRACE_ITEM_COLUMNS, traceItem } from './trace-list.js';
import { num, object, str } from './values.js';

export type { SpanContentRow, SpanLinkRow, SpanNodeRow, TraceRowDetail } from './rows.js';

const TRACE_ROW_SQL = `
SELECT ${TRACE_ITEM_COLUMNS}, t.end_time_unix_nano::text AS end_ns, t.root_span_id, t.metadata,
  (SELECT count(*) FROM traces r WHERE r.run_id = t.run_id) AS run_trace_count
FROM traces t
JOIN experiments e ON e.experiment_id = t.experiment_id
WHERE t.trace_id = $1::text`;

export async function getTraceRow(db: Queryable, traceId: string): Promise<TraceRowDetail | null> {
  const row = (await db.query<Record<string, unknown>>(TRACE_ROW_SQL, [traceId])).rows[0];
  if (!row) return null;
  return {
    ...traceItem(row),
    end_ns: str(row.end_ns),
    run_trace_count: Number(row.run_trace_count ?? 1),
    root_span_id: str(row.root_span_id),
    root_missing: row.root_span_id === null || row.root_span_id === undefined,
    metadata: object(row.metadata),
  };
}

// Only the link ids in the tree; the content columns are tested for presence, not read (IS NOT NULL reads the
// null bitmap, not the TOASTed value).
const SPAN_TREE_COLUMNS = `
  s.trace_id, s.span_id, s.parent_span_id, s.name, s.span_type, s.kind, s.status, s.status_message, s.error_type,
  s.start_time_unix_nano::text AS start_ns, s.end_time_unix_nano::text AS end_ns, s.duration_ms,
  s.model, s.provider, s.input_tokens, s.output_tokens, s.total_tokens, s.tool_name, s.agent_name,
  CASE WHEN jsonb_typeof(s.links) = 'array' AND s.links <> '[]'::jsonb THEN
    (SELECT coalesce(jsonb_agg(jsonb_build_object('trace_id', l.value ->> 'trace_id', 'span_id', l.value ->> 'span_id')
       ORDER BY l.ord), '[]'::jsonb)
     FROM jsonb_array_elements(s.links) WITH ORDINALITY AS l (value, ord)
     WHERE jsonb_typeof(l.value) = 'object')
  ELSE '[]'::jsonb END AS links,
  s.inputs IS NOT NULL AS has_inputs,
  s.outputs IS NOT NULL AS has_outputs,
  (s.input_messages IS NOT NULL OR s.output_messages IS NOT NULL) AS has_messages,
  CASE WHEN jsonb_typeof(s.events) = 'array' THEN jsonb_array_length(s.events) ELSE 0 END AS event_count`;

const SPAN_TREE_SQL = `SELECT ${SPAN_TREE_COLUMNS} FROM spans s WHERE s.trace_id = $1::text
ORDER BY s.start_time_unix_nano, s.span_id`;

const SPAN_TREES_SQL = `SELECT ${SPAN_TREE_COLUMNS} FROM spans s WHERE s.trace_id = ANY($1::text[])
ORDER BY s.trace_id, s.start_time_unix_nano, s.span_id`;

const links = (v: unknown): SpanLinkRow[] =>
  Array.isArray(v)
    ? v
        .filter((l): l is Record<string, unknown> => l !== null && typeof l === 'object')
        .map((l) => {
          const out: SpanLinkRow = { trace_id: String(l.trace_id ?? ''), span_id: String(l.span_id ?? '') };
          if (l.attributes !== undefined) out.attributes = object(l.attributes);
          if (typeof l.trace_state === 'string') out.trace_state = l.trace_state;
          return out;
        })
    : [];

export async function getSpanTree(db: Queryable, traceId: string): Promise<SpanNodeRow[]> {
  const r = await db.query<Record<string, unknown>>(SPAN_TREE_SQL, [traceId]);
  return r.rows.map(spanNode);
}

/** The span trees of several traces (a page of a run's traces), by trace id. */
export async function getSpanTrees(db: Queryable, traceIds: string[]): Promise<Map<string, SpanNodeRow[]>> {
  const out = new Map<string, SpanNodeRow[]>(traceIds.map((id) => [id, []]));
  if (traceIds.length === 0) return out;
  const r = await db.query<Record<string, unknown>>(SPAN_TREES_SQL, [traceIds]);
  for (const row of r.rows) out.get(String(row.trace_id))?.push(spanNode(row));
  return out;
}

function spanNode(row: Record<string, unknown>): SpanNodeRow {
  return {
    span_id: String(row.span_id),
    parent_span_id: str(row.parent_span_id),
    name: String(row.name),
    span_type: String(row.span_type),
    kind: String(row.kind),
    status: row.status as SpanNodeRow['status'],
    status_message: str(row.status_message),
    error_type: str(row.error_type),
    start_ns: String(row.start_ns),
    end_ns: String(row.end_ns),
    duration_ms: Number(row.duration_ms),
    model: str(row.model),
    provider: str(row.provider),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    total_tokens: num(row.total_tokens),
    tool_name: str(row.tool_name),
    agent_name: str(row.agent_name),
    links: links(row.links),
    has_inputs: Boolean(row.has_inputs),
    has_outputs: Boolean(row.has_outputs),
    has_messages: Boolean(row.has_messages),
    event_count: Number(row.event_count),
  };
}

const SPAN_CONTENT_SQL = `
SELECT s.trace_id, s.span_id, e.name AS experiment_name, s.inputs, s.outputs, s.input_messages, s.output_messages,
  s.attributes, s.resource_attributes, s.scope_name, s.scope_version, s.scope_attributes, s.events, s.links,
  s.request_params, s.finish_reasons, s.assessments, s.conventions, s.derived
FROM spans s
JOIN experiments e ON e.experiment_id = s.experiment_id
WHERE s.trace_id = $1::text AND s.span_id = $2::text`;

const array = <T>(v: unknown): T[] | null => (Array.isArray(v) ? (v as T[]) : null);

export async function getSpanContent(
  db: Queryable,
  traceId: string,
  spanId: string,
): Promise<SpanContentRow | null> {
  const row = (await db.query<Record<string, unknown>>(SPAN_CONTENT_SQL, [traceId, spanId])).rows[0];
  if (!row) return null;
  return {
    trace_id: String(row.trace_id),
    span_id: String(row.span_id),
    experiment_name: String(row.experiment_name),
    inputs: row.inputs ?? null,
    outputs: row.outputs ?? null,
    input_messages: array(row.input_messages),
    output_messages: array(row.output_messages),
    attributes: object(row.attributes),
    resource_attributes: object(row.resource_attributes),
    scope: {
      name: str(row.scope_name),
      version: str(row.scope_version),
      attributes: object(row.scope_attributes),
    },
    events: (array<Record<string, unknown>>(row.events) ?? []).map((ev) => ({
      name: String(ev?.name ?? ''),
      time_unix_nano: String(ev?.time_unix_nano ?? ''),
      attributes: object(ev?.attributes),
    })),
    links: links(row.links),
    request_params: row.request_params === null ? null : object(row.request_params),
    finish_reasons: array<string>(row.finish_reasons),
    assessments: array(row.assessments),
    conventions: array<string>(row.conventions) ?? [],
    derived: row.derived === null || row.derived === undefined ? null : object(row.derived),
  };
}
