/**
 * Documents and queries meet in Postgres: for any document, the words the bridge writes (documentWords, by binary
 * COPY) are found by a query built from any part of that document that starts where a word starts (queryText) —
 * typed in any case, cut anywhere. The text is drawn from every code point, from scripts whose lowercasing
 * changes length or depends on context (Greek final sigma, Turkish dotted I, German sharp s), CJK, marks, emoji
 * and punctuation. And a query never finds a document that lacks one of its words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { copyBinary } from '../../store/copy-binary.js';
import { documentWords, queryText } from '../../store/search-words.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
  await tdb.db.exec('CREATE TABLE probe_search (id integer PRIMARY KEY, v tsvector NOT NULL)');
});
after(async () => {
  await tdb.drop();
});

const PIECES = [
  'Refund',
  'REFUNDS',
  'refund',
  'ΟΔΟΣ',
  'ΟΔΟΣΑ',
  'Σοφία',
  'İstanbul',
  'STRASSE',
  'Straße',
  'ẞ',
  'naïve',
  'cafe\u0301',
  '東京タワー',
  'へ',
  '𝐀𝐁𝐂',
  '👋',
  '‽',
  ' ',
  '  ',
  '\n',
  '-',
  '_',
  "'",
  '"',
  '\\',
  '&',
  '|',
  '!',
  ':*',
  '(',
  ')',
  '.',
  'user@example.com',
  'https://ex.io/a?b=1',
  '3.14',
  'x'.repeat(140),
];
const text = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((p) => p.join('')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);
const WORD_START = /(?<![\p{L}\p{N}\p{M}])[\p{L}\p{N}\p{M}]/gu;

/** A part of `doc` from a word start (picked by `pick`), `length` UTF-16 units long, in upper or lower case. */
function partOf(doc: string, pick: number, length: number, upper: boolean): string | null {
  const starts = [...doc.matchAll(WORD_START)].map((m) => m.index);
  if (starts.length === 0) return null;
  const from = starts[pick % starts.length]!;
  const part = doc.slice(from, from + 1 + (length % (doc.length - from)));
  return upper ? part.toUpperCase() : part;
}

let id = 0;
async function store(docs: string[]): Promise<number[]> {
  const rows = docs.map((doc) => ({ id: ++id, v: documentWords(doc) }));
  await tdb.db.transaction((tx) =>
    tx.copyIn(
      'COPY probe_search (id, v) FROM STDIN (FORMAT binary)',
      copyBinary(rows, ['id', 'v'], { id: 'int4', v: 'tsvector' }),
    ),
  );
  return rows.map((r) => r.id);
}

async function matches(ids: number[], queries: string[]): Promise<boolean[]> {
  const r = await tdb.db.query<{ hit: boolean }>(
    `SELECT p.v @@ q.query::tsquery AS hit
     FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS q (id, query, n) JOIN probe_search p USING (id)
     ORDER BY q.n`,
    [ids, queries],
  );
  return r.rows.map((x) => x.hit);
}

describe('search words in Postgres', () => {
  it('a part of a document from a word start, in any case, finds the document', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 20 }),
        async (cases) => {
          const usable = cases
            .map(([doc, pick, length, upper]) => ({
              doc,
              query: queryText(partOf(doc, pick, length, upper) ?? ''),
            }))
            .filter((c): c is { doc: string; query: string } => c.query !== null);
          if (usable.length === 0) return;
          const ids = await store(usable.map((c) => c.doc));
          const hits = await matches(
            ids,
            usable.map((c) => c.query),
          );
          hits.forEach((hit, i) => {
            assert.ok(hit, `${JSON.stringify(usable[i]!.doc)} not found by ${usable[i]!.query}`);
          });
        },
      ),
      { numRuns: process.env.CI ? 100 : 300 },
    );
  });

  it('a query with a word the document lacks does not find it', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (doc, other) => {
        const missing = documentWords(other).filter((w) => !documentWords(doc).some((d) => d.startsWith(w)));
        if (missing.length === 0) return;
        const [stored] = await store([doc]);
        const query = queryText(`${doc} ${missing[0]}`);
        if (query === null || query.split(' & ').length > 16) return;
        assert.deepEqual(await matches([stored!], [query]), [false]);
      }),
      { numRuns: process.env.CI ? 60 : 200 },
    );
  });
});
