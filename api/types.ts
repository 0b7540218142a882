/**
 * The read API's contract, shared by the server (api/) and the web UI (ui/): types only, no runtime code and no
 * Node imports, so the UI imports it with `import type` without pulling server code. The rows the store returns
 * are defined once, in store/read/rows.ts (itself types only, importing nothing), and named here as the API
 * calls them; this file adds what only the API has (pages, queries, the compact tree, typed chat messages).
 *
 * Contract (GET only; JSON; snake_case keys, as the SQL columns they come from):
 * - Base path `/api/v1/`; the OpenAPI 3.1 document is `GET /api/v1/openapi.json`.
 *   `GET /api/v1/experiments` → ExperimentList
 *   `GET /api/v1/traces?…TraceListQuery` → Page<TraceListItem>, newest first
 *   `GET /api/v1/traces/<trace_id>` → TraceDetail (the tree: no large content)
 *   `GET /api/v1/traces/<trace_id>/tree` → TraceTree (the same tree, compact: what the UI loads)
 *   `GET /api/v1/traces/<trace_id>/spans/<span_id>` → SpanContent (one span's content)
 *   `GET /api/v1/runs?…RunListQuery` → Page<RunListItem>; `GET /api/v1/runs/<run_id>` → RunDetail
 *   `GET /api/v1/runs/<run_id>/spans?…RunSpansQuery` → Page<RunTraceTree> (the run's trees, compact, paged)
 *   `GET /api/v1/sessions?…SessionListQuery` → Page<SessionListItem>;
 *   `GET /api/v1/sessions/<id>?experiment=<name>` → SessionDetail
 * - Access: when the bridge has API keys, every `/api/v1/` call needs `Authorization: Bearer <key>` or
 *   `x-api-key: <key>` (401 without or with a wrong key; the OpenAPI document is public). A key scoped to
 *   experiments sees only those: other experiments' traces, runs and sessions answer 404 and are absent from lists.
 * - Errors: 4xx/5xx with ApiError. A bad query parameter is 400 `BAD_REQUEST` naming the parameter; nothing a
 *   client sends yields a 500.
 * - Ids: trace ids 32 lowercase hex, span ids 16 lowercase hex (uppercase is accepted and lowered).
 * - Times: `*_time` are ISO-8601 UTC strings (microsecond precision, as stored); `*_ns` are exact Unix nanoseconds
 *   as decimal strings (the waterfall's axis). Durations in milliseconds (double). Tokens are numbers or null.
 * - Pagination is keyset: pass `next_cursor` back as `cursor` with the same filters; null means the last page.
 *   There is no total count (counting a large table is slow); lists are newest first.
 * - Large content (inputs, outputs, messages, attributes, events) comes only per span: a 10,000-span trace's tree
 *   is small enough to load at once, the content of a span loads when it is opened.
 * - The UI's static files are served from `dist/ui/` (Vite's build output, `index.html` + hashed `assets/`):
 *   `/`, `/traces/<id>`, `/runs/<id>`, `/sessions/<id>` answer with `index.html`; `/assets/*` are immutable.
 *   Content-Security-Policy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;
 *   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`
 *   No inline <script> or <style> and no `style="…"` in HTML; styles set from script (element.style, a framework's
 *   style props) are allowed by CSP. Everything is served by the bridge: no CDN, fonts or network calls.
 */

import type {
  ExperimentRow,
  RunAttachmentRow,
  RunRow,
  SessionRow,
  SpanContentRow,
  SpanEventRow,
  SpanLinkRow,
  SpanNodeRow,
  SpanStatus,
  SpanType,
  TraceListRow,
  TraceRowDetail,
  TraceState,
} from '../store/read/rows.js';

export type { SpanStatus, SpanType, TraceState } from '../store/read/rows.js';

export interface ApiError {
  error: {
    /** Stable: BAD_REQUEST, UNAUTHENTICATED, NOT_FOUND, METHOD_NOT_ALLOWED, UNAVAILABLE, INTERNAL. */
    code: string;
    message: string;
  };
}

/** A keyset page. */
export interface Page<T> {
  items: T[];
  /** Opaque; pass as `cursor` to get the next page. null when this is the last page. */
  next_cursor: string | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Experiments

export type Experiment = ExperimentRow;

export interface ExperimentList {
  items: Experiment[];
}

// ---------------------------------------------------------------------------------------------------------------
// Traces

/**
 * `GET /api/v1/traces` query string. Every parameter is optional and they combine with AND. Repeatable parameters
 * are written once per value (`tag=a=1&tag=b=2`).
 */
export interface TraceListQuery {
  /**
   * Text anywhere in the trace's user and assistant messages / request and response text (full-text: words, any
   * order, each word matching as a prefix — `refund` finds "refunds"). 1–200 characters.
   */
  q?: string;
  /** Experiment name (exact). */
  experiment?: string;
  state?: TraceState;
  /** `true`: only traces with at least one failed span (whatever the root's state). */
  errors?: boolean;
  /** Start time range, ISO-8601 or Unix milliseconds; `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  /** `key=value` (repeatable): traces whose tags hold every pair. */
  tag?: string[];
  /** Only traces with at least one span of this type. */
  span_type?: SpanType;
  /** Only traces lasting at least this long. */
  min_duration_ms?: number;
  /** Trace id prefix, 1–32 hex characters. */
  trace_id?: string;
  /** Only this session's traces. */
  session?: string;
  /** Only this run's traces. */
  run?: string;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string;
}

export type TraceListItem = TraceListRow;

export type TraceRow = TraceRowDetail;

export type SpanLink = SpanLinkRow;

export type SpanNode = SpanNodeRow;

export interface TraceDetail {
  trace: TraceRow;
  spans: SpanNode[];
}

/**
 * A SpanNode in the compact tree (`/tree`, the run's `/spans`): a 10,000-span tree in about half the bytes.
 * A key that is absent has its default: `parent_span_id` null (a root), `kind` "INTERNAL", `status` "UNSET",
 * other strings and tokens null, `links` [], the `has_*` flags false, `event_count` 0. Times are offsets.
 */
export interface CompactSpan {
  span_id: string;
  parent_span_id?: string;
  name: string;
  span_type: SpanType;
  kind?: string;
  status?: SpanStatus;
  status_message?: string;
  error_type?: string;
  /** Nanoseconds from the trace's `start_ns` (a JSON number: exact below 2^53 ns, 104 days; may be negative). */
  start_offset_ns: number;
  duration_ms: number;
  model?: string;
  provider?: string;
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  tool_name?: string;
  agent_name?: string;
  links?: SpanLink[];
  has_inputs?: true;
  has_outputs?: true;
  has_messages?: true;
  event_count?: number;
}

/** `GET /api/v1/traces/<trace_id>/tree`: the trace row and its compact span tree, sorted by (start, span_id). */
export interface TraceTree {
  trace: TraceRow;
  spans: CompactSpan[];
}

/** `GET /api/v1/traces/<trace_id>/spans/<span_id>`: the span's content, as stored (docs/schema.md). */
export interface SpanContent
  extends Omit<SpanContentRow, 'experiment_name' | 'input_messages' | 'output_messages'> {
  input_messages: ChatMessage[] | null;
  output_messages: ChatMessage[] | null;
}

export interface ChatMessage {
  role: string;
  content: unknown;
  tool_calls?: { id?: string | null; name?: string | null; arguments?: unknown }[];
  tool_call_id?: string | null;
  name?: string | null;
  finish_reason?: string | null;
  [key: string]: unknown;
}

export type SpanEvent = SpanEventRow;

// ---------------------------------------------------------------------------------------------------------------
// Runs (traces joined by span links, issue 17)

export interface RunListQuery {
  experiment?: string;
  state?: TraceState;
  errors?: boolean;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export type RunListItem = RunRow;

export type RunAttachment = RunAttachmentRow;

export interface RunDetail {
  run: RunListItem;
  /** The run's traces, oldest first (their trees load from `GET /api/v1/runs/<id>/spans`). At most 1000. */
  traces: TraceListItem[];
  attachments: RunAttachment[];
  /** true when the run has more traces than `traces` holds. */
  truncated: boolean;
}

/**
 * `GET /api/v1/runs/<run_id>/spans` query: the run's traces oldest first, whole traces per page — at most `limit`
 * traces (1–200, default 50) and, past the first trace, no more than 20,000 spans.
 */
export interface RunSpansQuery {
  limit?: number;
  cursor?: string;
}

/** One trace of a run with its compact span tree (offsets from this trace's `start_ns`). */
export interface RunTraceTree {
  trace_id: string;
  start_ns: string | null;
  root_span_id: string | null;
  spans: CompactSpan[];
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions

export interface SessionListQuery {
  experiment?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export type SessionListItem = SessionRow;

export interface SessionDetail {
  session: SessionListItem;
  /** The session's traces in time order, oldest first (request → response of each). At most 1000. */
  traces: TraceListItem[];
  truncated: boolean;
}
