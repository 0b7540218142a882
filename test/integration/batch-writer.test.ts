/**
 * Group commit across writers: a large request is written as parts of whole traces on several connections at once
 * when writers are idle, and is answered committed only once every part is; its traces come out as if written in
 * one transaction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { nanosColumn } from '../../mapper/time.js';
import { BatchWriter, splitByTrace } from '../../store/batch-writer.js';
import { type EncodedSpan, encodeSpan } from '../../store/encoded-span.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { spanRecord } from '../support/span-record.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
});
after(async () => {
  await tdb.drop();
});

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** `spans` spans of trace `t`: a root (span 0) and its children, one millisecond apart. */
function traceSpans(t: number, spans: number): EncodedSpan[] {
  const traceId = hex(0x5000 + t, 32);
  return Array.from({ length: spans }, (_, i) => {
    const start = 1_700_000_000_000_000_000n + BigInt(t * 1000 + i) * 1_000_000n;
    const row = spanRecord({
      trace_id: traceId,
      span_id: hex(i + 1, 16),
      parent_span_id: i === 0 ? null : hex(1, 16),
      experiment_id: '0',
      name: `span ${i}`,
      span_type: 'UNKNOWN',
      status: 'OK',
      start_time: start,
      end_time: start + 500_000n,
      start_time_unix_nano: nanosColumn(start),
      end_time_unix_nano: nanosColumn(start + 500_000n),
      duration_ms: 0.5,
      input_tokens: 1,
    });
    return encodeSpan(row);
  });
}

function fakeSpan(traceId: string, spanId: string): EncodedSpan {
  return { fields: { trace_id: traceId, span_id: spanId } as EncodedSpan['fields'], line: Buffer.alloc(0) };
}

describe('splitByTrace', () => {
  it('property: parts partition the spans by whole traces, in order, about evenly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 5 })), {
          maxLength: 400,
        }),
        fc.integer({ min: 0, max: 4 }),
        (pairs, parts) => {
          const records = pairs.map(([t, s], i) => fakeSpan(`t${t}`, `s${s}-${i}`));
          const out = splitByTrace(records, parts);
          const traceCount = new Set(records.map((r) => r.fields.trace_id)).size;
          assert.ok(out.length >= 1 && out.length <= Math.max(1, Math.min(parts, traceCount)));
          // Every span once; each trace in exactly one part, its spans in request order.
          assert.deepEqual(
            out.flat().sort((a, b) => records.indexOf(a) - records.indexOf(b)),
            records,
          );
          const partOf = new Map<string, number>();
          out.forEach((p, k) => {
            const lastIndex = new Map<string, number>();
            for (const r of p) {
              const t = r.fields.trace_id;
              assert.equal(partOf.get(t) ?? k, k, 'a trace is split across parts');
              partOf.set(t, k);
              const at = records.indexOf(r);
              assert.ok(at > (lastIndex.get(t) ?? -1), "a trace's spans out of request order");
              lastIndex.set(t, at);
            }
          });
          // About even: a part overshoots its share by at most one trace.
          const sizes = new Map<string, number>();
          for (const r of records) sizes.set(r.fields.trace_id, (sizes.get(r.fields.trace_id) ?? 0) + 1);
          const share = records.length / Math.max(1, Math.min(parts, traceCount));
          const largest = Math.max(0, ...sizes.values());
          for (const p of out) assert.ok(p.length <= share + largest);
          if (out.length > 1) for (const p of out) assert.ok(p.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('one trace, or fewer than two parts, is one part', () => {
    const one = [fakeSpan('a', '1'), fakeSpan('a', '2'), fakeSpan('a', '3')];
    assert.equal(splitByTrace(one, 2).length, 1);
    const two = [fakeSpan('a', '1'), fakeSpan('b', '1')];
    assert.equal(splitByTrace(two, 1).length, 1);
    assert.deepEqual(
      splitByTrace(two, 2).map((p) => p.map((r) => r.fields.trace_id)),
      [['a'], ['b']],
    );
  });
});

/** A two-writer BatchWriter on the test database, and the span count of each transaction it commits. */
function twoWriters(): { writer: BatchWriter; commits: number[] } {
  const commits: number[] = [];
  const writer = new BatchWriter(tdb.db, {
    maxBatchSpans: 4096,
    lingerMs: 1,
    concurrency: 2,
    onCommit: ({ spans }) => commits.push(spans),
  });
  return { writer, commits };
}

describe('BatchWriter with idle writers', () => {
  it('writes a large request as parts of whole traces on two connections, answered once all committed', async () => {
    const { writer, commits } = twoWriters();
    const records = Array.from({ length: 6 }, (_, t) => traceSpans(t, 50)).flat();
    assert.deepEqual(await writer.write(records), { kind: 'committed' });
    // Two transactions of three whole traces each, both committed before the answer.
    assert.deepEqual(
      commits.sort((a, b) => a - b),
      [150, 150],
    );
    const traces = await tdb.db.query<{ span_count: number; state: string; input_tokens: string }>(
      `SELECT span_count, state, input_tokens::text AS input_tokens FROM traces
       WHERE trace_id = ANY($1) ORDER BY trace_id`,
      [[...new Set(records.map((r) => r.fields.trace_id))]],
    );
    assert.equal(traces.rows.length, 6);
    for (const t of traces.rows) assert.deepEqual(t, { span_count: 50, state: 'OK', input_tokens: '50' });
  });

  it('a request of one trace, or a small one, stays one transaction', async () => {
    const { writer, commits } = twoWriters();
    assert.deepEqual(await writer.write(traceSpans(100, 300)), { kind: 'committed' });
    assert.deepEqual(await writer.write([...traceSpans(101, 60), ...traceSpans(102, 60)]), {
      kind: 'committed',
    });
    assert.deepEqual(commits, [300, 120]);
  });

  it('a large request is written at once when a writer is idle; a small one waits for company', {
    timeout: 20_000,
  }, async () => {
    // A linger far longer than the test may take: only the bypass lets the large request finish.
    const writer = new BatchWriter(tdb.db, { maxBatchSpans: 4096, lingerMs: 600_000, concurrency: 2 });
    let smallCommitted = false;
    const small = writer.write(traceSpans(200, 10)).then((o) => {
      smallCommitted = true;
      return o;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(smallCommitted, false, 'a 10-span request waits for company');
    assert.deepEqual(await writer.write([...traceSpans(201, 150), ...traceSpans(202, 150)]), {
      kind: 'committed',
    });
    // The waiting request went along with it.
    assert.deepEqual(await small, { kind: 'committed' });
  });
});
