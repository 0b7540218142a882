/**
 * The binary COPY encoder without a database: timestamps to Postgres's microseconds exactly, int8 values as their
 * decimal form means, and values a column type cannot hold refused rather than coerced. Against a real server:
 * test/integration/copy-binary.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isoMicros, timestampColumn } from '../../mapper/time.js';
import {
  type ColumnType,
  CopyEncodingError,
  fieldsEncoder,
  int8Field,
  timestampMicros,
} from '../../store/copy-binary.js';

const MAX_ISO_NS = 253402300799999999999n;
/** 2000-01-01T00:00:00Z in Unix microseconds. */
const PG_EPOCH_US = 946_684_800_000_000n;

function field(type: ColumnType, value: unknown): Buffer {
  return fieldsEncoder(['c'], { c: type })({ c: value });
}

function int8Of(buf: Buffer): bigint {
  assert.equal(buf.readInt32BE(0), 8);
  return buf.readBigInt64BE(4);
}

describe('binary COPY encoding', () => {
  it('a timestamptz of ns is the microseconds since 2000 its isoMicros text stood for, from 1970 to 9999', () => {
    // The text rows carried before nanoseconds, read by Date (whole seconds) and its six digits: the stored value
    // must not change.
    const fromIso = (iso: string) =>
      BigInt(Date.parse(`${iso.slice(0, 19)}Z`)) * 1000n + BigInt(iso.slice(20, 26)) - PG_EPOCH_US;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_ISO_NS }), (ns) => {
        const expected = fromIso(isoMicros(ns));
        assert.equal(timestampMicros(ns), expected);
        assert.equal(int8Of(field('timestamptz', ns)), expected);
      }),
      { numRuns: 2000 },
    );
    for (const ns of [0n, 999n, 946_684_800_000_000_000n, 946_684_799_999_999_999n, MAX_ISO_NS])
      assert.equal(int8Of(field('timestamptz', ns)), fromIso(isoMicros(ns)));
    // What the mapper hands over is clamped as isoMicros clamps, so past either end the text and the value agree.
    for (const ns of [-1n, -(2n ** 63n), MAX_ISO_NS + 1n, 2n ** 64n - 1n])
      assert.equal(int8Of(field('timestamptz', timestampColumn(ns))), fromIso(isoMicros(ns)));
  });

  it('drops sub-microsecond digits toward the past, and refuses what a timestamptz cannot hold', () => {
    assert.equal(timestampMicros(1_999n), 1n - PG_EPOCH_US);
    assert.equal(timestampMicros(-1n), -1n - PG_EPOCH_US);
    assert.equal(timestampMicros(-1_000n), -1n - PG_EPOCH_US);
    assert.equal(timestampMicros(-1_001n), -2n - PG_EPOCH_US);
    // 294277-01-01 is Postgres's end of time; 4714-11-24 BC its start.
    assert.equal(timestampMicros((9_223_371_331_200_000_000n + PG_EPOCH_US) * 1000n), null);
    assert.equal(timestampMicros((-211_813_488_000_000_001n + PG_EPOCH_US) * 1000n), null);
    assert.notEqual(timestampMicros((-211_813_488_000_000_000n + PG_EPOCH_US) * 1000n), null);
    // Text and numbers are no timestamptz values: the rows carry nanoseconds as bigints.
    assert.throws(() => field('timestamptz', '2024-01-01T00:00:00.000000Z'), CopyEncodingError);
    assert.throws(() => field('timestamptz', 1_700_000_000), CopyEncodingError);
    assert.throws(() => field('timestamptz', 10n ** 30n), CopyEncodingError);
  });

  it('int8 takes safe integers, decimal strings and bigints in range, and large doubles as their decimal form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        assert.equal(int8Of(field('int8', n.toString())), n);
        assert.equal(int8Of(field('int8', n)), n);
        const asNumber = Number(n);
        if (Number.isSafeInteger(asNumber)) assert.equal(int8Of(field('int8', asNumber)), n);
      }),
      { numRuns: 1000 },
    );
    // 2^60 as a double: COPY text and JSON say 1152921504606847000, and so does the row.
    assert.equal(int8Of(field('int8', 2 ** 60)), 1152921504606847000n);
    assert.equal(int8Of(int8Field('42', 'experiment_id')), 42n);
  });

  it('refuses what a column type cannot hold', () => {
    const refused: [ColumnType, unknown][] = [
      ['int8', 1.5],
      ['int8', '9223372036854775808'],
      ['int8', '-9223372036854775809'],
      ['int8', ''],
      ['int8', ' 12'],
      ['int8', '1e3'],
      ['int8', 1e21],
      ['int8', Number.NaN],
      ['int8', true],
      ['int4', 2 ** 31],
      ['int4', 1.5],
      ['float8', '1.5'],
      ['text[]', 'a'],
      ['jsonb', () => 1],
    ];
    for (const [type, value] of refused)
      assert.throws(() => field(type, value), CopyEncodingError, `${type} ${String(value)}`);
    assert.throws(() => fieldsEncoder(['nope'], {}), /no COPY type for column nope/);
  });

  it('NULL is a field length of -1; text is UTF-8; jsonb starts with its version byte', () => {
    assert.deepEqual(field('text', null), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.deepEqual(field('jsonb', undefined), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.deepEqual(field('text', 'é😀'), Buffer.concat([Buffer.from([0, 0, 0, 6]), Buffer.from('é😀')]));
    assert.deepEqual(
      field('jsonb', { a: 1 }),
      Buffer.concat([Buffer.from([0, 0, 0, 8, 1]), Buffer.from('{"a":1}')]),
    );
    // -0 is stored as 0, as COPY text's String(-0) was.
    assert.ok(Object.is(field('float8', -0).readDoubleBE(4), 0));
  });
});
