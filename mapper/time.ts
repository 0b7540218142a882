/** Nanosecond timestamps → column values, without ever passing through a lossy JS number. */

const MAX_INT64 = 9223372036854775807n;

/** bigint column value (decimal string), clamped to the int64 range Postgres can hold. */
export function nanosColumn(ns: bigint): string {
  return (ns > MAX_INT64 ? MAX_INT64 : ns < 0n ? 0n : ns).toString();
}

/**
 * ISO-8601 UTC with microseconds (timestamptz precision), e.g. 2024-05-01T12:00:00.123456Z.
 * Sub-microsecond digits are truncated; the exact value lives in the *_unix_nano column.
 */
export function isoMicros(ns: bigint): string {
  // Clamp to year 9999 so Date can format it; the exact nanoseconds are stored separately.
  const maxNs = 253402300799999999999n;
  const clamped = ns < 0n ? 0n : ns > maxNs ? maxNs : ns;
  const micros = clamped / 1000n;
  const ms = Number(micros / 1000n);
  const iso = new Date(ms).toISOString(); // 2024-05-01T12:00:00.123Z
  const extra = (micros % 1000n).toString().padStart(3, '0');
  return `${iso.slice(0, -1)}${extra}Z`;
}

/** Duration in ms, 0 when end precedes start (clocks skew; a negative duration means nothing to a user). */
export function durationMs(start: bigint, end: bigint): number {
  if (end <= start) return 0;
  return Number(end - start) / 1e6;
}
