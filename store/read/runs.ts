/**
 * Runs (traces joined by span links: traces.run_id, the `runs` view and `trace_links`, docs/schema.md) and
 * sessions (the `sessions` view) for the read API.
 *
 * Lists are newest activity first: a run (session) sits at its newest trace, found by walking traces in the
 * list's index order and keeping a trace only when it is its run's newest; the aggregate rows are then computed
 * for the page's groups only (group-rows.ts), so a page reads a page's worth of groups. "Its run's newest" is a
 * correlated subquery, not NOT EXISTS: an anti-join let the planner hash-join every trace of a session with every
 * other (12 s for 30,000 traces in 86 sessions).
 */
import type { Queryable } from '../db.js';
import { RUN_COLUMNS, type RunRow, runRow, runRows, type SessionRow, sessionRows } from './group-rows.js';
import type { RunAttachmentRow } from './rows.js';
import {
  type ListCursor,
  TRACE_ITEM_COLUMNS,
  type TraceListRow,
  type TraceState,
  traceItem,
} from './trace-list.js';

export type { RunAttachmentRow, RunRow, SessionRow } from './rows.js';

export interface GroupListFilter {
  experimentIds: string[] | null;
  state: TraceState | null;
  errors: boolean;
  from: Date | null;
  to: Date | null;
  limit: number;
  after: ListCursor | null;
}

/** Most traces a run or session page lists (the rest is reachable through the trace list's `run` filter). */
export const MAX_GROUP_TRACES = 1000;

const fromMicros = (p: string) => `('epoch'::timestamptz + ${p}::bigint * interval '1 microsecond')`;

/** WHERE fragments on `traces t` shared by the run and session lists. */
function traceWhere(f: GroupListFilter, p: (v: unknown) => string): string[] {
  const where = ['t.start_time IS NOT NULL'];
  if (f.experimentIds !== null) where.push(`t.experiment_id = ANY(${p(f.experimentIds)}::bigint[])`);
  if (f.from !== null) where.push(`t.start_time >= ${p(f.from.toISOString())}::timestamptz`);
  if (f.to !== null) where.push(`t.start_time < ${p(f.to.toISOString())}::timestamptz`);
  if (f.after !== null) {
    where.push(
      `(t.start_time, t.trace_id) < (${fromMicros(p(f.after.startMicros))}, ${p(f.after.traceId)}::text)`,
    );
  }
  return where;
}

/** Traces looked at per step, and steps per page: a page of few or rare groups stops after this many traces. */
const WINDOW_TRACES = 2000;
const MAX_WINDOWS = 10;

interface Candidate {
  key: string;
  experimentId: string;
  cursor: ListCursor;
}

type GroupKind = 'run' | 'session';

/**
 * The next window of traces in list order, and the groups whose newest trace is in it (each group once, at that
 * trace). A group's newest trace is found among the window's rows first (DISTINCT ON), then checked against the
 * whole table with one probe of the (group, start_time, trace_id) index per distinct group — not per trace, so a
 * window of 2,000 traces in 86 sessions costs 86 probes.
 */
function windowSql(kind: GroupKind, f: GroupListFilter, after: ListCursor | null): [string, unknown[]] {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = traceWhere({ ...f, after }, p);
  const key = kind === 'run' ? 't.run_id' : 't.session_id';
  if (kind === 'session') where.push('t.session_id IS NOT NULL');
  const newest =
    kind === 'run'
      ? 'n.run_id = c.key'
      : 'n.session_id = c.key AND n.experiment_id = c.experiment_id AND n.session_id IS NOT NULL';
  return [
    `WITH w AS MATERIALIZED (
  SELECT ${key} AS key, t.experiment_id, t.start_time, t.trace_id FROM traces t
  WHERE ${where.join(' AND ')}
  ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ${WINDOW_TRACES}
),
c AS (SELECT DISTINCT ON (key, experiment_id) * FROM w ORDER BY key, experiment_id, start_time DESC, trace_id DESC)
SELECT c.key, c.experiment_id::text AS experiment_id,
  (extract(epoch FROM c.start_time) * 1000000)::bigint::text AS cursor_micros, c.trace_id AS cursor_trace_id,
  false AS window_end, 0 AS window_rows
FROM c
WHERE (SELECT n.trace_id FROM traces n WHERE ${newest}
       ORDER BY n.start_time DESC, n.trace_id DESC LIMIT 1) = c.trace_id
UNION ALL
SELECT NULL, NULL, (extract(epoch FROM l.start_time) * 1000000)::bigint::text, l.trace_id, true,
  (SELECT count(*) FROM w)::integer
FROM (SELECT * FROM w ORDER BY start_time, trace_id LIMIT 1) l`,
    params,
  ];
}

const newerFirst = (a: Candidate, b: Candidate): number => {
  const ma = BigInt(a.cursor.startMicros);
  const mb = BigInt(b.cursor.startMicros);
  if (ma !== mb) return ma > mb ? -1 : 1;
  return a.cursor.traceId > b.cursor.traceId ? -1 : a.cursor.traceId < b.cursor.traceId ? 1 : 0;
};

/**
 * A page of groups (runs or sessions): windows of traces give the groups in order of their newest trace, and the
 * groups' aggregate rows are computed for those keys (group-rows.ts). Filters on the aggregate (state, failed
 * spans) drop groups, so it steps on until the page is full or MAX_WINDOWS windows were read; the cursor is then
 * the newest trace of the last group looked at (or the window's last trace), which keeps paging exact.
 */
async function groupPage<T>(
  db: Queryable,
  kind: GroupKind,
  f: GroupListFilter,
  rowsOf: (groups: Candidate[]) => Promise<{ key: string; experimentId: string; row: T }[]>,
): Promise<{ rows: T[]; next: ListCursor | null }> {
  const out: T[] = [];
  let after = f.after;
  for (let step = 0; step < MAX_WINDOWS; step++) {
    const [sql, params] = windowSql(kind, f, after);
    const result = (await db.query<Record<string, unknown>>(sql, params)).rows;
    const end = result.find((r) => r.window_end === true);
    if (!end || Number(end.window_rows) === 0) return { rows: out, next: null };
    const found = result
      .filter((r) => r.window_end !== true)
      .map(
        (r): Candidate => ({
          key: String(r.key),
          experimentId: String(r.experiment_id),
          cursor: { startMicros: String(r.cursor_micros), traceId: String(r.cursor_trace_id) },
        }),
      )
      .sort(newerFirst);
    // Only as many groups as the page still needs are aggregated at a time: a window of 2,000 traces may name
    // 100 sessions, and aggregating all of them would read twice the traces the page shows.
    for (let i = 0; i < found.length; ) {
      if (out.length === f.limit) return { rows: out, next: after };
      const chunk = found.slice(i, i + f.limit - out.length);
      i += chunk.length;
      const rows = await rowsOf(chunk);
      const byKey = new Map(rows.map((r) => [`${r.key}\u0000${r.experimentId}`, r.row]));
      for (const c of chunk) {
        const row = byKey.get(`${c.key}\u0000${c.experimentId}`);
        if (row !== undefined) out.push(row);
        after = c.cursor;
      }
    }
    if (out.length === f.limit) return { rows: out, next: after };
    if (Number(end.window_rows) < WINDOW_TRACES) return { rows: out, next: null };
    after = { startMicros: String(end.cursor_micros), traceId: String(end.cursor_trace_id) };
  }
  return { rows: out, next: after };
}

export function listRuns(
  db: Queryable,
  f: GroupListFilter,
): Promise<{ rows: RunRow[]; next: ListCursor | null }> {
  return groupPage(db, 'run', f, async (groups) =>
    (await runRows(db, [...new Set(groups.map((g) => g.key))], f)).map((row) => ({
      key: row.run_id,
      experimentId: row.experiment_id,
      row,
    })),
  );
}

export function listSessions(
  db: Queryable,
  f: GroupListFilter,
): Promise<{ rows: SessionRow[]; next: ListCursor | null }> {
  return groupPage(db, 'session', f, async (groups) =>
    (
      await sessionRows(
        db,
        groups.map((g) => ({ sessionId: g.key, experimentId: g.experimentId })),
        f.errors,
      )
    ).map((row) => ({ key: row.session_id, experimentId: row.experiment_id, row })),
  );
}

export async function getRun(db: Queryable, runId: string): Promise<RunRow | null> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
     WHERE r.run_id = $1::text`,
    [runId],
  );
  return r.rows[0] ? runRow(r.rows[0]) : null;
}

/** The traces of a run or a session, oldest first, at most MAX_GROUP_TRACES (+1 to tell it was cut). */
async function tracesWhere(db: Queryable, where: string, params: unknown[]): Promise<TraceListRow[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT ${TRACE_ITEM_COLUMNS}
     FROM traces t JOIN experiments e ON e.experiment_id = t.experiment_id
     WHERE ${where}
     ORDER BY t.start_time, t.trace_id
     LIMIT ${MAX_GROUP_TRACES + 1}`,
    params,
  );
  return r.rows.map(traceItem);
}

export const runTraces = (db: Queryable, runId: string): Promise<TraceListRow[]> =>
  tracesWhere(db, 't.run_id = $1::text', [runId]);

/** How the run's traces hang under the spans they link to (trace_links, within the run). */
export async function runAttachments(db: Queryable, runId: string): Promise<RunAttachmentRow[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT l.trace_id, l.span_id AS via_span_id, l.linked_trace_id AS parent_trace_id,
       l.linked_span_id AS parent_span_id
     FROM traces a
     JOIN trace_links l ON l.trace_id = a.trace_id
     JOIN traces b ON b.trace_id = l.linked_trace_id AND b.run_id = a.run_id
     WHERE a.run_id = $1::text
     ORDER BY l.trace_id, l.span_id, l.linked_trace_id, l.linked_span_id
     LIMIT 10000`,
    [runId],
  );
  return r.rows.map((row) => ({
    trace_id: String(row.trace_id),
    via_span_id: String(row.via_span_id),
    parent_trace_id: String(row.parent_trace_id),
    parent_span_id: String(row.parent_span_id),
  }));
}

/** The session's rows (one per experiment that has it), newest activity first. */
export async function getSessions(db: Queryable, sessionId: string): Promise<SessionRow[]> {
  // The experiments holding the id (an index-only scan of the session index), then their rows as the list
  // computes them: the `sessions` view would sort every trace of a big session (0.3 s for 2,000 traces).
  const r = await db.query<{ id: string }>(
    `SELECT DISTINCT experiment_id::text AS id FROM traces WHERE session_id = $1::text`,
    [sessionId],
  );
  const rows = await sessionRows(
    db,
    r.rows.map((row) => ({ sessionId, experimentId: String(row.id) })),
    false,
  );
  // Newest activity first (ISO-8601 times of one format compare as text), then by experiment id.
  return rows.sort(
    (a, b) =>
      (b.last_time ?? '').localeCompare(a.last_time ?? '') ||
      Number(a.experiment_id) - Number(b.experiment_id),
  );
}

export const sessionTraces = (
  db: Queryable,
  sessionId: string,
  experimentId: string,
): Promise<TraceListRow[]> =>
  tracesWhere(db, 't.session_id = $1::text AND t.experiment_id = $2::bigint', [sessionId, experimentId]);

export interface RunTraceHead {
  trace_id: string;
  start_ns: string | null;
  root_span_id: string | null;
  span_count: number;
  cursor: ListCursor;
}

/**
 * A page of a run's traces for its span trees, oldest first after `after`: at most `limit` traces and, past the
 * first, no more than `maxSpans` spans (by traces.span_count), so a page of a huge run stays a bounded answer.
 * `next` is null on the last page.
 */
export async function runTracePage(
  db: Queryable,
  runId: string,
  after: ListCursor | null,
  limit: number,
  maxSpans: number,
): Promise<{ traces: RunTraceHead[]; next: ListCursor | null }> {
  const params: unknown[] = [runId, limit + 1];
  let cursor = '';
  if (after !== null) {
    params.push(after.startMicros, after.traceId);
    cursor = `AND (t.start_time, t.trace_id) > (${fromMicros('$3')}, $4::text)`;
  }
  const r = await db.query<Record<string, unknown>>(
    `SELECT t.trace_id, t.start_time_unix_nano::text AS start_ns, t.root_span_id, t.span_count,
       (extract(epoch FROM t.start_time) * 1000000)::bigint::text AS start_micros
     FROM traces t
     WHERE t.run_id = $1::text AND t.start_time IS NOT NULL ${cursor}
     ORDER BY t.start_time, t.trace_id
     LIMIT $2::integer`,
    params,
  );
  const traces: RunTraceHead[] = [];
  let spans = 0;
  for (const row of r.rows.slice(0, limit)) {
    const count = Number(row.span_count);
    if (traces.length > 0 && spans + count > maxSpans) break;
    spans += count;
    traces.push({
      trace_id: String(row.trace_id),
      start_ns: row.start_ns === null ? null : String(row.start_ns),
      root_span_id: row.root_span_id === null ? null : String(row.root_span_id),
      span_count: count,
      cursor: { startMicros: String(row.start_micros), traceId: String(row.trace_id) },
    });
  }
  const more = traces.length < r.rows.length;
  return { traces, next: more ? traces[traces.length - 1]!.cursor : null };
}
