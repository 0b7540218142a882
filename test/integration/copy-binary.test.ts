/**
 * Binary COPY against a real server: the column types the writer encodes for are the tables' own, and every kind
 * of value the encoder writes reads back exactly as Postgres's text input of the same value would store it (the
 * COPY text the writer sent before, and what a parameterized INSERT sends). Timestamps in particular: the rows
 * carry nanoseconds now, not the ISO text they carried before, and the stored instants are still that text's.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isoMicros, timestampColumn } from '../../mapper/time.js';
import { decodeTraceRequestJson } from '../../otlp/decode-json.js';
import type { DecodedTraceRequest } from '../../otlp/model.js';
import { mapRequest } from '../../pipeline/map-request.js';
import { SPAN_COLUMN_TYPES, TRACE_COLUMN_TYPES } from '../../store/columns.js';
import { type ColumnType, copyBinary } from '../../store/copy-binary.js';
import { documentWords } from '../../store/search-words.js';
import { writeSpanBatch } from '../../store/span-writer.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
});
after(async () => {
  await tdb.drop();
});

const SQL_TYPES: Record<ColumnType, string> = {
  text: 'text',
  jsonb: 'jsonb',
  'text[]': 'text[]',
  int8: 'bigint',
  int4: 'integer',
  float8: 'double precision',
  timestamptz: 'timestamp with time zone',
  tsvector: 'tsvector',
};

async function catalogTypes(table: string): Promise<Record<string, string>> {
  const r = await tdb.db.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, x.type]));
}

/** One column of every type the encoder knows, all nullable. */
const PROBE_TYPES: Record<string, ColumnType> = {
  t: 'text',
  j: 'jsonb',
  a: 'text[]',
  i8: 'int8',
  i4: 'int4',
  f: 'float8',
  ts: 'timestamptz',
  v: 'tsvector',
};
const PROBE_COLUMNS = ['id', ...Object.keys(PROBE_TYPES)];

/** Text without what Postgres cannot store (the mapper's sanitizer replaces both before encoding). */
const storableText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\u0000'));
const storableJson = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes('\\u0000'));

const probeRow = fc.record({
  t: fc.option(storableText),
  j: fc.option(storableJson),
  a: fc.option(fc.array(fc.option(storableText), { maxLength: 4 })),
  i8: fc.option(
    fc.oneof(
      fc.maxSafeInteger(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      // Doubles past 2^53 that still print without an exponent (token sums), within int64.
      fc.double({ min: 2 ** 53, max: 9e18, noNaN: true }).map(Math.trunc),
    ),
  ),
  i4: fc.option(fc.integer()),
  f: fc.option(fc.double()),
  // Nanoseconds as the mapper hands them over (mapper/time.ts timestampColumn), also from past either clamp.
  ts: fc.option(
    fc.oneof(
      fc.bigInt({ min: 0n, max: 253402300799999999999n }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map(timestampColumn),
    ),
  ),
  // Lexemes as the writer hands them over: a document's words (any code point, past U+FFFF too, for the order).
  v: fc.option(fc.string({ unit: 'binary', maxLength: 200 }).map(documentWords)),
});

/** What Postgres's text input gets for the value: how the writer's COPY text spelled it. */
function textInput(v: unknown, type: ColumnType): unknown {
  if (v === null) return null;
  if (type === 'jsonb') return JSON.stringify(v);
  if (type === 'text[]') return v; // node-postgres writes the array literal itself
  // The ISO text rows carried before the encoder took nanoseconds: the value stored must not have changed.
  if (type === 'timestamptz') return isoMicros(v as bigint);
  if (type === 'tsvector') return v; // the lexemes as a text[], for array_to_tsvector
  return String(v);
}

describe('binary COPY', () => {
  it('encodes every written column of spans and traces as the type the table has', async () => {
    for (const [table, types] of [
      ['spans', SPAN_COLUMN_TYPES],
      ['traces', TRACE_COLUMN_TYPES],
    ] as const) {
      const catalog = await catalogTypes(table);
      for (const [column, type] of Object.entries(types))
        assert.equal(catalog[column], SQL_TYPES[type], `${table}.${column}`);
    }
  });

  it('stores every value as Postgres stores its text form', async () => {
    const columns = Object.entries(PROBE_TYPES)
      .map(([c, t]) => `${c} ${SQL_TYPES[t]}`)
      .join(', ');
    await tdb.db.exec(
      `CREATE TABLE probe_binary (id integer, ${columns}); CREATE TABLE probe_text (id integer, ${columns});`,
    );
    const params = Object.entries(PROBE_TYPES)
      .map(([, t], i) =>
        t === 'tsvector' ? `array_to_tsvector($${i + 2}::text[])` : `$${i + 2}::${SQL_TYPES[t]}`,
      )
      .join(', ');
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(probeRow, { minLength: 1, maxLength: 20 }), async (rows) => {
        const withIds = rows.map((r) => ({ id: ++id, ...r }));
        await tdb.db.transaction(async (tx) => {
          await tx.copyIn(
            `COPY probe_binary (${PROBE_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`,
            copyBinary(withIds, PROBE_COLUMNS, { id: 'int4', ...PROBE_TYPES }),
          );
          for (const r of withIds)
            await tx.query(`INSERT INTO probe_text (${PROBE_COLUMNS.join(', ')}) VALUES ($1, ${params})`, [
              r.id,
              ...Object.entries(PROBE_TYPES).map(([c, t]) => textInput(r[c as keyof typeof r], t)),
            ]);
        });
        const differ = await tdb.db.query<{ id: number }>(
          `(SELECT * FROM probe_binary EXCEPT ALL SELECT * FROM probe_text)
           UNION ALL (SELECT * FROM probe_text EXCEPT ALL SELECT * FROM probe_binary)`,
        );
        assert.deepEqual(differ.rows, []);
      }),
      { numRuns: process.env.CI ? 60 : 200 },
    );
  });

  it("stores the captured clients' spans and traces at the instants their ISO text stored", async () => {
    for (const client of readdirSync(CAPTURED)) {
      const file = join(CAPTURED, client, '000001-traces.json');
      if (!existsSync(file)) continue;
      await storedAsIsoText(decodeTraceRequestJson(readFileSync(file, 'utf8')), client);
    }
    // And the instants no client sent: sub-microsecond digits, the epoch, the largest fixed64.
    await storedAsIsoText(
      decodeTraceRequestJson(
        JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    ['1', '1700000000123456789', '1700000000123457999'],
                    ['2', '0', '999'],
                    ['3', '1', '18446744073709551615'],
                  ].map(([id, start, end]) => ({
                    traceId: `${'ab'.repeat(15)}0${id}`,
                    spanId: `${'cd'.repeat(7)}0${id}`,
                    name: 'edge',
                    startTimeUnixNano: start,
                    endTimeUnixNano: end,
                  })),
                },
              ],
            },
          ],
        }),
      ),
      'edge instants',
    );
  });
});

const CAPTURED = new URL('../fixtures/captured/', import.meta.url).pathname;

/**
 * Maps and writes `request` as live ingest does, then compares each stored span's and new trace's start_time /
 * end_time with Postgres's reading of the isoMicros text of its nanoseconds (a trace: the earliest start, the
 * latest end), the path the values took before the encoder took nanoseconds.
 */
async function storedAsIsoText(request: DecodedTraceRequest, label: string): Promise<void> {
  const mapped = await mapRequest(request, { maxAttributeLength: 1 << 20 });
  for (const s of mapped.spans) s.fields.experiment_id = '0';
  await tdb.db.transaction((tx) => writeSpanBatch(tx, mapped.spans));
  const spans: { trace_id: string; span_id: string; st: string; et: string }[] = [];
  const traces = new Map<string, { trace_id: string; st: string; et: string }>();
  for (const rs of request.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        const st = isoMicros(span.startTimeUnixNano);
        const et = isoMicros(span.endTimeUnixNano);
        spans.push({ trace_id: span.traceId, span_id: span.spanId, st, et });
        const t = traces.get(span.traceId) ?? { trace_id: span.traceId, st, et };
        // Fixed-width ISO text: string order is time order (how trace rows took min and max before).
        if (st < t.st) t.st = st;
        if (et > t.et) t.et = et;
        traces.set(span.traceId, t);
      }
  assert.equal(mapped.spans.length, spans.length, label);
  const spansDiffer = await tdb.db.query(
    `SELECT e.span_id, s.start_time, s.end_time, e.st, e.et
     FROM json_to_recordset($1::json) AS e(trace_id text, span_id text, st timestamptz, et timestamptz)
     LEFT JOIN spans s USING (trace_id, span_id)
     WHERE s.start_time IS DISTINCT FROM e.st OR s.end_time IS DISTINCT FROM e.et`,
    [JSON.stringify(spans)],
  );
  assert.deepEqual(spansDiffer.rows, [], `${label}: spans`);
  const tracesDiffer = await tdb.db.query(
    `SELECT e.trace_id, t.start_time, t.end_time, e.st, e.et
     FROM json_to_recordset($1::json) AS e(trace_id text, st timestamptz, et timestamptz)
     LEFT JOIN traces t USING (trace_id)
     WHERE t.start_time IS DISTINCT FROM e.st OR t.end_time IS DISTINCT FROM e.et`,
    [JSON.stringify([...traces.values()])],
  );
  assert.deepEqual(tracesDiffer.rows, [], `${label}: traces`);
}
