/**
 * The longest value each text column that is (or may be) b-tree indexed can take, and what happens to a longer one.
 * A b-tree entry must fit in a third of a page (about 2,700 bytes after Postgres's own compression), and a value
 * past that fails the whole transaction ("index row size … exceeds maximum"): every request sharing the batch
 * would be lost for one long session id. So no such value may reach Postgres unbounded, and this table is the one
 * place that says how each is bounded (docs/schema.md, "Bounded columns", lists it for users):
 *
 *   - `cut`: the value is cut at a character boundary and ends with a marker holding a hash of the whole value,
 *     so distinct long values stay distinct (a session id still groups exactly its own spans);
 *   - `refuse`: the request is refused with 400 / INVALID_ARGUMENT naming the field and the limit (names that
 *     users choose and address things by: cutting them would invent a name nobody typed);
 *   - `validated`: the value has a fixed shape checked before it gets here (hex ids, hashes); listed so that the
 *     index test (test/integration/column-bounds.test.ts) knows the column is covered.
 *
 * A new indexed text column gets its line here; the writer applies the table to every span, trace and event row
 * it writes (the COPY encoder for spans and traces, boundRow for events), and the test compares the table with the
 * b-tree indexes the migrations create. A trace column derived from a span column takes the same limit, so the
 * row computed in JS and the one recomputed in SQL from the (cut) span column stay equal.
 */
import { createHash } from 'node:crypto';

export type ColumnBound =
  | { over: 'cut'; bytes: number }
  | { over: 'refuse'; bytes: number }
  | { over: 'validated'; rule: string };

/** Two bounded columns and a timestamp still fit in one b-tree entry (2 × 1024 + 8 < ~2,700 bytes). */
export const INDEXED_TEXT_BYTES = 1024;

const cut: ColumnBound = { over: 'cut', bytes: INDEXED_TEXT_BYTES };

export const COLUMN_BOUNDS = {
  experiments: {
    name: { over: 'refuse', bytes: INDEXED_TEXT_BYTES },
  },
  traces: {
    trace_id: { over: 'validated', rule: '32 lowercase hex characters' },
    // Computed by the bridge (trace-rows.ts, trace-aggregate.ts), never sent by a client.
    state: { over: 'validated', rule: 'one of OK, ERROR, IN_PROGRESS' },
    // The root's (else the earliest span's) values of the span columns, cut there already (encoded-span.ts cuts
    // the fields a trace row built in JS reads the same way). traces.name is not indexed and not listed: it may
    // come from a trace tag (langfuse.trace.name), which the SQL recompute reads uncut.
    session_id: cut,
    user_id: cut,
    root_span_id: { over: 'validated', rule: '16 lowercase hex characters' },
    run_id: { over: 'validated', rule: 'a trace id: 32 lowercase hex characters' },
  },
  // Only links whose ids have the OTLP shape are stored (encoded-span.ts linkedTraces).
  trace_links: {
    trace_id: { over: 'validated', rule: '32 lowercase hex characters' },
    span_id: { over: 'validated', rule: '16 lowercase hex characters' },
    linked_trace_id: { over: 'validated', rule: '32 lowercase hex characters' },
    linked_span_id: { over: 'validated', rule: '16 lowercase hex characters' },
  },
  spans: {
    trace_id: { over: 'validated', rule: '32 lowercase hex characters' },
    span_id: { over: 'validated', rule: '16 lowercase hex characters' },
    parent_span_id: { over: 'validated', rule: '16 lowercase hex characters' },
    name: cut,
    model: cut,
    provider: cut,
    response_id: cut,
    tool_name: cut,
    tool_call_id: cut,
    agent_name: cut,
    session_id: cut,
    user_id: cut,
    error_type: cut,
    scope_name: cut,
    scope_version: cut,
  },
  genai_events: {
    event_key: { over: 'validated', rule: 'SHA-256, 64 lowercase hex characters' },
    trace_id: { over: 'validated', rule: '32 lowercase hex characters' },
    span_id: { over: 'validated', rule: '16 lowercase hex characters' },
    event_name: cut,
    severity_text: cut,
    scope_name: cut,
    scope_version: cut,
  },
} as const satisfies Record<string, Record<string, ColumnBound>>;

export type BoundedTable = keyof typeof COLUMN_BOUNDS;

/** Bytes of hash kept in a cut value's marker: 64 bits, so two cut values collide with odds of ~2^-64. */
const HASH_HEX = 16;

export function cutMarker(originalBytes: number, value: string): string {
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, HASH_HEX);
  return `…[cut by tracebridge: ${originalBytes} bytes, sha256 ${hash}]`;
}

/** UTF-8 length of `s`, computed only when its UTF-16 length does not already settle `≤ limit`. */
function overBytes(s: string, limit: number): number {
  if (s.length * 3 <= limit) return 0; // at most 3 UTF-8 bytes per UTF-16 unit
  const bytes = Buffer.byteLength(s, 'utf8');
  return bytes > limit ? bytes : 0;
}

/** `value` cut to at most `limit` UTF-8 bytes, marker included, at a character boundary. */
export function cutToBytes(value: string, limit: number): string {
  const bytes = overBytes(value, limit);
  if (bytes === 0) return value;
  const marker = cutMarker(bytes, value);
  const utf8 = Buffer.from(value, 'utf8');
  // Back up to a character boundary: the byte at the cut must not continue a character (10xxxxxx).
  let end = limit - Buffer.byteLength(marker, 'utf8');
  while (end > 0 && (utf8[end]! & 0xc0) === 0x80) end--;
  return utf8.subarray(0, end).toString('utf8') + marker;
}

/** The `cut` columns of each table with their limits, as arrays: boundRow runs for every span written. */
const CUTS = Object.fromEntries(
  Object.entries(COLUMN_BOUNDS).map(([table, bounds]) => [
    table,
    Object.entries(bounds as Record<string, ColumnBound>).flatMap(([column, b]) =>
      b.over === 'cut' ? [{ column, bytes: b.bytes }] : [],
    ),
  ]),
) as Record<BoundedTable, { column: string; bytes: number }[]>;

/** The `cut` limits of `table` by column, for the binary COPY encoder (copy-binary.ts fieldsEncoder). */
export function cutLimits(table: BoundedTable): Record<string, number> {
  return Object.fromEntries(CUTS[table].map((c) => [c.column, c.bytes]));
}

/**
 * Applies the `cut` bounds of `table` to `row` in place (refused and validated columns are checked earlier). For
 * rows not written by COPY (GenAI events); COPY applies the same limits as it encodes (cutLimits).
 */
export function boundRow(table: BoundedTable, row: Record<string, unknown>): void {
  const cuts = CUTS[table];
  for (let i = 0; i < cuts.length; i++) {
    const { column, bytes } = cuts[i]!;
    const v = row[column];
    if (typeof v === 'string' && v.length * 3 > bytes && overBytes(v, bytes))
      row[column] = cutToBytes(v, bytes);
  }
}

/** For a `refuse` column: why `value` cannot be stored (field named by the caller), or null when it fits. */
export function refusal(table: BoundedTable, column: string, value: string, field: string): string | null {
  const b = (COLUMN_BOUNDS[table] as Record<string, ColumnBound | undefined>)[column];
  if (b?.over !== 'refuse') return null;
  const bytes = overBytes(value, b.bytes);
  if (bytes === 0) return null;
  return `${field} is ${bytes} bytes long (UTF-8); the limit for ${table}.${column} is ${b.bytes} bytes`;
}
