/**
 * The rows the read side returns, one definition for the store and the API: store/read/ builds them, api/types.ts
 * re-exports them under the API's names (TraceListItem, SpanNode, …) as the JSON contract, and the web UI compiles
 * against that. Types only — no imports and no runtime code — so the UI's type check, which follows api/types.ts
 * here, sees nothing of the server (ARCHITECTURE.md, "One set of read types").
 *
 * Conventions: snake_case keys, as the SQL columns they come from; ids lowercase hex; `*_time` ISO-8601 UTC strings
 * (microseconds, as stored); `*_ns` exact Unix nanoseconds as decimal strings; durations in milliseconds; tokens
 * numbers or null.
 */

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS';

/** The span types the mapper assigns (docs/schema.md); the read side passes through whatever is stored. */
export type SpanType =
  | 'LLM'
  | 'CHAT_MODEL'
  | 'EMBEDDING'
  | 'RERANKER'
  | 'RETRIEVER'
  | 'TOOL'
  | 'AGENT'
  | 'CHAIN'
  | 'PARSER'
  | 'MEMORY'
  | 'WORKFLOW'
  | 'TASK'
  | 'GUARDRAIL'
  | 'EVALUATOR'
  | 'UNKNOWN'
  | (string & {});

export type SpanStatus = 'UNSET' | 'OK' | 'ERROR';

export interface ExperimentRow {
  /** bigint as a decimal string. */
  experiment_id: string;
  name: string;
  created_at: string;
  tags: Record<string, unknown>;
}

/** A trace in a list. */
export interface TraceListRow {
  trace_id: string;
  experiment_id: string;
  experiment_name: string;
  /** The run the trace belongs to (issue 17: the trace's own id for a run of one). */
  run_id: string;
  name: string | null;
  state: TraceState;
  start_time: string;
  end_time: string | null;
  start_ns: string | null;
  duration_ms: number | null;
  span_count: number;
  /** Spans with status ERROR (a trace can be OK at its root and still hold failed spans). */
  failed_span_count: number;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  /** Distinct models of the trace's spans, sorted. */
  models: string[];
  request_preview: string | null;
  response_preview: string | null;
  session_id: string | null;
  user_id: string | null;
  tags: Record<string, unknown>;
}

/** One trace's row on its own page. */
export interface TraceRowDetail extends TraceListRow {
  end_ns: string | null;
  /** Traces in this trace's run, this one included: more than 1 means the run page has more to show. */
  run_trace_count: number;
  /** null when the root span never arrived (`root_missing`). */
  root_span_id: string | null;
  root_missing: boolean;
  metadata: Record<string, unknown>;
}

/** A span link as stored (`spans.links`): to a span of this or another trace. */
export interface SpanLinkRow {
  trace_id: string;
  span_id: string;
  /** Only in span content. */
  attributes?: Record<string, unknown>;
  trace_state?: string;
}

/** One node of the span tree: everything but content. Spans come sorted by (start_ns, span_id). */
export interface SpanNodeRow {
  span_id: string;
  /** null for a root; may name a span that never arrived (then the UI shows the span at top level). */
  parent_span_id: string | null;
  name: string;
  span_type: SpanType;
  kind: string;
  status: SpanStatus;
  status_message: string | null;
  error_type: string | null;
  start_ns: string;
  end_ns: string;
  duration_ms: number;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  tool_name: string | null;
  agent_name: string | null;
  /** Links to spans of other traces (or of this one). */
  links: SpanLinkRow[];
  has_inputs: boolean;
  has_outputs: boolean;
  /** input_messages or output_messages present: the Chat tab has something to show. */
  has_messages: boolean;
  event_count: number;
}

export interface SpanEventRow {
  name: string;
  time_unix_nano: string;
  attributes: Record<string, unknown>;
}

/** One span's content, as stored (docs/schema.md); `experiment_name` is for the API's access check. */
export interface SpanContentRow {
  trace_id: string;
  span_id: string;
  experiment_name: string;
  inputs: unknown;
  outputs: unknown;
  /** Normalized chat messages: [{role, content, tool_calls?: [{id, name, arguments}], tool_call_id?, name?, …}]. */
  input_messages: Record<string, unknown>[] | null;
  output_messages: Record<string, unknown>[] | null;
  attributes: Record<string, unknown>;
  resource_attributes: Record<string, unknown>;
  scope: { name: string | null; version: string | null; attributes: Record<string, unknown> };
  /** [{name, time_unix_nano, attributes}]; an exception event has `exception.type/message/stacktrace`. */
  events: SpanEventRow[];
  links: SpanLinkRow[];
  request_params: Record<string, unknown> | null;
  finish_reasons: string[] | null;
  assessments: unknown[] | null;
  conventions: string[];
  /**
   * `spans.derived`: null when every value is as sent; else which columns tracebridge filled in from other spans,
   * e.g. `{"outputs": {"source": "tool_message", "span_id": "…"}}` (docs/schema.md, "Derived tool-call content").
   */
  derived: Record<string, unknown> | null;
}

/** What the runs and sessions lists sum over a group's traces. */
export interface GroupTotals {
  trace_count: number;
  failed_span_count: number;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  /** The first trace's request and the last trace's response. */
  request_preview: string | null;
  response_preview: string | null;
}

/** A run in a list (the `runs` view's values). */
export interface RunRow extends GroupTotals {
  run_id: string;
  experiment_id: string;
  experiment_name: string;
  name: string | null;
  state: TraceState;
  start_time: string | null;
  end_time: string | null;
  duration_ms: number | null;
  span_count: number;
}

/** A session in a list (the `sessions` view's values). */
export interface SessionRow extends GroupTotals {
  session_id: string;
  experiment_id: string;
  experiment_name: string;
  first_time: string | null;
  last_time: string | null;
}

/**
 * How a trace of the run hangs in the run's tree: a span of `trace_id` (`via_span_id`) links to
 * `parent_span_id` in `parent_trace_id`, so the trace is drawn under that span. A trace with no such link is a top
 * level of the run. A trace linked from several spans is listed once per link; the UI draws it under the first.
 */
export interface RunAttachmentRow {
  trace_id: string;
  via_span_id: string;
  parent_trace_id: string;
  parent_span_id: string;
}
