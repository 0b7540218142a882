/**
 * Read queries for runs in the terminal viewer (`tracebridge traces --runs`, `tracebridge run`), normalized as in
 * queries.ts (counts and tokens as numbers, exact nanoseconds as decimal strings).
 */
import type { Queryable } from './db.js';
import type { TraceState } from './queries.js';

export interface RunListFilter {
  experiment: string | null;
  since: Date | null;
  state: TraceState | null;
  /** Only runs with at least one failed span. */
  errors: boolean;
  limit: number;
}

export interface RunRow {
  runId: string;
  experimentId: string;
  experimentName: string;
  name: string | null;
  state: TraceState;
  startNs: string | null;
  endNs: string | null;
  durationMs: number | null;
  traceCount: number;
  spanCount: number;
  errorCount: number;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  requestPreview: string | null;
  responsePreview: string | null;
  sessionId: string | null;
  userId: string | null;
}

/** A link from a span of the run to a span of another of its traces. */
export interface RunLink {
  traceId: string;
  spanId: string;
  linkedTraceId: string;
  linkedSpanId: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const RUN_COLUMNS = `r.run_id, r.experiment_id::text AS experiment_id, e.name AS experiment_name, r.name, r.state,
  r.start_time_unix_nano::text AS start_ns, r.end_time_unix_nano::text AS end_ns, r.duration_ms, r.trace_count,
  r.span_count, r.error_count, r.input_tokens, r.output_tokens, r.total_tokens, r.request_preview,
  r.response_preview, r.session_id, r.user_id`;

// With --since, only the runs that have a trace in the window are aggregated (through traces_start_idx) instead of
// every run; a run counts from its first trace's start either way.
const LIST_RUNS_SQL = `
SELECT ${RUN_COLUMNS}
FROM runs r
JOIN experiments e ON e.experiment_id = r.experiment_id
WHERE ($1::text IS NULL OR e.name = $1::text)
  AND ($2::timestamptz IS NULL OR (r.start_time >= $2::timestamptz
       AND r.run_id IN (SELECT run_id FROM traces WHERE start_time >= $2::timestamptz)))
  AND ($3::text IS NULL OR r.state = $3::text)
  AND (NOT $4::boolean OR r.error_count > 0)
ORDER BY r.start_time DESC, r.run_id
LIMIT $5::integer`;

function runRow(row: Record<string, unknown>): RunRow {
  return {
    runId: String(row.run_id),
    experimentId: String(row.experiment_id),
    experimentName: String(row.experiment_name),
    name: str(row.name),
    state: row.state as TraceState,
    startNs: str(row.start_ns),
    endNs: str(row.end_ns),
    durationMs: num(row.duration_ms),
    traceCount: Number(row.trace_count),
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    totalTokens: num(row.total_tokens),
    requestPreview: str(row.request_preview),
    responsePreview: str(row.response_preview),
    sessionId: str(row.session_id),
    userId: str(row.user_id),
  };
}

export async function listRuns(db: Queryable, filter: RunListFilter): Promise<RunRow[]> {
  const r = await db.query<Record<string, unknown>>(LIST_RUNS_SQL, [
    filter.experiment,
    filter.since?.toISOString() ?? null,
    filter.state,
    filter.errors,
    filter.limit,
  ]);
  return r.rows.map(runRow);
}

/** The run of a trace: the run id itself is a trace id, so `tracebridge run` takes either. */
export async function runOfTrace(db: Queryable, traceId: string): Promise<string | null> {
  const r = await db.query<{ run_id: string }>('SELECT run_id FROM traces WHERE trace_id = $1', [traceId]);
  return r.rows[0]?.run_id ?? null;
}

export async function getRun(db: Queryable, runId: string): Promise<RunRow | null> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
     WHERE r.run_id = $1`,
    [runId],
  );
  return r.rows[0] ? runRow(r.rows[0]) : null;
}

/** The run's traces, by start. */
export async function getRunTraceIds(db: Queryable, runId: string): Promise<string[]> {
  const r = await db.query<{ trace_id: string }>(
    'SELECT trace_id FROM traces WHERE run_id = $1 ORDER BY start_time_unix_nano, trace_id',
    [runId],
  );
  return r.rows.map((x) => x.trace_id);
}

/** Links between the run's traces (from one of them to another). */
export async function getRunLinks(db: Queryable, runId: string): Promise<RunLink[]> {
  const r = await db.query<Record<string, string>>(
    `SELECT l.trace_id, l.span_id, l.linked_trace_id, l.linked_span_id
     FROM traces t
     JOIN trace_links l ON l.trace_id = t.trace_id
     JOIN traces u ON u.trace_id = l.linked_trace_id AND u.run_id = t.run_id
     WHERE t.run_id = $1
     ORDER BY l.trace_id, l.span_id, l.linked_trace_id, l.linked_span_id`,
    [runId],
  );
  return r.rows.map((x) => ({
    traceId: x.trace_id!,
    spanId: x.span_id!,
    linkedTraceId: x.linked_trace_id!,
    linkedSpanId: x.linked_span_id!,
  }));
}
