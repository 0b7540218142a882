/**
 * Read queries for the terminal viewer (`tracebridge traces` / `tracebridge trace`). Values are normalized here so
 * callers see plain types whatever the driver returns (node-postgres gives int8 as string): counts and tokens as
 * numbers, exact nanosecond timestamps as decimal strings.
 */
import type { Queryable } from './db.js';

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS';

/**
 * A trace still without its root span this long after its last span arrived is shown as missing its root: clients
 * export spans within seconds of their end (the SDKs' batch delay is 5 s), so by then the root was most likely
 * dropped on the client (MLflow with opentelemetry-sdk ≥ 1.43 drops the root of a trace with tags, README). Computed
 * when read, from the database clock and the row's updated_at (its last write): nothing stored depends on the clock.
 */
export const ROOT_OVERDUE_MINUTES = 10;
const ROOT_OVERDUE_SQL = `(t.state = 'IN_PROGRESS' AND t.updated_at < now() - interval '${ROOT_OVERDUE_MINUTES} minutes') AS root_overdue`;

export interface TraceListFilter {
  experiment: string | null;
  /** Only traces that started at or after this instant. */
  since: Date | null;
  state: TraceState | null;
  /** Only traces with at least one failed span (traces.error_count > 0), whatever the root's state. */
  errors?: boolean;
  limit: number;
}

export interface TraceListRow {
  traceId: string;
  experimentName: string;
  name: string | null;
  state: TraceState;
  startNs: string | null;
  durationMs: number | null;
  spanCount: number;
  errorCount: number;
  totalTokens: number | null;
  requestPreview: string | null;
  /** IN_PROGRESS, and its last span arrived over ROOT_OVERDUE_MINUTES ago: the root span most likely never comes. */
  rootOverdue: boolean;
}

export interface TraceDetail {
  traceId: string;
  experimentId: string;
  experimentName: string;
  name: string | null;
  state: TraceState;
  startNs: string | null;
  endNs: string | null;
  durationMs: number | null;
  spanCount: number;
  errorCount: number;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  sessionId: string | null;
  userId: string | null;
  requestPreview: string | null;
  responsePreview: string | null;
  tags: unknown;
  metadata: unknown;
  /** As TraceListRow.rootOverdue. */
  rootOverdue: boolean;
  /** When the trace's last span was written (its row's updated_at), ISO 8601. */
  lastWriteAt: string;
  /** The run the trace belongs to (its own id when it is linked to nothing). */
  runId: string;
}

export interface SpanDetail {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  spanType: string;
  kind: string;
  status: string;
  statusMessage: string | null;
  errorType: string | null;
  startNs: string;
  endNs: string;
  durationMs: number;
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  toolName: string | null;
  toolCallId: string | null;
  agentName: string | null;
  /** Chat spans: from the llm_calls view. */
  lastUserMessage: string | null;
  reply: string | null;
  requestedTools: string[] | null;
  inputs: unknown;
  outputs: unknown;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const LIST_TRACES_SQL = `
SELECT t.trace_id, e.name AS experiment_name, t.name, t.state,
  t.start_time_unix_nano::text AS start_ns, t.duration_ms, t.span_count, t.error_count,
  t.total_tokens, t.request_preview, ${ROOT_OVERDUE_SQL}
FROM traces t
JOIN experiments e ON e.experiment_id = t.experiment_id
WHERE ($1::text IS NULL OR e.name = $1::text)
  AND ($2::timestamptz IS NULL OR t.start_time >= $2::timestamptz)
  AND ($3::text IS NULL OR t.state = $3::text)
  AND (NOT $5::boolean OR t.error_count > 0)
ORDER BY t.start_time DESC, t.trace_id
LIMIT $4::integer`;

export async function listTraces(db: Queryable, filter: TraceListFilter): Promise<TraceListRow[]> {
  const r = await db.query<Record<string, unknown>>(LIST_TRACES_SQL, [
    filter.experiment,
    filter.since?.toISOString() ?? null,
    filter.state,
    filter.limit,
    filter.errors ?? false,
  ]);
  return r.rows.map((row) => ({
    traceId: String(row.trace_id),
    experimentName: String(row.experiment_name),
    name: str(row.name),
    state: row.state as TraceState,
    startNs: str(row.start_ns),
    durationMs: num(row.duration_ms),
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    totalTokens: num(row.total_tokens),
    requestPreview: str(row.request_preview),
    rootOverdue: row.root_overdue === true,
  }));
}

export async function experimentExists(db: Queryable, name: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM experiments WHERE name = $1', [name]);
  return r.rows.length > 0;
}

/**
 * Trace ids starting with `prefix` (lowercase hex), at most `max` of them, so the viewer can accept the short ids
 * it prints. A full 32-character id is an exact primary-key lookup; a shorter prefix scans the traces table.
 */
export async function findTraceIds(db: Queryable, prefix: string, max = 2): Promise<string[]> {
  const r =
    prefix.length === 32
      ? await db.query<{ trace_id: string }>('SELECT trace_id FROM traces WHERE trace_id = $1', [prefix])
      : await db.query<{ trace_id: string }>(
          'SELECT trace_id FROM traces WHERE starts_with(trace_id, $1) ORDER BY trace_id LIMIT $2::integer',
          [prefix, max],
        );
  return r.rows.map((row) => row.trace_id);
}

const TRACE_SQL = `
SELECT t.trace_id, t.experiment_id::text AS experiment_id, e.name AS experiment_name, t.name, t.state,
  t.start_time_unix_nano::text AS start_ns, t.end_time_unix_nano::text AS end_ns, t.duration_ms,
  t.span_count, t.error_count, t.input_tokens, t.output_tokens, t.total_tokens,
  t.session_id, t.user_id, t.request_preview, t.response_preview, t.tags, t.metadata, t.run_id,
  ${ROOT_OVERDUE_SQL}, t.updated_at
FROM traces t
JOIN experiments e ON e.experiment_id = t.experiment_id
WHERE t.trace_id = $1`;

export async function getTrace(db: Queryable, traceId: string): Promise<TraceDetail | null> {
  const row = (await db.query<Record<string, unknown>>(TRACE_SQL, [traceId])).rows[0];
  if (!row) return null;
  return {
    traceId: String(row.trace_id),
    experimentId: String(row.experiment_id),
    experimentName: String(row.experiment_name),
    name: str(row.name),
    state: row.state as TraceState,
    startNs: str(row.start_ns),
    endNs: str(row.end_ns),
    durationMs: num(row.duration_ms),
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    totalTokens: num(row.total_tokens),
    sessionId: str(row.session_id),
    userId: str(row.user_id),
    requestPreview: str(row.request_preview),
    responsePreview: str(row.response_preview),
    tags: row.tags,
    metadata: row.metadata,
    rootOverdue: row.root_overdue === true,
    lastWriteAt: new Date(row.updated_at as string | Date).toISOString(),
    runId: String(row.run_id),
  };
}

// The chat columns come from the llm_calls view so the viewer and SQL users read messages the same way.
const SPANS_SQL = `
SELECT s.span_id, s.parent_span_id, s.name, s.span_type, s.kind, s.status, s.status_message, s.error_type,
  s.start_time_unix_nano::text AS start_ns, s.end_time_unix_nano::text AS end_ns, s.duration_ms,
  s.model, s.provider, s.input_tokens, s.output_tokens, s.total_tokens,
  s.tool_name, s.tool_call_id, s.agent_name,
  l.last_user_message, l.reply, l.requested_tools, s.inputs, s.outputs
FROM spans s
LEFT JOIN llm_calls l ON l.trace_id = s.trace_id AND l.span_id = s.span_id
WHERE s.trace_id = $1
ORDER BY s.start_time_unix_nano, s.span_id`;

export async function getTraceSpans(db: Queryable, traceId: string): Promise<SpanDetail[]> {
  const r = await db.query<Record<string, unknown>>(SPANS_SQL, [traceId]);
  return r.rows.map((row) => ({
    spanId: String(row.span_id),
    parentSpanId: str(row.parent_span_id),
    name: String(row.name),
    spanType: String(row.span_type),
    kind: String(row.kind),
    status: String(row.status),
    statusMessage: str(row.status_message),
    errorType: str(row.error_type),
    startNs: String(row.start_ns),
    endNs: String(row.end_ns),
    durationMs: Number(row.duration_ms),
    model: str(row.model),
    provider: str(row.provider),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    totalTokens: num(row.total_tokens),
    toolName: str(row.tool_name),
    toolCallId: str(row.tool_call_id),
    agentName: str(row.agent_name),
    lastUserMessage: str(row.last_user_message),
    reply: str(row.reply),
    requestedTools: Array.isArray(row.requested_tools) ? row.requested_tools.map(String) : null,
    inputs: row.inputs ?? null,
    outputs: row.outputs ?? null,
  }));
}
