/** isoMicros formats dates itself (no Date per call): it must agree exactly with the Date-based original. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { durationMs, isoMicros, nanosColumn } from '../../mapper/time.js';

/** The original implementation, kept as the oracle. */
function isoMicrosReference(ns: bigint): string {
  const maxNs = 253402300799999999999n;
  const clamped = ns < 0n ? 0n : ns > maxNs ? maxNs : ns;
  const micros = clamped / 1000n;
  const ms = Number(micros / 1000n);
  const iso = new Date(ms).toISOString();
  const extra = (micros % 1000n).toString().padStart(3, '0');
  return `${iso.slice(0, -1)}${extra}Z`;
}

const S = 1_000_000_000n;
const DAY = 86_400n * S;
const MAX_ISO_NS = 253402300799999999999n;

function agrees(ns: bigint): void {
  assert.equal(isoMicros(ns), isoMicrosReference(ns), `ns = ${ns}`);
}

describe('isoMicros', () => {
  it('formats known instants', () => {
    assert.equal(isoMicros(0n), '1970-01-01T00:00:00.000000Z');
    assert.equal(isoMicros(1_714_564_800_123_456_789n), '2024-05-01T12:00:00.123456Z');
    assert.equal(isoMicros(951_782_400n * S), '2000-02-29T00:00:00.000000Z');
    assert.equal(isoMicros(MAX_ISO_NS), '9999-12-31T23:59:59.999999Z');
  });

  it('clamps negative values to the epoch and large ones to the end of year 9999', () => {
    for (const ns of [-1n, -999n, -S, -(2n ** 63n), -(10n ** 30n)]) {
      assert.equal(isoMicros(ns), '1970-01-01T00:00:00.000000Z');
      agrees(ns);
    }
    for (const ns of [MAX_ISO_NS + 1n, 2n ** 64n * 100n, 10n ** 30n]) {
      assert.equal(isoMicros(ns), '9999-12-31T23:59:59.999999Z');
      agrees(ns);
    }
  });

  it('agrees with the original at edges: sub-second, sub-microsecond, int64 and uint64 limits', () => {
    for (const ns of [
      0n,
      1n,
      999n,
      1000n,
      1001n,
      999_999n,
      1_000_000n,
      999_999_999n,
      S,
      S + 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      9223372036854775807n,
      9223372036854775808n,
      2n ** 64n - 1n,
      MAX_ISO_NS - 1n,
      MAX_ISO_NS,
    ])
      agrees(ns);
  });

  it('agrees on every day from 1970 to 2500 (leap years, century rules, month ends) at both ends of the day', () => {
    for (let d = 0n; d < 194_000n; d++) {
      agrees(d * DAY);
      agrees((d + 1n) * DAY - 1n);
    }
  });

  it('agrees around the leap days and year ends of non-leap centuries and year 9999', () => {
    for (const date of ['2100-02-28', '2100-03-01', '2400-02-29', '9999-01-01', '9999-12-31', '8000-02-29']) {
      const day = BigInt(Date.parse(`${date}T00:00:00Z`)) * 1_000_000n;
      for (let k = -3n; k <= 3n; k++) {
        agrees(day + k * DAY);
        agrees(day + k * DAY - 1n);
        agrees(day + k * DAY + 123_456_789n);
      }
    }
  });

  it('property: agrees with the original for any bigint', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: 0n, max: MAX_ISO_NS }),
          fc.bigInt({ min: 1_500_000_000n * S, max: 2_000_000_000n * S }),
          fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
        ),
        (ns) => isoMicros(ns) === isoMicrosReference(ns),
      ),
      { numRuns: 20_000 },
    );
  });
});

describe('nanosColumn and durationMs', () => {
  it('clamp to the int64 range and never go negative', () => {
    assert.equal(nanosColumn(-5n), '0');
    assert.equal(nanosColumn(2n ** 64n), '9223372036854775807');
    assert.equal(nanosColumn(1_714_564_800_123_456_789n), '1714564800123456789');
    assert.equal(durationMs(10n, 5n), 0);
    assert.equal(durationMs(0n, 1_500_000n), 1.5);
  });
});
