/**
 * Runs (traces joined by span links: traces.run_id, the `runs` view and `trace_links`, docs/schema.md) and
 * sessions (the `sessions` view) for the read API.
 *
 * Lists are newest activity first: a run (session) sits at its newest trace. Which groups a page holds is
 * group-walk.ts's; their aggregate rows are computed for the page's groups only (group-rows.ts), so a page reads
 * a page's worth of groups.
 */
import type { Queryable } from '../db.js';
import { RUN_COLUMNS, type RunRow, runRow, runRows, type SessionRow, sessionRows } from './group-rows.js';
import { type GroupListFilter, type GroupWalkTuning, groupPage } from './group-walk.js';
import type { RunAttachmentRow } from './rows.js';
import { type ListCursor, TRACE_ITEM_COLUMNS, type TraceListRow, traceItem } from './trace-list.js';

export type { GroupListFilter, GroupWalkTuning } from './group-walk.js';
export type { RunAttachmentRow, RunRow, SessionRow } from './rows.js';

/** Most traces a run or session page lists (the rest is reachable through the trace list's `run` filter). */
export const MAX_GROUP_TRACES = 1000;

const fromMicros = (p: string) => `('epoch'::timestamptz + ${p}::bigint * interval '1 microsecond')`;

export function listRuns(
  db: Queryable,
  f: GroupListFilter,
  tuning?: GroupWalkTuning,
): Promise<{ rows: RunRow[]; next: ListCursor | null }> {
  return groupPage(
    db,
    'run',
    f,
    async (groups) =>
      (await runRows(db, [...new Set(groups.map((g) => g.key))], f)).map((row) => ({
        key: row.run_id,
        experimentId: row.experiment_id,
        row,
      })),
    tuning,
  );
}

export function listSessions(
  db: Queryable,
  f: GroupListFilter,
  tuning?: GroupWalkTuning,
): Promise<{ rows: SessionRow[]; next: ListCursor | null }> {
  return groupPage(
    db,
    'session',
    f,
    async (groups) =>
      (
        await sessionRows(
          db,
          groups.map((g) => ({ sessionId: g.key, experimentId: g.experimentId })),
          f.errors,
        )
      ).map((row) => ({ key: row.session_id, experimentId: row.experiment_id, row })),
    tuning,
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
