/** Nanosecond timestamps → column values, without ever passing through a lossy JS number. */

const MAX_INT64 = 9223372036854775807n;
/** 9999-12-31T23:59:59.999999999Z: the last instant a four-digit ISO year can show. */
const MAX_ISO_NS = 253402300799999999999n;
const NS_PER_S = 1_000_000_000n;

/** bigint column value (decimal string), clamped to the int64 range Postgres can hold. */
export function nanosColumn(ns: bigint): string {
  return (ns > MAX_INT64 ? MAX_INT64 : ns < 0n ? 0n : ns).toString();
}

/** '00'…'99': two-digit date and time fields without padStart per field. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

/**
 * `YYYY-MM-DDTHH:MM:SS` of whole seconds since the epoch (0 … 253402300799, so the year has four digits).
 * Days → civil date is Howard Hinnant's `civil_from_days`; all arithmetic is exact in doubles at this range.
 * About a quarter of the cost of `new Date(ms).toISOString()`.
 */
function isoSeconds(secs: number): string {
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const z = days + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // day of the 400-year era
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // day of the March-based year
  const mp = Math.floor((5 * doy + 2) / 153); // March = 0
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(sod / 3600);
  const minute = Math.floor((sod - hour * 3600) / 60);
  const second = sod - hour * 3600 - minute * 60;
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}`;
}

/**
 * A timestamptz column's value (start_time, end_time): the instant as nanoseconds since the Unix epoch, clamped to
 * 1970-01-01 … 9999-12-31T23:59:59.999999999Z. The binary COPY encoder writes Postgres's form of it straight from
 * this bigint (store/copy-binary.ts), dropping the sub-microsecond digits as isoMicros does; the clamp is the one
 * isoMicros applies, so a column holds what its ISO text stored before the rows carried nanoseconds.
 *
 * Why a bigint and not the decimal string the *_unix_nano columns carry: it is the decoder's own value (no work
 * here), it is exact, and `<` compares it as time (trace-rows.ts). The *_unix_nano strings are clamped to the
 * int64 range instead, so they could not give the same instants past 2262.
 */
export function timestampColumn(ns: bigint): bigint {
  return ns < 0n ? 0n : ns > MAX_ISO_NS ? MAX_ISO_NS : ns;
}

/**
 * ISO-8601 UTC with microseconds (timestamptz precision), e.g. 2024-05-01T12:00:00.123456Z: the text of a
 * timestamptz for paths that send text (the GenAI events' JSON insert, tests).
 * Sub-microsecond digits are truncated; the exact value lives in the *_unix_nano column.
 */
export function isoMicros(ns: bigint): string {
  // Clamp to year 9999 so the year keeps four digits; the exact nanoseconds are stored separately.
  const clamped = timestampColumn(ns);
  // Two small bigint divisions; the parts are exact as numbers (seconds < 2^38, nanoseconds < 10^9).
  const secs = Number(clamped / NS_PER_S);
  const micros = Math.floor(Number(clamped % NS_PER_S) / 1000);
  return `${isoSeconds(secs)}.${String(micros).padStart(6, '0')}Z`;
}

/** Duration in ms, 0 when end precedes start (clocks skew; a negative duration means nothing to a user). */
export function durationMs(start: bigint, end: bigint): number {
  if (end <= start) return 0;
  return Number(end - start) / 1e6;
}
