// The runs and sessions lists (store/read/runs.ts, group-rows.ts) against the `runs` and `sessions` views they
// must agree with: big groups written by SQL, the awkward cases (no request or response in a group, a last-ending
// trace without a response, ties on the end time, a trace with no end, one session id in two experiments), every
// page walked with a small page size, and the errors / state filters.
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
import { getSessions, listRuns, listSessions, runTracePage } from '../../store/read/runs.js';
import type { ListCursor } from '../../store/read/trace-list.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { allPages, EVERY_GROUP } from '../support/group-pages.js';

let t: TestDatabase;

// 12 sessions × 150 traces in experiment 1, interleaved in time; sess_0 also in experiment 2 (40 traces).
// Runs of 50 consecutive traces of a session. i is the trace's position in time (30 ms apart).
const FILL = `
INSERT INTO experiments (experiment_id, name) VALUES (1, 'one'), (2, 'two');
INSERT INTO traces (trace_id, experiment_id, name, state, start_time, end_time, start_time_unix_nano,
  end_time_unix_nano, duration_ms, request_preview, response_preview, root_span_id, span_count, error_count,
  input_tokens, output_tokens, total_tokens, session_id, run_id)
SELECT id, x.experiment, 'trace ' || i, x.state, st, CASE WHEN x.open THEN NULL ELSE st + d * interval '1 ms' END,
  ns, CASE WHEN x.open THEN NULL ELSE ns + (d * 1e6)::bigint END, d,
  CASE WHEN s = 3 OR i % 5 = 0 THEN NULL ELSE 'request ' || i END,
  CASE WHEN s = 4 OR i % 7 = 0 OR x.last_of_5 THEN NULL ELSE 'response ' || i END,
  substr(id, 1, 16), 3 + i % 4, CASE WHEN s = 2 AND i % 97 = 0 THEN 2 ELSE 0 END,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 100 + i END, 10, CASE WHEN i % 11 = 0 THEN NULL ELSE 110 + i END,
  'sess_' || s, 'run_' || x.experiment || '_' || s || '_' || (i / 600)
FROM (
  SELECT i, CASE WHEN i >= 1800 THEN 0 ELSE i % 12 END AS s, md5(i::text || 'group-lists') AS id,
    CASE WHEN i >= 1800 THEN 2 ELSE 1 END AS experiment,
    CASE WHEN i = 1795 THEN 'IN_PROGRESS' WHEN i % 12 = 6 AND i % 300 = 6 THEN 'ERROR' ELSE 'OK' END AS state,
    i = 1795 AS open,
    -- sess_5's last-ending trace has no response; sess_7's last traces all end at the same nanosecond.
    (i % 12 = 5 AND i >= 1700) AS last_of_5,
    '2025-03-01T00:00:00Z'::timestamptz + i * interval '30 ms' AS st,
    1740787200000000000 + i::bigint * 30000000 AS ns,
    CASE WHEN i % 12 = 7 AND i > 1600 THEN (1800 - i) * 30 + 5000 ELSE 100 + (i * 37) % 900 END::float8 AS d
  FROM generate_series(0, 1839) i
) x;
ANALYZE traces;`;

before(async () => {
  t = await freshDatabase();
  await t.db.exec(FILL);
});
after(async () => t?.drop());

// Newest activity first: a group sits at its newest trace (start_time, trace_id).
const NEWEST = (alias: string, where: string) => `(SELECT row(n.start_time, n.trace_id) FROM traces n
  WHERE ${where} ORDER BY n.start_time DESC, n.trace_id DESC LIMIT 1) ${alias}`;

async function expectedSessions(where = 'true'): Promise<SessionRow[]> {
  const r = await t.db.query<Record<string, unknown>>(
    `SELECT ${SESSION_COLUMNS}, ${NEWEST('newest', 'n.session_id = g.session_id AND n.experiment_id = g.experiment_id')}
     FROM sessions g JOIN experiments e ON e.experiment_id = g.experiment_id WHERE ${where}
     ORDER BY 13 DESC`,
  );
  return r.rows.map(sessionRow);
}

async function expectedRuns(where = 'true'): Promise<RunRow[]> {
  const r = await t.db.query<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS}, ${NEWEST('newest', 'n.run_id = r.run_id')}
     FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id WHERE ${where}
     ORDER BY 17 DESC`,
  );
  return r.rows.map(runRow);
}

describe('sessions list', () => {
  it('holds every session with the sessions view’s values, on one page and walked 5 at a time', async () => {
    const want = await expectedSessions();
    assert.equal(want.length, 13);
    assert.equal(want.filter((s) => s.session_id === 'sess_0').length, 2, 'sess_0 in both experiments');
    assert.deepEqual((await listSessions(t.db, EVERY_GROUP)).rows, want);
    assert.deepEqual(await allPages((f) => listSessions(t.db, f), { ...EVERY_GROUP, limit: 5 }), want);
  });

  it('covers the awkward groups the fixture sets up', async () => {
    const rows = (await listSessions(t.db, EVERY_GROUP)).rows;
    const of = (id: string, exp = '1') => rows.find((s) => s.session_id === id && s.experiment_id === exp)!;
    assert.equal(of('sess_3').request_preview, null, 'no trace of sess_3 has a request');
    assert.equal(of('sess_4').response_preview, null, 'no trace of sess_4 has a response');
    assert.match(String(of('sess_5').response_preview), /^response \d+$/);
    assert.equal(of('sess_1').trace_count, 150);
    assert.equal(of('sess_0', '2').trace_count, 40);
  });

  it('filters on failed spans and on experiment', async () => {
    const failed = await expectedSessions('g.error_count > 0');
    assert.equal(failed.length, 1);
    assert.deepEqual(
      await allPages((f) => listSessions(t.db, f), { ...EVERY_GROUP, errors: true, limit: 3 }),
      failed,
    );
    assert.deepEqual(
      await allPages((f) => listSessions(t.db, f), { ...EVERY_GROUP, experimentIds: ['2'], limit: 3 }),
      await expectedSessions('g.experiment_id = 2'),
    );
  });
});

describe('one session', () => {
  it('has the sessions view’s rows for its id, newest activity first, one per experiment', async () => {
    for (const id of ['sess_0', 'sess_4', 'sess_7', 'nope']) {
      const r = await t.db.query<Record<string, unknown>>(
        `SELECT ${SESSION_COLUMNS} FROM sessions g JOIN experiments e ON e.experiment_id = g.experiment_id
         WHERE g.session_id = $1 ORDER BY g.end_time DESC NULLS LAST, g.experiment_id`,
        [id],
      );
      assert.deepEqual(await getSessions(t.db, id), r.rows.map(sessionRow), id);
    }
    assert.equal((await getSessions(t.db, 'sess_0')).length, 2);
  });
});

describe('runs list', () => {
  it('holds every run with the runs view’s values, on one page and walked 7 at a time', async () => {
    const want = await expectedRuns();
    assert.ok(want.length > 30);
    assert.ok(want.some((r) => r.state === 'IN_PROGRESS') && want.some((r) => r.state === 'ERROR'));
    assert.deepEqual((await listRuns(t.db, { ...EVERY_GROUP, limit: 200 })).rows, want);
    assert.deepEqual(await allPages((f) => listRuns(t.db, f), { ...EVERY_GROUP, limit: 7 }), want);
  });

  it('filters on state and on failed spans', async () => {
    for (const state of ['ERROR', 'IN_PROGRESS', 'OK'] as const) {
      assert.deepEqual(
        await allPages((f) => listRuns(t.db, f), { ...EVERY_GROUP, state, limit: 4 }),
        await expectedRuns(`r.state = '${state}'`),
        state,
      );
    }
    assert.deepEqual(
      await allPages((f) => listRuns(t.db, f), { ...EVERY_GROUP, errors: true, limit: 4 }),
      await expectedRuns('r.error_count > 0'),
    );
  });
});

describe('a run’s trees, page by page', () => {
  it('holds whole traces oldest first, at most `limit` of them and, past the first, `maxSpans` spans', async () => {
    const runId = 'run_1_1_0';
    const all = (
      await t.db.query<{ trace_id: string; span_count: number }>(
        `SELECT trace_id, span_count FROM traces WHERE run_id = $1 ORDER BY start_time, trace_id`,
        [runId],
      )
    ).rows;
    assert.equal(all.length, 50);
    for (const [limit, maxSpans] of [
      [7, 1_000_000],
      [50, 20],
      [3, 1],
    ] as const) {
      const seen: string[] = [];
      let after: ListCursor | null = null;
      for (let page = 0; page < 100; page++) {
        const r = await runTracePage(t.db, runId, after, limit, maxSpans);
        assert.ok(r.traces.length >= 1 && r.traces.length <= limit);
        const spans = r.traces.reduce((n, x) => n + x.span_count, 0);
        assert.ok(r.traces.length === 1 || spans <= maxSpans, `${spans} spans in a page of ${maxSpans}`);
        seen.push(...r.traces.map((x) => x.trace_id));
        if (r.next === null) break;
        after = r.next;
      }
      assert.deepEqual(
        seen,
        all.map((x) => x.trace_id),
        `limit ${limit}, maxSpans ${maxSpans}`,
      );
    }
  });
});
