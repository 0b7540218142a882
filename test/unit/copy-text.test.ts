/** COPY text is built by appending to one string (no per-cell arrays): byte for byte what the array version gave. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SPAN_COLUMNS, SPAN_COPY_TYPES } from '../../store/columns.js';
import { type CopyType, copyEncoder, copyText, escapeCopy } from '../../store/copy-text.js';

/** The original implementation, kept as the oracle. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function escapeReference(s: string): string {
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : s;
}
function cellReference(value: unknown, type: CopyType): string {
  if (value === null || value === undefined) return '\\N';
  if (type === 'jsonb') {
    const json = JSON.stringify(value);
    return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
  }
  if (type === 'text[]')
    return escapeReference(
      `{${(value as unknown[]).map((v) => (v === null ? 'NULL' : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`,
    );
  return escapeReference(String(value));
}
function copyTextReference(
  rows: Record<string, unknown>[],
  columns: readonly string[],
  types: Record<string, CopyType>,
): string {
  const lines = rows.map((row) =>
    columns.map((col) => cellReference(row[col], types[col] ?? 'text')).join('\t'),
  );
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The text, or the error thrown (a text[] cell that is not an array, a bigint in jsonb): both must agree. */
function outcome(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return `throws ${(e as Error).constructor.name}`;
  }
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', '"', ',', '{', 'é', '😀', '\u0000', ' ') }),
);
const value = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.bigInt(),
  fc.constant(null),
  fc.constant(undefined),
  fc.jsonValue(),
  fc.array(fc.oneof(text, fc.constant(null), fc.integer()), { maxLength: 4 }),
);

describe('copyText', () => {
  it('property: equals the per-cell-array implementation for span rows', () => {
    const row = fc.dictionary(fc.constantFrom(...SPAN_COLUMNS), value);
    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        const expected = outcome(() => copyTextReference(rows, SPAN_COLUMNS, SPAN_COPY_TYPES));
        assert.equal(
          outcome(() => copyText(rows, SPAN_COLUMNS, SPAN_COPY_TYPES)),
          expected,
        );
        // Row by row with one encoder: the same lines.
        const encode = copyEncoder(SPAN_COLUMNS, SPAN_COPY_TYPES);
        assert.equal(
          outcome(() => rows.map((r) => encode([r])).join('')),
          expected,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('property: equals it for any columns and types', () => {
    const columns = fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: 5 });
    const types = fc.dictionary(
      fc.string({ maxLength: 3 }),
      fc.constantFrom<CopyType>('text', 'jsonb', 'text[]'),
    );
    fc.assert(
      fc.property(
        columns,
        types,
        fc.array(fc.dictionary(fc.string({ maxLength: 3 }), value), { maxLength: 4 }),
        (c, t, rows) => {
          assert.equal(
            outcome(() => copyText(rows, c, t)),
            outcome(() => copyTextReference(rows, c, t)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('edge cases: no rows, no columns, sparse arrays, escapes', () => {
    assert.equal(copyText([], SPAN_COLUMNS, SPAN_COPY_TYPES), '');
    assert.equal(copyText([{}, {}], [], {}), '\n\n');
    // biome-ignore lint/suspicious/noSparseArray: a hole must stay an empty element, as it always was
    const sparse = [, 'a', null];
    const rows = [{ a: 'x\ty\\z\r\n', b: sparse, c: { k: 'v\\"' }, d: 12.5, e: true, f: 10n }];
    const types: Record<string, CopyType> = { b: 'text[]', c: 'jsonb' };
    const cols = ['a', 'b', 'c', 'd', 'e', 'f', 'missing'];
    assert.equal(copyText(rows, cols, types), copyTextReference(rows, cols, types));
    assert.equal(
      copyText(rows, cols, types),
      'x\\ty\\\\z\\r\\n\t{,"a",NULL}\t{"k":"v\\\\\\\\\\\\""}\t12.5\ttrue\t10\t\\N\n',
    );
  });

  it('escapeCopy escapes exactly backslash, newline, carriage return and tab', () => {
    fc.assert(
      fc.property(text, (s) => assert.equal(escapeCopy(s), escapeReference(s))),
      { numRuns: 2000 },
    );
  });
});
