/**
 * The trace list of the read API: filters that combine with AND, newest first, keyset pagination.
 *
 * Every filter has an index that answers "the newest N matching" without walking the table (migration 008):
 * the order is (start_time DESC, trace_id DESC) and the indexes hold exactly that order, per experiment, per state
 * and for failing traces; tags, span types and the search document have GIN indexes, duration a btree, and a
 * trace-id prefix is a range on the primary key. Values reach the SQL as parameters only; the statement is built
 * from fixed fragments, so the planner sees each filter's value (node-postgres plans unnamed statements with them).
 */
import type { Database } from '../db.js';
import type { TraceListRow, TraceState } from './rows.js';
import { num, object, str, texts, time } from './values.js';

/** The tsquery for `q`, split by the rule that split the documents: TraceListFilter.search. */
export { queryText as searchQuery } from '../search-words.js';
export type { TraceListRow, TraceState } from './rows.js';

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

/**
 * How many of the newest candidate traces the first step of a search looks at (listTraces). Checking a stored
 * vector or a tags value costs about a microsecond a row.
 */
const WALK_ROWS = 2000;

/** Microseconds since the Unix epoch → timestamptz, exactly (no double in between). */
const fromMicros = (p: string) => `('epoch'::timestamptz + ${p}::bigint * interval '1 microsecond')`;

/**
 * The newest `limit` traces matching `f`, and the cursor after them.
 *
 * Full-text, tag and span-type filters are GIN lookups whose selectivity the planner cannot see well (jsonb
 * containment has a fixed estimate; a word or a span type missing from the statistics is guessed at a fraction of
 * the least common one), and a wrong guess either walks the whole table checking each row (a word or a span type no
 * trace has) or sorts every match (a word most traces have). So those searches run in two steps that need no
 * estimate: first the newest WALK_ROWS candidates (in index order, with the other filters) are checked, which
 * finds a common word's page at once; when that does not fill the page, the query runs again with plain index
 * scans disabled, so the match set comes from the GIN index and only it is sorted — small, since the word was rare
 * among the newest traces.
 */
export async function listTraces(
  db: Database,
  f: TraceListFilter,
): Promise<{ rows: TraceListRow[]; next: ListCursor | null }> {
  const searched = f.search !== null || f.tags.length > 0 || f.spanType !== null;
  let rows: Record<string, unknown>[];
  if (!searched) rows = (await db.query<Record<string, unknown>>(...listSql(f, 'direct'))).rows;
  else {
    rows = (await db.query<Record<string, unknown>>(...listSql(f, 'walk'))).rows;
    if (rows.length <= f.limit) {
      const [sql, params] = listSql(f, 'direct');
      rows = await db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_indexscan = off');
        return (await tx.query<Record<string, unknown>>(sql, params)).rows;
      });
    }
  }
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  const next =
    rows.length > f.limit && last
      ? { startMicros: String(last.start_micros), traceId: String(last.trace_id) }
      : null;
  return { rows: page.map(traceItem), next };
}

/** The list statement: all filters at once ('direct'), or the searched ones over the newest candidates ('walk'). */
function listSql(f: TraceListFilter, shape: 'direct' | 'walk'): [string, unknown[]] {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = ['t.start_time IS NOT NULL'];
  const searched: string[] = [];
  if (f.search !== null) searched.push(`t.search_vector @@ ${p(f.search)}::tsquery`);
  for (const tag of f.tags) searched.push(`t.tags @> ${p(JSON.stringify({ [tag.key]: tag.value }))}::jsonb`);
  if (f.spanType !== null) searched.push(`t.span_types @> ARRAY[${p(f.spanType)}::text]`);
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
  const order = 'ORDER BY t.start_time DESC, t.trace_id DESC';
  // One row more than asked says whether there is a next page.
  const limit = `LIMIT ${p(f.limit + 1)}::integer`;
  if (shape === 'direct') {
    return [
      `SELECT ${TRACE_ITEM_COLUMNS}
FROM traces t
JOIN experiments e ON e.experiment_id = t.experiment_id
WHERE ${[...searched, ...where].join('\n  AND ')}
${order}
${limit}`,
      params,
    ];
  }
  return [
    `SELECT ${TRACE_ITEM_COLUMNS}
FROM (SELECT * FROM traces t WHERE ${where.join('\n  AND ')} ${order} LIMIT ${WALK_ROWS}) t
JOIN experiments e ON e.experiment_id = t.experiment_id
WHERE ${searched.join('\n  AND ')}
${order}
${limit}`,
    params,
  ];
}
