/**
 * Which groups (runs or sessions) a page of the runs / sessions list holds, in list order: a group sits at its
 * newest trace ("head"), newest head first, keyset pagination on the head's (start_time, trace_id). The page's
 * aggregate rows are then computed for those groups only (group-rows.ts, through `rowsOf`).
 *
 * Three ways to find the groups, with the same answer, tried in this order (each that does not apply says so, and
 * the page goes on to the next):
 *
 * - **Runs of one trace at their rare trace** (the runs list): a filter on the group needs a trace of it ("rare"
 *   trace): a run in state X has a trace in state X, a group with a failed span has a trace with error_count > 0
 *   (sum > 0 needs a positive term); without such a filter every trace is one. A run of one trace is its own
 *   newest, so walking the rare traces in list order (the failing traces' partial index, the state index —
 *   migration 008 — or the list's own index) gives those runs in list order, as far as the page needs. The runs
 *   of several traces are listed by migration 013's index (their traces that are not the run's smallest id) and
 *   each placed by a probe for its newest trace; this way applies while they are few (MAX_MULTI_RUN_TRACES).
 * - **From all the rare traces below the cursor** (runs, and sessions with `errors`): every group the filter keeps
 *   has a rare trace older than its head, hence older than the cursor, so when there are at most MAX_RARE_TRACES of
 *   them, their groups are the exact candidate set, sorted by head (one probe of the group index each). A rare
 *   trace need not be its group's head (a session's newest trace is usually not the one that failed; a run's later
 *   trace may be fine), which is why it takes all of them and not the newest few: only the full set gives the
 *   order. With `errors` and a `state`, each condition's traces in turn.
 * - **Walking windows of traces** in list order and keeping a trace when it is its group's head: the lists without
 *   a group filter, where nearly every window holds heads, and filters whose traces are not rare, where matches
 *   come soon. A filter on the group's aggregate drops groups, so a page may read MAX_STEPS windows and end short
 *   with a cursor; a run without a trace meeting each condition is dropped by a probe before it is aggregated.
 *
 * A run's traces are all in one experiment (store/runs.ts: runs never cross experiments), and a session is keyed
 * by its experiment, so the experiment filter applies to the rare traces too.
 */
import type { Queryable } from '../db.js';
import type { ListCursor, TraceState } from './trace-list.js';

export interface GroupListFilter {
  experimentIds: string[] | null;
  state: TraceState | null;
  errors: boolean;
  from: Date | null;
  to: Date | null;
  limit: number;
  after: ListCursor | null;
}

export type GroupKind = 'run' | 'session';

export interface Candidate {
  key: string;
  experimentId: string;
  cursor: ListCursor;
}

/** Tuning of the walk; tests lower these to reach every way of finding groups, and many windows, in a small table. */
export interface GroupWalkTuning {
  /** Most traces in runs of several (migration 013's index) for which runs of one are taken at their rare trace. */
  maxMultiRunTraces?: number;
  /** Most rare traces below the cursor for which the groups come from them rather than from windows. */
  maxRareTraces?: number;
  /** Traces per window. */
  windowTraces?: number;
}

/** Traces looked at per window, and steps per page: a page of few or rare groups stops after this many. */
const WINDOW_TRACES = 2000;
const MAX_STEPS = 10;
/**
 * See the top. A rare trace costs ~7 µs when cached (its row, its group's head): ~15 ms at most. Counting them when
 * there are more costs up to this many index entries before the window walk starts.
 */
export const MAX_RARE_TRACES = 2000;
/**
 * Runs of several traces at most (counted as migration 013's index entries: a run of n has n - 1) for the runs list
 * to walk the rare traces in list order without a cap on their number: ~1–3 µs each to list them, a probe each
 * for the runs' newest trace and rare trace.
 */
export const MAX_MULTI_RUN_TRACES = 2000;
/** Candidates returned per step from the rare traces (sorted by head; the next step continues after them). */
const RARE_GROUPS = 500;

const fromMicros = (p: string) => `('epoch'::timestamptz + ${p}::bigint * interval '1 microsecond')`;
const microsOf = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::bigint::text`;

type Param = (v: unknown) => string;

function params(): [unknown[], Param] {
  const values: unknown[] = [];
  return [
    values,
    (v: unknown): string => {
      values.push(v);
      return `$${values.length}`;
    },
  ];
}

/** WHERE fragments on traces `a` placing them in the list: a start, the experiments, the time range, the cursor. */
function traceWhere(
  f: GroupListFilter,
  after: ListCursor | null,
  p: Param,
  a: string,
  from = true,
): string[] {
  const where = [`${a}.start_time IS NOT NULL`];
  if (f.experimentIds !== null) where.push(`${a}.experiment_id = ANY(${p(f.experimentIds)}::bigint[])`);
  if (from && f.from !== null) where.push(`${a}.start_time >= ${p(f.from.toISOString())}::timestamptz`);
  if (f.to !== null) where.push(`${a}.start_time < ${p(f.to.toISOString())}::timestamptz`);
  if (after !== null) {
    where.push(
      `(${a}.start_time, ${a}.trace_id) < (${fromMicros(p(after.startMicros))}, ${p(after.traceId)}::text)`,
    );
  }
  return where;
}

/**
 * Conditions on one trace `a` that every group the filter keeps has a trace meeting — each on its own: a failed
 * span in one trace and the state in another. Empty: the filter keeps most groups.
 */
function rareTraces(kind: GroupKind, f: GroupListFilter, p: Param): ((a: string) => string)[] {
  const out: ((a: string) => string)[] = [];
  if (f.errors) out.push((a) => `${a}.error_count > 0`);
  const state = f.state;
  if (kind === 'run' && state !== null) out.push((a) => `${a}.state = ${p(state)}::text`);
  return out;
}

const keyOf = (kind: GroupKind, a: string) => (kind === 'run' ? `${a}.run_id` : `${a}.session_id`);

/** The head of group `c` (key, experiment_id): traces `n`, newest first (a trace with no start comes first). */
const headWhere = (kind: GroupKind) =>
  kind === 'run'
    ? 'n.run_id = c.key'
    : 'n.session_id = c.key AND n.experiment_id = c.experiment_id AND n.session_id IS NOT NULL';

const HEAD_ORDER = 'ORDER BY n.start_time DESC, n.trace_id DESC LIMIT 1';

/**
 * The next window of traces in list order, and the groups whose head is in it (each group once, at that trace).
 * A group's newest trace is found among the window's rows first (DISTINCT ON), then checked against the whole
 * table with one probe of the (group, start_time, trace_id) index per distinct group — not per trace, so a window
 * of 2,000 traces in 86 sessions costs 86 probes. With a rare-trace filter on runs, a run without such a trace is
 * dropped here (one probe of the run index) instead of being aggregated.
 */
function windowSql(
  kind: GroupKind,
  f: GroupListFilter,
  after: ListCursor | null,
  windowTraces: number,
): [string, unknown[]] {
  const [values, p] = params();
  const where = traceWhere(f, after, p, 't');
  if (kind === 'session') where.push('t.session_id IS NOT NULL');
  const keep = (kind === 'run' ? rareTraces(kind, f, p) : [])
    .map((rare) => `AND EXISTS (SELECT 1 FROM traces r WHERE r.run_id = c.key AND ${rare('r')})`)
    .join(' ');
  return [
    `WITH w AS MATERIALIZED (
  SELECT ${keyOf(kind, 't')} AS key, t.experiment_id, t.start_time, t.trace_id FROM traces t
  WHERE ${where.join(' AND ')}
  ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ${windowTraces}
),
c AS (SELECT DISTINCT ON (key, experiment_id) * FROM w ORDER BY key, experiment_id, start_time DESC, trace_id DESC)
SELECT c.key, c.experiment_id::text AS experiment_id, ${microsOf('c.start_time')} AS cursor_micros,
  c.trace_id AS cursor_trace_id, false AS window_end, 0 AS window_rows
FROM c
WHERE (SELECT n.trace_id FROM traces n WHERE ${headWhere(kind)} ${HEAD_ORDER}) = c.trace_id ${keep}
UNION ALL
SELECT NULL, NULL, ${microsOf('l.start_time')}, l.trace_id, true, (SELECT count(*) FROM w)::integer
FROM (SELECT * FROM w ORDER BY start_time, trace_id LIMIT 1) l`,
    values,
  ];
}

/**
 * The groups with a rare trace below `after`, with their heads, newest head first (RARE_GROUPS + 1 at most), or
 * one row with `overflow` when there are more than `maxRare` rare traces. `from` bounds heads only: a group whose
 * head is in the range may have its rare trace before it.
 */
function rareSql(
  kind: GroupKind,
  f: GroupListFilter,
  after: ListCursor | null,
  which: number,
  maxRare: number,
): [string, unknown[]] {
  const [values, p] = params();
  const rare = rareTraces(kind, f, p)[which];
  if (rare === undefined) throw new Error(`rareSql: no rare-trace condition ${which}`);
  const where = [...traceWhere(f, after, p, 't', false), rare('t')];
  if (kind === 'session') where.push('t.session_id IS NOT NULL');
  const groupBy = kind === 'run' ? 'key' : 'key, experiment_id';
  return [
    // Counted first from the index alone (the rare traces' columns are in it), so that when they are too many
    // their rows are not read.
    `WITH n AS MATERIALIZED (
  SELECT count(*) AS n FROM (
    SELECT 1 FROM traces t WHERE ${where.join(' AND ')}
    ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ${maxRare + 1}
  ) x
),
r AS MATERIALIZED (
  SELECT ${keyOf(kind, 't')} AS key, t.experiment_id FROM traces t
  WHERE ${where.join(' AND ')} AND (SELECT n FROM n) <= ${maxRare}
  ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ${maxRare}
),
c AS (SELECT DISTINCT ${groupBy} FROM r),
h AS (
  SELECT c.key, n.experiment_id, n.start_time, n.trace_id
  FROM c CROSS JOIN LATERAL (
    SELECT n.experiment_id, n.start_time, n.trace_id FROM traces n WHERE ${headWhere(kind)} ${HEAD_ORDER}
  ) n
)
SELECT * FROM (
  SELECT h.key, h.experiment_id::text AS experiment_id, ${microsOf('h.start_time')} AS cursor_micros,
    h.trace_id AS cursor_trace_id, false AS overflow
  FROM h WHERE ${traceWhere(f, after, p, 'h').join(' AND ')}
  ORDER BY h.start_time DESC, h.trace_id DESC LIMIT ${RARE_GROUPS + 1}
) heads
UNION ALL
SELECT NULL, NULL, NULL, NULL, true WHERE (SELECT n FROM n) > ${maxRare}`,
    values,
  ];
}

/** The runs of several traces (migration 013's index), or null when it holds more than `max` entries. */
async function multiTraceRuns(db: Queryable, max: number): Promise<string[] | null> {
  const r = await db.query<{ run_id: string }>(
    // Ordered so that only the index can answer: the planner guesses nearly every row matches, and a
    // sequential scan "finding the first 2,001 soon" would read the whole table.
    `SELECT run_id FROM traces WHERE run_id <> trace_id ORDER BY run_id LIMIT ${max + 1}`,
  );
  return r.rows.length > max ? null : [...new Set(r.rows.map((x) => x.run_id))];
}

/**
 * Runs only: the runs with a rare trace below `after`, newest head first (`groups` + 1 at most). A run of one
 * trace is its own head, so those come from walking the rare traces in list order — every condition on the one
 * trace — as far as a page needs, however many there are; the runs of several (`multi`, few) are each placed by a
 * probe for their newest trace and kept when they have a trace meeting each condition. `multi` is a parameter, not
 * a subquery: the planner cannot estimate `run_id <> trace_id` (it guesses nearly every row) and turned the
 * exclusion into a sort of every rare trace; a bound array is a hashed filter on the ordered index scan.
 */
function aloneSql(
  f: GroupListFilter,
  after: ListCursor | null,
  multi: string[],
  groups: number,
): [string, unknown[]] {
  const [values, p] = params();
  const rare = rareTraces('run', f, p);
  const m = p(multi);
  const one = [...traceWhere(f, after, p, 't'), ...rare.map((r) => r('t'))];
  const many = rare.map((r) => `EXISTS (SELECT 1 FROM traces r WHERE r.run_id = m.key AND ${r('r')})`);
  return [
    `WITH one AS (
  SELECT t.run_id AS key, t.experiment_id, t.start_time, t.trace_id FROM traces t
  WHERE ${one.join(' AND ')} AND NOT (t.run_id = ANY(${m}::text[]))
  ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ${groups + 1}
),
many AS (
  SELECT m.key, n.experiment_id, n.start_time, n.trace_id
  FROM unnest(${m}::text[]) AS m (key) CROSS JOIN LATERAL (
    SELECT n.experiment_id, n.start_time, n.trace_id FROM traces n WHERE n.run_id = m.key ${HEAD_ORDER}
  ) n
  WHERE ${['true', ...many].join(' AND ')}
),
h AS (SELECT * FROM one UNION ALL SELECT * FROM many)
SELECT h.key, h.experiment_id::text AS experiment_id, ${microsOf('h.start_time')} AS cursor_micros,
  h.trace_id AS cursor_trace_id
FROM h WHERE ${traceWhere(f, after, p, 'h').join(' AND ')}
ORDER BY h.start_time DESC, h.trace_id DESC LIMIT ${groups + 1}`,
    values,
  ];
}

const candidateOf = (r: Record<string, unknown>): Candidate => ({
  key: String(r.key),
  experimentId: String(r.experiment_id),
  cursor: { startMicros: String(r.cursor_micros), traceId: String(r.cursor_trace_id) },
});

const newerFirst = (a: Candidate, b: Candidate): number => {
  const ma = BigInt(a.cursor.startMicros);
  const mb = BigInt(b.cursor.startMicros);
  if (ma !== mb) return ma > mb ? -1 : 1;
  return a.cursor.traceId > b.cursor.traceId ? -1 : a.cursor.traceId < b.cursor.traceId ? 1 : 0;
};

/** How a step finds its candidates (see the top); on overflow the page goes on to the next way. */
type Way =
  | { by: 'alone'; max: number }
  | { by: 'rare'; which: number; max: number }
  | { by: 'window'; traces: number };

function ways(kind: GroupKind, f: GroupListFilter, tuning: GroupWalkTuning): Way[] {
  const conditions = rareTraces(kind, f, () => '').length;
  const max = tuning.maxRareTraces ?? MAX_RARE_TRACES;
  const out: Way[] = [];
  if (kind === 'run') out.push({ by: 'alone', max: tuning.maxMultiRunTraces ?? MAX_MULTI_RUN_TRACES });
  for (let which = 0; which < conditions; which++) out.push({ by: 'rare', which, max });
  out.push({ by: 'window', traces: tuning.windowTraces ?? WINDOW_TRACES });
  return out;
}

/**
 * One step: candidates below `after` newest first, and where the next step starts (null: none are left), or
 * 'overflow' when this way does not apply (too many rare traces, or runs of several).
 */
async function step(
  db: Queryable,
  kind: GroupKind,
  f: GroupListFilter,
  after: ListCursor | null,
  way: Way,
): Promise<{ found: Candidate[]; end: ListCursor | null } | 'overflow'> {
  if (way.by !== 'window') {
    // Walking the rare traces costs what it returns, so a page's worth (twice, for groups the aggregate drops);
    // all the rare traces below the cursor are read whatever is returned, so many at once.
    const groups = way.by === 'alone' ? Math.min(RARE_GROUPS, 2 * f.limit) : RARE_GROUPS;
    let sql: [string, unknown[]];
    if (way.by === 'alone') {
      const multi = await multiTraceRuns(db, way.max);
      if (multi === null) return 'overflow';
      sql = aloneSql(f, after, multi, groups);
    } else sql = rareSql(kind, f, after, way.which, way.max);
    const rows = (await db.query<Record<string, unknown>>(...sql)).rows;
    if (rows.some((r) => r.overflow === true)) return 'overflow';
    const found = rows.map(candidateOf).sort(newerFirst);
    if (found.length <= groups) return { found, end: null };
    const kept = found.slice(0, groups);
    return { found: kept, end: kept[kept.length - 1]!.cursor };
  }
  const rows = (await db.query<Record<string, unknown>>(...windowSql(kind, f, after, way.traces))).rows;
  const last = rows.find((r) => r.window_end === true);
  const count = last ? Number(last.window_rows) : 0;
  const found = rows
    .filter((r) => r.window_end !== true)
    .map(candidateOf)
    .sort(newerFirst);
  const end =
    last && count === way.traces
      ? { startMicros: String(last.cursor_micros), traceId: String(last.cursor_trace_id) }
      : null;
  return { found, end };
}

/**
 * A page of groups: candidates in list order (from the rare traces or from windows), their aggregate rows
 * computed a chunk at a time, until the page is full, nothing is left, or MAX_STEPS steps were taken; the cursor
 * is then the head of the last group looked at (or the last window's last trace), which keeps paging exact.
 */
export async function groupPage<T>(
  db: Queryable,
  kind: GroupKind,
  f: GroupListFilter,
  rowsOf: (groups: Candidate[]) => Promise<{ key: string; experimentId: string; row: T }[]>,
  tuning: GroupWalkTuning = {},
): Promise<{ rows: T[]; next: ListCursor | null }> {
  const out: T[] = [];
  let after = f.after;
  // Each way in turn until one applies; what made one not apply (too many traces) only shrinks as the cursor moves
  // on, so the page keeps to the way it reached. The window walk always applies.
  const all = ways(kind, f, tuning);
  let w = 0;
  for (let n = 0; n < MAX_STEPS; n++) {
    const s = await step(db, kind, f, after, all[w]!);
    if (s === 'overflow') {
      w++;
      n--;
      continue;
    }
    // Only as many groups as the page still needs are aggregated at a time: a window of 2,000 traces may name
    // 100 sessions, and aggregating all of them would read twice the traces the page shows.
    for (let i = 0; i < s.found.length; ) {
      if (out.length === f.limit) return { rows: out, next: after };
      const chunk = s.found.slice(i, i + f.limit - out.length);
      i += chunk.length;
      const rows = await rowsOf(chunk);
      const byKey = new Map(rows.map((r) => [`${r.key}\u0000${r.experimentId}`, r.row]));
      for (const c of chunk) {
        const row = byKey.get(`${c.key}\u0000${c.experimentId}`);
        if (row !== undefined) out.push(row);
        after = c.cursor;
      }
    }
    if (s.end === null) return { rows: out, next: null };
    if (out.length === f.limit) return { rows: out, next: after };
    after = s.end;
  }
  return { rows: out, next: after };
}
