// The runs and sessions lists' group filters (errors, a run's state) against the `runs` and `sessions` views, on
// randomized tables: runs and sessions whose traces are spread far apart in time, failing traces older than their
// group's newest, ties on the start time, traces with no start, several experiments. Each filter is walked page by
// page every way the list finds its groups (store/read/group-walk.ts: runs of one at their rare trace, from all
// the rare traces, by windows of all traces, and switching from windows to the rare traces mid-walk) and must
// give the views' groups in the list's order (newest trace first) with nothing repeated or lost across pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  RUN_COLUMNS,
  type RunRow,
  runRow,
  SESSION_COLUMNS,
  type SessionRow,
  sessionRow,
} from '../../store/read/group-rows.js';
import { type GroupListFilter, type GroupWalkTuning, listRuns, listSessions } from '../../store/read/runs.js';
import type { ListCursor } from '../../store/read/trace-list.js';
import { seededRandom } from '../faults/support/load.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { allPages, EVERY_GROUP } from '../support/group-pages.js';

let t: TestDatabase;

before(async () => {
  t = await freshDatabase();
  await t.db.exec(`INSERT INTO experiments (experiment_id, name) VALUES (1, 'one'), (2, 'two')`);
});
after(async () => t?.drop());

const T0 = Date.parse('2025-03-01T00:00:00Z');

interface Row {
  id: string;
  experiment: number;
  state: string;
  startMs: number | null;
  errors: number;
  session: string | null;
  run: string;
}

/**
 * `n` traces: runs of 1 to 6 traces (a third of the traces in runs of several, their traces anywhere in time),
 * sessions of up to 8 traces or none, failing traces at `failRate`, states mostly OK, start times from a small
 * set now and then (ties broken by trace id), 1 in 60 with no start.
 */
function dataset(seed: number, n: number, failRate: number): Row[] {
  const rnd = seededRandom(seed);
  const hex = () => Array.from({ length: 32 }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
  const rows: Row[] = [];
  while (rows.length < n) {
    const size = rnd() < 0.7 ? 1 : 2 + Math.floor(rnd() * 5);
    const experiment = rnd() < 0.8 ? 1 : 2;
    const session = rnd() < 0.2 ? null : `sess_${Math.floor(rnd() * (n / 6))}`;
    const ids = Array.from({ length: size }, hex);
    const run = [...ids].sort()[0]!;
    for (const id of ids) {
      const u = rnd();
      rows.push({
        id,
        experiment,
        state: u < 0.06 ? 'ERROR' : u < 0.1 ? 'IN_PROGRESS' : 'OK',
        startMs:
          rnd() < 1 / 60
            ? null
            : rnd() < 0.1
              ? T0 + Math.floor(rnd() * 5) * 1000
              : T0 + Math.floor(rnd() * 3.6e6),
        errors: rnd() < failRate ? 1 + Math.floor(rnd() * 3) : 0,
        // A run's traces share a session now and then; otherwise each has its own draw.
        session: rnd() < 0.5 ? session : rnd() < 0.2 ? null : `sess_${Math.floor(rnd() * (n / 6))}`,
        run,
      });
    }
  }
  return rows;
}

async function load(rows: Row[]): Promise<void> {
  await t.db.exec('TRUNCATE traces CASCADE');
  await t.db.query(
    `INSERT INTO traces (trace_id, experiment_id, name, state, start_time, end_time, start_time_unix_nano,
       end_time_unix_nano, duration_ms, request_preview, response_preview, span_count, error_count,
       input_tokens, output_tokens, total_tokens, session_id, run_id)
     SELECT id, experiment, 'trace ' || id, state, st, st + interval '250 ms',
       (extract(epoch FROM st) * 1e9)::bigint, (extract(epoch FROM st) * 1e9)::bigint + 250000000, 250,
       'request ' || id, 'response ' || id, 3, errors, 10, 20, 30, session, run
     FROM unnest($1::text[], $2::bigint[], $3::text[], $4::float8[], $5::int[], $6::text[], $7::text[])
       AS x (id, experiment, state, ms, errors, session, run)
       CROSS JOIN LATERAL (SELECT to_timestamp(ms / 1000.0) AS st) s`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.experiment),
      rows.map((r) => r.state),
      rows.map((r) => r.startMs),
      rows.map((r) => r.errors),
      rows.map((r) => r.session),
      rows.map((r) => r.run),
    ],
  );
  await t.db.exec('ANALYZE traces');
}

/** What the list must hold: the view's groups whose newest trace has a start, in the list's filters, newest first. */
function headFilter(f: GroupListFilter, params: unknown[]): string {
  const where = ['h.hs IS NOT NULL'];
  if (f.experimentIds) where.push(`h.hexp = ANY($${params.push(f.experimentIds)}::bigint[])`);
  if (f.from) where.push(`h.hs >= $${params.push(f.from.toISOString())}::timestamptz`);
  if (f.to) where.push(`h.hs < $${params.push(f.to.toISOString())}::timestamptz`);
  return where.join(' AND ');
}

async function expectedRuns(f: GroupListFilter): Promise<RunRow[]> {
  const params: unknown[] = [];
  const where = [headFilter(f, params)];
  if (f.errors) where.push('r.error_count > 0');
  if (f.state) where.push(`r.state = $${params.push(f.state)}`);
  const r = await t.db.query<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS}
     FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
     CROSS JOIN LATERAL (SELECT n.start_time AS hs, n.trace_id AS hid, n.experiment_id AS hexp FROM traces n
       WHERE n.run_id = r.run_id ORDER BY n.start_time DESC, n.trace_id DESC LIMIT 1) h
     WHERE ${where.join(' AND ')} ORDER BY h.hs DESC, h.hid DESC`,
    params,
  );
  return r.rows.map(runRow);
}

async function expectedSessions(f: GroupListFilter): Promise<SessionRow[]> {
  const params: unknown[] = [];
  const where = [headFilter(f, params)];
  if (f.errors) where.push('g.error_count > 0');
  const r = await t.db.query<Record<string, unknown>>(
    `SELECT ${SESSION_COLUMNS}
     FROM sessions g JOIN experiments e ON e.experiment_id = g.experiment_id
     CROSS JOIN LATERAL (SELECT n.start_time AS hs, n.trace_id AS hid, n.experiment_id AS hexp FROM traces n
       WHERE n.session_id = g.session_id AND n.experiment_id = g.experiment_id
       ORDER BY n.start_time DESC, n.trace_id DESC LIMIT 1) h
     WHERE ${where.join(' AND ')} ORDER BY h.hs DESC, h.hid DESC`,
    params,
  );
  return r.rows.map(sessionRow);
}

const from = new Date(T0 + 600_000);
const to = new Date(T0 + 2_400_000);
const RUN_FILTERS: [string, Partial<GroupListFilter>][] = [
  ['no filter', {}],
  ['experiment two', { experimentIds: ['2'] }],
  ['a time range', { from, to }],
  ['errors', { errors: true }],
  ['state=ERROR', { state: 'ERROR' }],
  ['state=IN_PROGRESS', { state: 'IN_PROGRESS' }],
  ['state=OK', { state: 'OK' }],
  ['errors, experiment two', { errors: true, experimentIds: ['2'] }],
  ['errors, a time range', { errors: true, from, to }],
  ['errors and state=ERROR', { errors: true, state: 'ERROR' }],
];
const SESSION_FILTERS: [string, Partial<GroupListFilter>][] = [
  ['errors', { errors: true }],
  ['errors, experiment one', { errors: true, experimentIds: ['1'] }],
  ['errors, a time range', { errors: true, from, to }],
];
// By default runs of one trace are taken at their rare trace (the runs of several here are a few hundred) and
// sessions come from all the rare traces. With no runs of several allowed, runs come from all the rare traces
// too; with at most 40 of those, a filter with both errors and a state goes to the second condition when the
// first has more (seed 3: ~150 failing traces, ~30 in state ERROR). With at most 2, pages start by walking
// windows and switch to the rare traces once two or fewer are left below the cursor; with 0, windows (of 40
// traces, so a page spans many and may end short of its limit with a cursor) unless none are left.
const TUNINGS: [string, GroupWalkTuning][] = [
  ['runs of one at their rare trace', {}],
  ['from all the rare traces', { maxMultiRunTraces: 0 }],
  ['from all the rare traces, at most 40', { maxMultiRunTraces: 0, maxRareTraces: 40 }],
  ['windows, then the rare traces', { maxMultiRunTraces: 0, maxRareTraces: 2 }],
  ['by windows of 40', { maxMultiRunTraces: 0, maxRareTraces: 0, windowTraces: 40 }],
];
const limitsFor = (groups: number) => (groups <= 60 ? [1, 4, 50] : [7, 50]);

for (const [seed, n, failRate] of [
  [1, 700, 0.03],
  [2, 900, 0.01],
  [3, 500, 0.3],
] as const) {
  describe(`seed ${seed}: ${n} traces, ${failRate * 100} % failing`, () => {
    before(async () => load(dataset(seed, n, failRate)));

    it('lists the runs each group filter keeps, in order, over every page', async () => {
      for (const [name, filter] of RUN_FILTERS) {
        const want = await expectedRuns({ ...EVERY_GROUP, ...filter });
        if (name === 'errors') assert.ok(want.length >= 5, `${want.length} failing runs`);
        for (const [how, tuning] of TUNINGS) {
          for (const limit of limitsFor(want.length)) {
            const got = await allPages((f) => listRuns(t.db, f, tuning), {
              ...EVERY_GROUP,
              ...filter,
              limit,
            });
            assert.deepEqual(got, want, `runs ${name}, ${how}, limit ${limit}`);
          }
        }
      }
    });

    it('lists the sessions each group filter keeps, in order, over every page', async () => {
      for (const [name, filter] of SESSION_FILTERS) {
        const want = await expectedSessions({ ...EVERY_GROUP, ...filter });
        if (name === 'errors') assert.ok(want.length >= 3, `${want.length} failing sessions`);
        for (const [how, tuning] of TUNINGS) {
          for (const limit of limitsFor(want.length)) {
            const got = await allPages((f) => listSessions(t.db, f, tuning), {
              ...EVERY_GROUP,
              ...filter,
              limit,
            });
            assert.deepEqual(got, want, `sessions ${name}, ${how}, limit ${limit}`);
          }
        }
      }
    });
  });
}

describe('a group sits at its newest trace, failing or not', () => {
  it('puts a run whose failed trace is old above a newer single failing run', async () => {
    const id = (c: string) => c.repeat(32);
    // Run a: failed at t=10, its newest trace (fine) at t=100. Run b: one failing trace at t=50. Run c: a fine
    // trace at t=5 and a failing one at t=70 (a later linked trace failed). Run d: nothing failed, newest.
    const rows: Row[] = [
      { id: id('a'), experiment: 1, state: 'OK', startMs: T0 + 10, errors: 2, session: 's', run: id('a') },
      { id: id('e'), experiment: 1, state: 'OK', startMs: T0 + 100, errors: 0, session: 's', run: id('a') },
      { id: id('b'), experiment: 1, state: 'ERROR', startMs: T0 + 50, errors: 1, session: 'u', run: id('b') },
      { id: id('c'), experiment: 1, state: 'OK', startMs: T0 + 5, errors: 0, session: null, run: id('c') },
      {
        id: id('f'),
        experiment: 1,
        state: 'ERROR',
        startMs: T0 + 70,
        errors: 1,
        session: null,
        run: id('c'),
      },
      { id: id('d'), experiment: 1, state: 'OK', startMs: T0 + 200, errors: 0, session: 'v', run: id('d') },
    ];
    await load(rows);
    for (const [how, tuning] of TUNINGS) {
      const pages: string[][] = [];
      let cursor: ListCursor | null = null;
      do {
        const r = await listRuns(t.db, { ...EVERY_GROUP, errors: true, limit: 1, after: cursor }, tuning);
        pages.push(r.rows.map((x) => x.run_id));
        cursor = r.next;
      } while (cursor !== null && pages.length < 10);
      assert.deepEqual(
        pages.filter((p) => p.length > 0),
        [[id('a')], [id('c')], [id('b')]],
        how,
      );
      const sessions = await allPages((f) => listSessions(t.db, f, tuning), {
        ...EVERY_GROUP,
        errors: true,
        limit: 1,
      });
      assert.deepEqual(
        sessions.map((s) => s.session_id),
        ['s', 'u'],
        how,
      );
      // A time range holds run a by its newest trace (t=100), though its failed trace (t=10) is outside.
      const ranged = await listRuns(
        t.db,
        { ...EVERY_GROUP, errors: true, from: new Date(T0 + 60), to: new Date(T0 + 150) },
        tuning,
      );
      assert.deepEqual(
        ranged.rows.map((x) => x.run_id),
        [id('a'), id('c')],
        how,
      );
    }
  });
});
