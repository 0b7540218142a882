/**
 * Rows → PostgreSQL binary COPY (`COPY … FROM STDIN (FORMAT binary)`): a header, then per row a field count and
 * each field as its byte length and its bytes in the column type's own binary form, then a trailer.
 *
 * Why binary rather than text: Postgres then skips parsing numbers and timestamps from text and unescaping
 * every text field, for about the same encoding cost here (JSON.stringify dominates both; the figures, from
 * bench/copy-formats.ts, are in docs/performance.md). jsonb still travels as JSON text (after its version
 * byte), which Postgres parses either way.
 *
 * Values arrive as the mapper and trace-rows.ts make them (ColumnValue): bigint columns as JS numbers or decimal
 * strings (exact nanoseconds), timestamptz as bigint nanoseconds since the Unix epoch (mapper/time.ts
 * timestampColumn), written as Postgres's microseconds since 2000 without passing through text. A value a column
 * type cannot hold throws CopyEncodingError instead of being coerced: nothing is stored other than what was mapped.
 */

/** The Postgres type of a column, as far as the encoder needs to know it. */
import { cutToBytes } from './column-bounds.js';

export type ColumnType =
  | 'text'
  | 'jsonb'
  | 'text[]'
  | 'int8'
  | 'int4'
  | 'float8'
  | 'timestamptz'
  | 'tsvector';

/** The JS value a row holds for a column of each type (null or undefined: SQL NULL); store/columns.ts RowOf. */
export interface ColumnValue {
  text: string;
  jsonb: unknown;
  'text[]': readonly (string | null)[];
  /** Exact: a safe integer, a bigint, or a decimal string (nanoseconds, token sums). */
  int8: number | bigint | string;
  int4: number;
  float8: number;
  /** Nanoseconds since the Unix epoch. */
  timestamptz: bigint;
  /** Distinct lexemes, without positions, in any order (search-words.ts documentWords). */
  tsvector: readonly string[];
}

/** JSON texts already computed for some values (by identity), each exactly JSON.stringify of its value. */
export type KnownJson = ReadonlyMap<object, string>;

export class CopyEncodingError extends Error {}

/** Signature, flags (no OIDs), header extension length: the start of every binary COPY stream. */
export const COPY_BINARY_HEADER = Buffer.from([
  ...Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  ...[0, 0, 0, 0],
  ...[0, 0, 0, 0],
]);

/** A field count of -1 ends the stream. */
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const TEXT_OID = 25;
const TWO_32 = 4_294_967_296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SHORT_INTEGER = /^-?\d{1,15}$/;
const LONG_INTEGER = /^-?\d+$/;
/** Strings up to this many UTF-16 units are tried as ASCII first (FieldWriter.ascii). */
const SHORT_STRING = 64;

/**
 * Appends fields to one growing scratch buffer, so a row costs no allocation but its final copy. Synchronous
 * from start to finish: one writer per thread is enough.
 */
class FieldWriter {
  buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  null(): void {
    this.reserve(4);
    this.buf.writeInt32BE(-1, this.pos);
    this.pos += 4;
  }

  /** UTF-8 text; `jsonb` prefixes it with the jsonb binary format's version byte. */
  string(s: string, jsonb = false): void {
    // At most 3 UTF-8 bytes per UTF-16 unit.
    this.reserve(s.length * 3 + 5);
    const at = this.pos;
    this.pos += 4;
    if (jsonb) this.buf[this.pos++] = 1;
    if (s.length > SHORT_STRING || !this.ascii(s)) this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  /**
   * Copies a short string byte by byte when it is ASCII (ids, names, enums: most text fields); false, having
   * written nothing that counts, at the first other character. Cheaper than a native write call per field.
   */
  private ascii(s: string): boolean {
    const buf = this.buf;
    const start = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return false;
      buf[start + i] = c;
    }
    this.pos += s.length;
    return true;
  }

  int8(v: number | bigint): void {
    this.reserve(12);
    this.buf.writeInt32BE(8, this.pos);
    if (typeof v === 'bigint') {
      this.buf.writeBigInt64BE(v, this.pos + 4);
    } else {
      // A safe integer as two 32-bit halves: no BigInt on the hot path.
      const hi = Math.floor(v / TWO_32);
      this.buf.writeInt32BE(hi, this.pos + 4);
      this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 8);
    }
    this.pos += 12;
  }

  int4(v: number): void {
    this.reserve(8);
    this.buf.writeInt32BE(4, this.pos);
    this.buf.writeInt32BE(v, this.pos + 4);
    this.pos += 8;
  }

  float8(v: number): void {
    this.reserve(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeDoubleBE(v, this.pos + 4);
    this.pos += 12;
  }

  /** A one-dimensional text[] (element type text, lower bound 1); null elements are SQL NULLs. */
  textArray(values: readonly unknown[]): void {
    this.reserve(24);
    const at = this.pos;
    let hasNull = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) hasNull = 1;
    this.buf.writeInt32BE(1, at + 4); // dimensions
    this.buf.writeInt32BE(hasNull, at + 8);
    this.buf.writeInt32BE(TEXT_OID, at + 12);
    this.buf.writeInt32BE(values.length, at + 16);
    this.buf.writeInt32BE(1, at + 20); // lower bound
    this.pos += 24;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) this.null();
      else this.string(String(v));
    }
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  /**
   * A tsvector without positions (tsvectorsend's form): the lexeme count, then each lexeme as NUL-terminated UTF-8
   * and a zero position count. Postgres sorts the lexemes on receipt but keeps repeats: the caller's are distinct.
   */
  tsvector(lexemes: readonly string[], column: string): void {
    this.reserve(8);
    const at = this.pos;
    this.buf.writeInt32BE(lexemes.length, at + 4);
    this.pos += 8;
    for (const lexeme of lexemes) {
      if (typeof lexeme !== 'string' || lexeme === '' || lexeme.includes('\0'))
        fail(column, 'tsvector', lexeme);
      this.reserve(lexeme.length * 3 + 3);
      this.pos += this.buf.write(lexeme, this.pos, 'utf8');
      this.buf[this.pos++] = 0;
      this.buf.writeUInt16BE(0, this.pos);
      this.pos += 2;
    }
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  /** The bytes written since `from`, copied out (the scratch buffer is reused by the next row). */
  take(from: number): Buffer {
    const out = Buffer.allocUnsafe(this.pos - from);
    this.buf.copy(out, 0, from, this.pos);
    return out;
  }
}

const writer = new FieldWriter();

function fail(column: string, type: ColumnType, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
  throw new CopyEncodingError(`column ${column}: ${shown} is not a ${type} value`);
}

function int8Value(v: unknown, column: string): number | bigint {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    // Past 2^53 a double stands for its shortest decimal form, which is what COPY text and JSON send (2^60 is
    // written 1152921504606847000, not 1152921504606846976); past 1e21 that form has an exponent: not an int8.
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return int64(BigInt(String(v)), column, v);
  } else if (typeof v === 'string') {
    // Nanosecond columns are 19-digit decimal strings (mapper/time.ts nanosColumn).
    if (SHORT_INTEGER.test(v)) return Number(v);
    if (LONG_INTEGER.test(v)) return int64(BigInt(v), column, v);
  } else if (typeof v === 'bigint') {
    return int64(v, column, v);
  }
  return fail(column, 'int8', v);
}

function int64(n: bigint, column: string, original: unknown): bigint {
  return n >= INT64_MIN && n <= INT64_MAX ? n : fail(column, 'int8', original);
}

/** 1970-01-01 → 2000-01-01 (Postgres's timestamp epoch) in microseconds. */
const PG_EPOCH_UNIX_MICROS = 946_684_800_000_000n;
/** The microseconds since 2000 a timestamptz holds: 4714-11-24 BC … 294276 AD (MIN_TIMESTAMP, END_TIMESTAMP). */
const PG_MIN_MICROS = -211_813_488_000_000_000n;
const PG_END_MICROS = 9_223_371_331_200_000_000n;

/**
 * Nanoseconds since the Unix epoch → microseconds since 2000-01-01T00:00:00Z, the value of a binary timestamptz;
 * null when Postgres cannot hold the instant. Sub-microsecond digits are dropped (rounded down, toward the past,
 * which for the mapper's instants — never before 1970 — is the truncation isoMicros applies), so the column holds
 * what the ISO text that rows carried before stored. Exact: bigint arithmetic throughout.
 */
export function timestampMicros(ns: bigint): bigint | null {
  let micros = ns / 1000n;
  if (ns < 0n && micros * 1000n !== ns) micros -= 1n;
  micros -= PG_EPOCH_UNIX_MICROS;
  return micros >= PG_MIN_MICROS && micros < PG_END_MICROS ? micros : null;
}

function writeField(v: unknown, type: ColumnType, column: string, known: KnownJson | undefined): void {
  if (v === null || v === undefined) {
    writer.null();
    return;
  }
  switch (type) {
    case 'text':
      writer.string(String(v));
      return;
    case 'jsonb': {
      const json = (known && typeof v === 'object' && known.get(v as object)) || JSON.stringify(v);
      if (typeof json !== 'string') fail(column, type, v);
      writer.string(json, true);
      return;
    }
    case 'int8':
      writer.int8(int8Value(v, column));
      return;
    case 'int4':
      if (typeof v !== 'number' || (v | 0) !== v) fail(column, type, v);
      writer.int4(v);
      return;
    case 'float8':
      if (typeof v !== 'number') fail(column, type, v);
      // COPY text wrote String(-0), '0': keep storing +0.
      writer.float8(v === 0 ? 0 : v);
      return;
    case 'timestamptz': {
      const micros = typeof v === 'bigint' ? timestampMicros(v) : null;
      if (micros === null) fail(column, type, v);
      writer.int8(micros);
      return;
    }
    case 'text[]':
      if (!Array.isArray(v)) fail(column, type, v);
      writer.textArray(v);
      return;
    case 'tsvector':
      if (!Array.isArray(v)) fail(column, type, v);
      writer.tsvector(v, column);
      return;
  }
}

/**
 * An encoder of rows' fields for `columns` (their types resolved once): each row becomes its fields' bytes, not
 * yet preceded by the field count, so a caller can put fields of its own first (encoded-span.ts).
 */
export function fieldsEncoder<C extends string>(
  columns: readonly C[],
  types: Readonly<Partial<Record<C, ColumnType>>>,
  /** Longest UTF-8 value per text column: a longer one is cut (column-bounds.ts) as it is encoded. */
  cuts: Readonly<Record<string, number>> = {},
): (row: { readonly [K in C]: unknown }, known?: KnownJson) => Buffer {
  const cols = columns.slice();
  const kinds = cols.map((c) => {
    const t: ColumnType | undefined = types[c];
    if (!t) throw new Error(`no COPY type for column ${c}`);
    return t;
  });
  const limits = cols.map((c) => cuts[c] ?? 0);
  return (row, known) => {
    writer.pos = 0;
    for (let c = 0; c < cols.length; c++) {
      let v = row[cols[c]!];
      // Each value is read once, here: bounding it costs a length check, not another pass over the row.
      const limit = limits[c]!;
      if (limit !== 0 && typeof v === 'string' && v.length * 3 > limit) v = cutToBytes(v, limit);
      writeField(v, kinds[c]!, cols[c]!, known);
    }
    return writer.take(0);
  };
}

/** The field count that starts a row of `fields` fields. */
export function fieldCount(fields: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(fields);
  return b;
}

/** The one int8 field `value` (a decimal string), e.g. the experiment id that precedes an encoded span. */
export function int8Field(value: string, column: string): Buffer {
  writer.pos = 0;
  writer.int8(int8Value(value, column));
  return writer.take(0);
}

/** A whole binary COPY stream of `rows` (small sets: the trace rows of a batch). */
export function copyBinary<C extends string>(
  rows: readonly { readonly [K in C]: unknown }[],
  columns: readonly C[],
  types: Readonly<Record<C, ColumnType>>,
  cuts?: Readonly<Record<string, number>>,
): Buffer {
  const encode = fieldsEncoder(columns, types, cuts);
  const count = fieldCount(columns.length);
  const parts: Buffer[] = [COPY_BINARY_HEADER];
  for (const row of rows) parts.push(count, encode(row));
  parts.push(COPY_BINARY_TRAILER);
  return Buffer.concat(parts);
}
