/**
 * Property: the trace row the span writer builds in JS for a new trace (store/trace-rows.ts) is the row the SQL
 * recompute (store/trace-aggregate.ts) derives from the same stored spans — for random trees with tied start
 * times, several or no roots, errors, model and non-model usage, previews, sessions and overlapping tags, and the
 * read side's columns (search document, span types, models).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { nanosColumn } from '../../mapper/time.js';
import { BatchWriter } from '../../store/batch-writer.js';
import type { SpanRecord } from '../../store/columns.js';
import type { Queryable } from '../../store/db.js';
import { encodeSpan } from '../../store/encoded-span.js';
import { writeSpanBatch } from '../../store/span-writer.js';
import { recomputeTraces } from '../../store/trace-aggregate.js';
import { traceRowFromSpans } from '../../store/trace-rows.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { spanRecord } from '../support/span-record.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
  await tdb.db.query(`INSERT INTO experiments (experiment_id, name) VALUES (3, 'three')`);
});
after(async () => {
  await tdb.drop();
});

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

const jsonValue = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const bag = fc.option(
  fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__', 'ключ', 'langfuse.trace.name'), jsonValue, {
    maxKeys: 3,
  }),
  { nil: null },
);
const tokens = fc.option(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(2 ** 60)), { nil: null });
// Long texts, astral and high-BMP characters: the search document is cut at 4000 code points in both.
const longText = fc.constantFrom('a', 'é', '😀', '\uffff', 'z', 'y').map((c) => c.repeat(1500));
const text = fc.option(fc.oneof(fc.constantFrom('q1', 'q2', 'answer', ''), longText), { nil: null });
// Sorted by code point in both (U+FFFF after an astral character's surrogates in UTF-16 order, before in SQL's).
const model = fc.option(fc.constantFrom('gpt-4o', 'claude', '😀m', '\uffffm'), { nil: null });

const spanArb = fc.record({
  parent: fc.constantFrom(null, 'p', 'p', 'p'),
  startMs: fc.integer({ min: 0, max: 4 }),
  lengthMs: fc.integer({ min: 0, max: 3 }),
  subMicro: fc.constantFrom(0, 1, 999),
  spanType: fc.constantFrom('AGENT', 'CHAT_MODEL', 'LLM', 'TOOL', 'CHAIN', 'EMBEDDING'),
  model,
  status: fc.constantFrom('UNSET', 'OK', 'ERROR'),
  input: tokens,
  output: tokens,
  total: tokens,
  request: text,
  response: text,
  session: fc.option(fc.constantFrom('s1', 's2'), { nil: null }),
  user: fc.option(fc.constantFrom('u1', 'u2'), { nil: null }),
  tags: bag,
  metadata: bag,
  experiment: fc.constantFrom('0', '3'),
});

type SpanSpec = typeof spanArb extends fc.Arbitrary<infer T> ? T : never;

function record(traceId: string, i: number, s: SpanSpec): SpanRecord {
  const base = 1_700_000_000_000_000_000n;
  const start = base + BigInt(s.startMs) * 1_000_000n + BigInt(s.subMicro);
  const end = start + BigInt(s.lengthMs) * 1_000_000n;
  return spanRecord({
    trace_id: traceId,
    // Small ids sort differently as numbers and as text only if widths differed: they never do (16 hex digits).
    span_id: hex(0xabc0 + i * 7919, 16),
    parent_span_id: s.parent === null ? null : hex(0xabc0, 16),
    experiment_id: s.experiment,
    name: `${s.spanType.toLowerCase()} ${i}`,
    span_type: s.spanType,
    model: s.model,
    status: s.status,
    start_time: start,
    end_time: end,
    start_time_unix_nano: nanosColumn(start),
    end_time_unix_nano: nanosColumn(end),
    duration_ms: Number(end - start) / 1e6,
    input_tokens: s.input,
    output_tokens: s.output,
    total_tokens: s.total,
    session_id: s.session,
    user_id: s.user,
    request_preview: s.request,
    response_preview: s.response,
    trace_tags: s.tags,
    trace_metadata: s.metadata,
  });
}

const SIMPLE: SpanSpec = {
  parent: null,
  startMs: 0,
  lengthMs: 0,
  subMicro: 1,
  spanType: 'AGENT',
  model: null,
  status: 'OK',
  input: null,
  output: null,
  total: null,
  request: 'q1',
  response: 'answer',
  session: null,
  user: null,
  tags: null,
  metadata: null,
  experiment: '0',
};

async function storedTrace(db: Queryable, traceId: string): Promise<unknown> {
  const r = await db.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(t) - 'created_at' - 'updated_at' AS row FROM traces t WHERE trace_id = $1`,
    [traceId],
  );
  return r.rows[0]?.row;
}

describe('trace rows built in JS', () => {
  it('equal the SQL recompute of the same spans', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(spanArb, { minLength: 1, maxLength: 7 }), async (specs) => {
        const traceId = hex(++n, 32);
        const spans = specs.map((s, i) => record(traceId, i, s));
        assert.notEqual(traceRowFromSpans(spans), null, 'these spans take the JS path');
        await tdb.db.transaction((tx) =>
          writeSpanBatch(
            tx,
            spans.map((s) => encodeSpan(s)),
          ),
        );
        const built = await storedTrace(tdb.db, traceId);
        await tdb.db.transaction((tx) => recomputeTraces(tx, [traceId]));
        assert.deepEqual(built, await storedTrace(tdb.db, traceId));
      }),
      { numRuns: 200 },
    );
  });

  it('leave traces they cannot reproduce exactly to the SQL recompute', async () => {
    const traceId = hex(0xfeed, 32);
    const long = record(traceId, 0, SIMPLE);
    // 2^53 ns and one: a double cannot hold the difference, so only the database's numeric division is exact.
    long.start_time_unix_nano = '1';
    long.end_time_unix_nano = (2n ** 53n + 2n).toString();
    assert.equal(traceRowFromSpans([long]), null);
    await tdb.db.transaction((tx) => writeSpanBatch(tx, [encodeSpan(long)]));
    const r = await tdb.db.query<{ span_count: number; duration_ms: number }>(
      'SELECT span_count, duration_ms FROM traces WHERE trace_id = $1',
      [traceId],
    );
    assert.deepEqual(r.rows, [{ span_count: 1, duration_ms: Number.parseFloat('9007199254.740993') }]);
  });

  it('a span stored without its trace row (deleted by hand) is replaced, and the row rebuilt from every stored span', async () => {
    const traceId = hex(0xbeef, 32);
    const specs = [0, 1, 2].map((i) => ({ ...SIMPLE, parent: i === 0 ? null : ('p' as const), startMs: i }));
    const spans = () => specs.map((s, i) => encodeSpan(record(traceId, i, s)));
    const writer = new BatchWriter(tdb.db, { maxBatchSpans: 100, lingerMs: 1, concurrency: 1 });
    assert.deepEqual(await writer.write(spans()), { kind: 'committed' });
    await tdb.db.query('DELETE FROM traces WHERE trace_id = $1', [traceId]);
    // Only the first two again: the row must count the third, stored but not re-sent.
    assert.deepEqual(await writer.write(spans().slice(0, 2)), { kind: 'committed' });
    const r = await tdb.db.query<{ spans: number; span_count: number }>(
      `SELECT (SELECT count(*)::int FROM spans WHERE trace_id = $1) AS spans, span_count
       FROM traces WHERE trace_id = $1`,
      [traceId],
    );
    assert.deepEqual(r.rows, [{ spans: 3, span_count: 3 }]);
  });
});
