/**
 * The binary COPY encoder without a database: timestamps to Postgres's microseconds exactly, int8 values as their
 * decimal form means, and values a column type cannot hold refused rather than coerced. Against a real server:
 * test/integration/copy-binary.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isoMicros } from '../../mapper/time.js';
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
  it('timestampMicros(isoMicros(ns)) is the microseconds since 2000 of ns, truncated, from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_ISO_NS }), (ns) => {
        const expected = ns / 1000n - PG_EPOCH_US;
        const got = timestampMicros(isoMicros(ns));
        assert.ok(got !== null);
        assert.equal(BigInt(got), expected);
        assert.equal(int8Of(field('timestamptz', isoMicros(ns))), expected);
      }),
      { numRuns: 2000 },
    );
    for (const ns of [0n, 946_684_800_000_000_000n, 946_684_799_999_999_999n, MAX_ISO_NS])
      assert.equal(BigInt(timestampMicros(isoMicros(ns))!), ns / 1000n - PG_EPOCH_US);
  });

  it('refuses timestamps that are not isoMicros text, or days a month does not have', () => {
    for (const bad of [
      'not a timestamp',
      '2024-02-30T00:00:00.000000Z',
      '2023-02-29T00:00:00.000000Z',
      '2024-13-01T00:00:00.000000Z',
      '2024-01-01T24:00:00.000000Z',
      '2024-01-01T00:00:60.000000Z',
      '2024-01-01 00:00:00.000000Z',
      '2024-01-01T00:00:00.00000xZ',
      '0000-01-01T00:00:00.000000Z',
    ])
      assert.equal(timestampMicros(bad), null, bad);
    assert.notEqual(timestampMicros('2024-02-29T23:59:59.999999Z'), null);
    assert.throws(() => field('timestamptz', 'not a timestamp'), CopyEncodingError);
    assert.throws(() => field('timestamptz', 1_700_000_000), CopyEncodingError);
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
