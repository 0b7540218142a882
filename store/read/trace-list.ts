/**
 * The trace list of the read API: filters that combine with AND, newest first, keyset pagination.
 *
 * Every filter has an index that answers "the newest N matching" without walking the table (migration 008):
 * the order is (start_time DESC, trace_id DESC) and the indexes hold exactly that order, per experiment, per state
 * and for failing traces; tags, span types and the search document have GIN indexes, duration a btree, and a
 * trace-id prefix is a range on the primary key. Values reach the SQL as parameters only; the statement is built
 * from fixed fragments, so the planner sees each filter's value (node-postgres plans unnamed statements with them).
 */
import type { Queryable } from '../db.js';
import { num, object, str, texts, time } from './values.js';

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS';

/** Already validated by the caller (api/); the store only builds SQL from it. */
export interface TraceListFilter {
  /** A tsquery text built by `searchQuery` (never user text directly). */
  search: string | null;
  experimentIds: string[] | null;
  state: TraceState | null;
  errors: boolean;
  from: Date | null;
  to: Date | null;
  tags: { key: string; value: string }[];
  spanType: string | null;
  minDurationMs: number | null;
  /** Lowercase hex, 1–32 characters. */
  traceIdPrefix: string | null;
  sessionId: string | null;
  runId: string | null;
  limit: number;
  after: ListCursor | null;
}

/** The position after the last row of a page: its start time in Unix microseconds and its trace id. */
export interface ListCursor {
  startMicros: string;
  traceId: string;
}

export interface TraceListRow {
  trace_id: string;
  experiment_id: string;
  experiment_name: string;
  run_id: string;
  name: string | null;
  state: TraceState;
  start_time: string;
  end_time: string | null;
  start_ns: string | null;
  duration_ms: number | null;
  span_count: number;
  failed_span_count: number;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  models: string[];
  request_preview: string | null;
  response_preview: string | null;
  session_id: string | null;
  user_id: string | null;
  tags: Record<string, unknown>;
}

/** ISO-8601 UTC with microseconds, the precision timestamptz stores. */
export const isoSql = (col: string): string =>
  `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The list item's columns, selected from `traces t JOIN experiments e`. */
export const TRACE_ITEM_COLUMNS = `
  t.trace_id, t.experiment_id::text AS experiment_id, e.name AS experiment_name, t.run_id, t.name, t.state,
  ${isoSql('t.start_time')} AS start_time, ${isoSql('t.end_time')} AS end_time,
  t.start_time_unix_nano::text AS start_ns, t.duration_ms, t.span_count, t.error_count,
  t.input_tokens, t.output_tokens, t.total_tokens, t.models, t.request_preview, t.response_preview,
  t.session_id, t.user_id, t.tags,
  (extract(epoch FROM t.start_time) * 1000000)::bigint::text AS start_micros`;

export function traceItem(row: Record<string, unknown>): TraceListRow {
  return {
    trace_id: String(row.trace_id),
    experiment_id: String(row.experiment_id),
    experiment_name: String(row.experiment_name),
    run_id: String(row.run_id ?? row.trace_id),
    name: str(row.name),
    state: row.state as TraceState,
    start_time: time(row.start_time) ?? '',
    end_time: time(row.end_time),
    start_ns: str(row.start_ns),
    duration_ms: num(row.duration_ms),
    span_count: Number(row.span_count),
    failed_span_count: Number(row.error_count),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    total_tokens: num(row.total_tokens),
    models: texts(row.models),
    request_preview: str(row.request_preview),
    response_preview: str(row.response_preview),
    session_id: str(row.session_id),
    user_id: str(row.user_id),
    tags: object(row.tags),
  };
}

/** The expression the full-text index is built on (migration 008): the query must repeat it exactly. */
export const SEARCH_VECTOR_SQL = `to_tsvector('simple'::regconfig, coalesce(t.search_text, ''))`;

const MAX_SEARCH_WORDS = 16;

/**
 * The tsquery for `q`: its words as Postgres's own parser splits them (the parser that split the documents),
 * each a prefix, all required. Null when `q` holds no word. Built by the database, passed back as a parameter.
 */
export async function searchQuery(db: Queryable, q: string): Promise<string | null> {
  const r = await db.query<{ q: string | null }>(
    `SELECT string_agg('''' || replace(replace(w, '\\', '\\\\'), '''', '''''') || ''':*', ' & ') AS q
     FROM (SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, $1::text))) AS w
           LIMIT ${MAX_SEARCH_WORDS}) words`,
    [q],
  );
  return r.rows[0]?.q ?? null;
}

/** Microseconds since the Unix epoch → timestamptz, exactly (no double in between). */
const fromMicros = (p: string) => `('epoch'::timestamptz + ${p}::bigint * interval '1 microsecond')`;

export async function listTraces(
  db: Queryable,
  f: TraceListFilter,
): Promise<{ rows: TraceListRow[]; next: ListCursor | null }> {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = ['t.start_time IS NOT NULL'];
  if (f.search !== null) where.push(`${SEARCH_VECTOR_SQL} @@ ${p(f.search)}::tsquery`);
  if (f.experimentIds !== null) {
    where.push(
      f.experimentIds.length === 1
        ? `t.experiment_id = ${p(f.experimentIds[0])}::bigint`
        : `t.experiment_id = ANY(${p(f.experimentIds)}::bigint[])`,
    );
  }
  if (f.state !== null) where.push(`t.state = ${p(f.state)}::text`);
  if (f.errors) where.push('t.error_count > 0');
  if (f.from !== null) where.push(`t.start_time >= ${p(f.from.toISOString())}::timestamptz`);
  if (f.to !== null) where.push(`t.start_time < ${p(f.to.toISOString())}::timestamptz`);
  for (const tag of f.tags) where.push(`t.tags @> ${p(JSON.stringify({ [tag.key]: tag.value }))}::jsonb`);
  if (f.spanType !== null) where.push(`t.span_types @> ARRAY[${p(f.spanType)}::text]`);
  if (f.minDurationMs !== null) where.push(`t.duration_ms >= ${p(f.minDurationMs)}::float8`);
  if (f.traceIdPrefix !== null) {
    // Ids are fixed-width lowercase hex: a prefix is the closed range [prefix000…, prefixfff…] of the primary key.
    where.push(
      `t.trace_id BETWEEN ${p(f.traceIdPrefix.padEnd(32, '0'))}::text AND ${p(f.traceIdPrefix.padEnd(32, 'f'))}::text`,
    );
  }
  if (f.sessionId !== null) where.push(`t.session_id = ${p(f.sessionId)}::text`);
  if (f.runId !== null) where.push(`t.run_id = ${p(f.runId)}::text`);
  if (f.after !== null) {
    where.push(
      `(t.start_time, t.trace_id) < (${fromMicros(p(f.after.startMicros))}, ${p(f.after.traceId)}::text)`,
    );
  }
  // One row more than asked says whether there is a next page.
  const sql = `
SELECT ${TRACE_ITEM_COLUMNS}
FROM traces t
JOIN experiments e ON e.experiment_id = t.experiment_id
WHERE ${where.join('\n  AND ')}
ORDER BY t.start_time DESC, t.trace_id DESC
LIMIT ${p(f.limit + 1)}::integer`;
  const r = await db.query<Record<string, unknown>>(sql, params);
  const page = r.rows.slice(0, f.limit);
  const last = page[page.length - 1];
  const next =
    r.rows.length > f.limit && last
      ? { startMicros: String(last.start_micros), traceId: String(last.trace_id) }
      : null;
  return { rows: page.map(traceItem), next };
}
