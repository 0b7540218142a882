/**
 * Rows → PostgreSQL COPY text format (tab-separated, `\N` for NULL, backslash escapes), the cheapest way to hand
 * rows to the server: no per-row SQL, no server-side JSON re-parse of the whole batch.
 *
 * Hot path (every span of every batch): the text is built by appending to one string, with no per-cell array or
 * `join`, and the column kinds are resolved once per call.
 */

/** How a column's value is written: JSON for jsonb, an array literal for text[], else its string form. */
export type CopyType = 'text' | 'jsonb' | 'text[]';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE_ALL = /[\\\n\r\t]/g;
const ARRAY_QUOTED = /[\\"]/g;

export function escapeCopy(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : s;
}

// Column kinds as small integers: compared per cell, so cheaper than the CopyType strings.
const TEXT = 0;
const JSONB = 1;
const ARRAY = 2;
type Kind = typeof TEXT | typeof JSONB | typeof ARRAY;

function kindOf(type: CopyType | undefined): Kind {
  return type === 'jsonb' ? JSONB : type === 'text[]' ? ARRAY : TEXT;
}

function arrayElement(v: unknown): string {
  return v === null ? 'NULL' : `"${String(v).replace(ARRAY_QUOTED, (c) => `\\${c}`)}"`;
}

function arrayLiteral(values: unknown[]): string {
  // map + join (not a loop) so holes of sparse arrays stay empty elements, as they always were.
  return `{${values.map(arrayElement).join(',')}}`;
}

/** JSON texts already computed for some values (by identity), each exactly JSON.stringify of its value. */
export type KnownJson = ReadonlyMap<object, string>;

function jsonCell(value: unknown, known: KnownJson | undefined): string {
  // JSON text never contains raw newlines, CRs or tabs (JSON escapes them): only backslashes need doubling.
  const json = (known && typeof value === 'object' && known.get(value as object)) || JSON.stringify(value);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

function textCell(value: unknown): string {
  // A number's (or bigint's, boolean's) string form never contains a character COPY escapes.
  const t = typeof value;
  if (t === 'number' || t === 'bigint' || t === 'boolean') return String(value);
  return escapeCopy(String(value));
}

function cell(value: unknown, kind: Kind, known: KnownJson | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (kind === JSONB) return jsonCell(value, known);
  if (kind === ARRAY) return escapeCopy(arrayLiteral(value as unknown[]));
  return textCell(value);
}

/** COPY text for `rows`, one line per row, columns in `columns` order. */
export function copyText(
  rows: Record<string, unknown>[],
  columns: readonly string[],
  types: Record<string, CopyType>,
): string {
  return copyEncoder(columns, types)(rows);
}

/**
 * copyText with the columns and their kinds resolved once (as they are at this call), for callers that encode
 * many small batches with the same columns, e.g. one row at a time: resolving them is ~5 % of a span row's cost.
 */
export function copyEncoder(
  columns: readonly string[],
  types: Record<string, CopyType>,
): (rows: Record<string, unknown>[], known?: KnownJson) => string {
  const cols = columns.slice();
  const kinds: Kind[] = new Array(cols.length);
  for (let c = 0; c < cols.length; c++) kinds[c] = kindOf(types[cols[c]!]);
  return (rows, known) => encodeRows(rows, cols, kinds, known);
}

function encodeRows(
  rows: Record<string, unknown>[],
  columns: readonly string[],
  kinds: readonly Kind[],
  known: KnownJson | undefined,
): string {
  const n = columns.length;
  // One growing string: V8 appends without copying and flattens once, when the caller encodes it.
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let c = 0; c < n; c++) {
      if (c > 0) out += '\t';
      out += cell(row[columns[c]!], kinds[c]!, known);
    }
    out += '\n';
  }
  return out;
}
