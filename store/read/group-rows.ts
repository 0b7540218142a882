/**
 * The aggregate rows of a page of runs or sessions (store/read/runs.ts finds which groups a page holds).
 *
 * The same values as the `runs` and `sessions` views (migration 007: public SQL API, unchanged), computed for the
 * page's groups only and without the views' per-group sorts: sums, counts and extremes in one pass over the
 * groups' traces, and the first request / last response / first name by index probes. For sessions that pass is
 * an index-only scan of the covering session index (migration 011), so a page of sessions holding thousands of
 * traces each reads index entries, not trace rows. Runs are read from the heap through the run index: a run is
 * usually a few traces, and widening that index would cost every trace's insert.
 *
 * "Last response" is the view's: the response of the latest-ending trace that has one. The latest-ending trace
 * overall comes from the index (max end, then its largest trace id); only when that trace has no response (still
 * running, or its root's output never came) or some trace has no end is that session's heap read in end order.
 */
import type { Queryable } from '../db.js';
import type { GroupTotals, RunRow, SessionRow, TraceState } from './rows.js';
import { isoSql } from './trace-list.js';
import { num, str } from './values.js';

export type { RunRow, SessionRow } from './rows.js';

export interface SessionKey {
  sessionId: string;
  experimentId: string;
}

/** Columns of a `runs` view row (`r`) joined to `experiments e`; runRow reads them. */
export const RUN_COLUMNS = `
  r.run_id, r.experiment_id::text AS experiment_id, e.name AS experiment_name, r.name, r.state,
  ${isoSql('r.start_time')} AS start_time, ${isoSql('r.end_time')} AS end_time, r.duration_ms,
  r.trace_count, r.span_count, r.error_count, r.input_tokens, r.output_tokens, r.total_tokens,
  r.request_preview, r.response_preview`;

/** Columns of a `sessions` view row (`g`) joined to `experiments e`; sessionRow reads them. */
export const SESSION_COLUMNS = `
  g.session_id, g.experiment_id::text AS experiment_id, e.name AS experiment_name,
  ${isoSql('g.start_time')} AS first_time, ${isoSql('g.end_time')} AS last_time,
  g.trace_count, g.error_count, g.input_tokens, g.output_tokens, g.total_tokens,
  g.request_preview, g.response_preview`;

/** The summed columns of a run or session row (RUN_COLUMNS, SESSION_COLUMNS). */
function groupTotals(row: Record<string, unknown>): GroupTotals {
  return {
    trace_count: Number(row.trace_count),
    failed_span_count: Number(row.error_count),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    total_tokens: num(row.total_tokens),
    request_preview: str(row.request_preview),
    response_preview: str(row.response_preview),
  };
}

export function runRow(row: Record<string, unknown>): RunRow {
  return {
    run_id: String(row.run_id),
    experiment_id: String(row.experiment_id),
    experiment_name: String(row.experiment_name),
    name: str(row.name),
    state: row.state as TraceState,
    start_time: str(row.start_time),
    end_time: str(row.end_time),
    duration_ms: num(row.duration_ms),
    span_count: Number(row.span_count),
    ...groupTotals(row),
  };
}

export function sessionRow(row: Record<string, unknown>): SessionRow {
  return {
    session_id: String(row.session_id),
    experiment_id: String(row.experiment_id),
    experiment_name: String(row.experiment_name),
    first_time: str(row.first_time),
    last_time: str(row.last_time),
    ...groupTotals(row),
  };
}

// The view's orders: first by (start ns, trace id) with NULL starts last, last by (end ns, trace id) descending
// with NULL ends first (DESC's default).
// start_time is start ns truncated to microseconds, so ordering by it first lets the (…, start_time DESC) index
// deliver the order and an incremental sort settle ties.
const FIRST = 'ORDER BY n.start_time, n.start_time_unix_nano, n.trace_id LIMIT 1';
const LAST = 'ORDER BY n.end_time_unix_nano DESC, n.trace_id DESC LIMIT 1';

const SESSION_ROWS_SQL = `
WITH k AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS k (session_id, experiment_id)),
a AS (
  SELECT t.session_id, t.experiment_id, min(t.start_time) AS start_time, max(t.end_time) AS end_time,
    count(*) AS trace_count, sum(t.error_count)::bigint AS error_count, sum(t.input_tokens)::bigint AS input_tokens,
    sum(t.output_tokens)::bigint AS output_tokens, sum(t.total_tokens)::bigint AS total_tokens
  FROM k JOIN traces t ON t.session_id = k.session_id AND t.experiment_id = k.experiment_id
  GROUP BY t.session_id, t.experiment_id
  HAVING $3::boolean IS FALSE OR sum(t.error_count) > 0
)
SELECT a.session_id, a.experiment_id::text AS experiment_id, e.name AS experiment_name,
  ${isoSql('a.start_time')} AS first_time, ${isoSql('a.end_time')} AS last_time,
  a.trace_count, a.error_count, a.input_tokens, a.output_tokens, a.total_tokens,
  (SELECT n.request_preview FROM traces n
   WHERE n.session_id = a.session_id AND n.experiment_id = a.experiment_id AND n.request_preview IS NOT NULL
   ${FIRST}) AS request_preview,
  (SELECT n.response_preview FROM traces n
   WHERE n.session_id = a.session_id AND n.experiment_id = a.experiment_id AND n.response_preview IS NOT NULL
   ${LAST}) AS response_preview
FROM a JOIN experiments e ON e.experiment_id = a.experiment_id`;

/** The rows of these sessions, as the `sessions` view has them; `errors`: only those with a failed span. */
export async function sessionRows(db: Queryable, keys: SessionKey[], errors: boolean): Promise<SessionRow[]> {
  if (keys.length === 0) return [];
  const r = await db.query<Record<string, unknown>>(SESSION_ROWS_SQL, [
    keys.map((k) => k.sessionId),
    keys.map((k) => k.experimentId),
    errors,
  ]);
  return r.rows.map(sessionRow);
}

const RUN_ROWS_SQL = `
WITH a AS (
  SELECT t.run_id, min(t.experiment_id) AS experiment_id, min(t.start_time) AS start_time,
    max(t.end_time) AS end_time,
    (greatest(max(t.end_time_unix_nano) - min(t.start_time_unix_nano), 0) / 1e6)::double precision AS duration_ms,
    count(*) AS trace_count, sum(t.span_count)::bigint AS span_count, sum(t.error_count)::bigint AS error_count,
    sum(t.input_tokens)::bigint AS input_tokens, sum(t.output_tokens)::bigint AS output_tokens,
    sum(t.total_tokens)::bigint AS total_tokens,
    CASE
      WHEN bool_or(t.state = 'IN_PROGRESS') THEN 'IN_PROGRESS'
      WHEN bool_or(t.state = 'ERROR') THEN 'ERROR'
      ELSE 'OK'
    END AS state
  FROM traces t
  WHERE t.run_id = ANY($1::text[])
  GROUP BY t.run_id
)
SELECT a.run_id, a.experiment_id::text AS experiment_id, e.name AS experiment_name, a.state,
  ${isoSql('a.start_time')} AS start_time, ${isoSql('a.end_time')} AS end_time, a.duration_ms,
  a.trace_count, a.span_count, a.error_count, a.input_tokens, a.output_tokens, a.total_tokens,
  (SELECT n.name FROM traces n WHERE n.run_id = a.run_id ${FIRST}) AS name,
  (SELECT n.request_preview FROM traces n WHERE n.run_id = a.run_id AND n.request_preview IS NOT NULL ${FIRST})
    AS request_preview,
  (SELECT n.response_preview FROM traces n WHERE n.run_id = a.run_id AND n.response_preview IS NOT NULL ${LAST})
    AS response_preview
FROM a JOIN experiments e ON e.experiment_id = a.experiment_id
WHERE ($2::text IS NULL OR a.state = $2::text) AND ($3::boolean IS FALSE OR a.error_count > 0)`;

/** The rows of these runs, as the `runs` view has them, keeping those with `state` / a failed span if asked. */
export async function runRows(
  db: Queryable,
  runIds: string[],
  f: { state: TraceState | null; errors: boolean },
): Promise<RunRow[]> {
  if (runIds.length === 0) return [];
  const r = await db.query<Record<string, unknown>>(RUN_ROWS_SQL, [runIds, f.state, f.errors]);
  return r.rows.map(runRow);
}
