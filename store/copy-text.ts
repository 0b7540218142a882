/**
 * Rows → PostgreSQL COPY text format (tab-separated, `\N` for NULL, backslash escapes), the cheapest way to hand
 * rows to the server: no per-row SQL, no server-side JSON re-parse of the whole batch.
 */

/** How a column's value is written: JSON for jsonb, an array literal for text[], else its string form. */
export type CopyType = 'text' | 'jsonb' | 'text[]';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE_ALL = /[\\\n\r\t]/g;

export function escapeCopy(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : s;
}

function arrayLiteral(values: unknown[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

function cell(value: unknown, type: CopyType): string {
  if (value === null || value === undefined) return '\\N';
  if (type === 'jsonb') {
    // JSON text never contains raw newlines, CRs or tabs (JSON escapes them): only backslashes need doubling.
    const json = JSON.stringify(value);
    return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
  }
  if (type === 'text[]') return escapeCopy(arrayLiteral(value as unknown[]));
  return escapeCopy(String(value));
}

/** COPY text for `rows`, one line per row, columns in `columns` order. */
export function copyText(
  rows: Record<string, unknown>[],
  columns: readonly string[],
  types: Record<string, CopyType>,
): string {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const cells: string[] = new Array(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      cells[c] = cell(row[col], types[col] ?? 'text');
    }
    lines[i] = cells.join('\t');
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
