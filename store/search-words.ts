/**
 * The words of full-text search: how a trace's search document becomes its `search_vector` and how a `q` becomes a
 * query, by one rule applied in the bridge to both, so a word found in a document is found by the same word typed.
 *
 * The rule: words are the maximal runs of letters, digits and combining marks (Unicode L, N, M: everything else —
 * spaces, punctuation, symbols, `_`, emoji — separates them); each is case-folded (upper then lower case by
 * Unicode's full mappings, the same in every Node and whatever the database's locale; final sigma as σ) and cut to
 * its first MAX_WORD_CHARS code points; a document's words are kept once each. A run of CJK characters is one
 * word, as Postgres's own parser has it.
 *
 * Why in the bridge and not `to_tsvector` in the database: Postgres's text-search parser costs more per trace row
 * than all the rest of the row's write (docs/performance.md, issue 18), and the bridge already holds the document.
 * The vector is written by binary COPY (copy-binary.ts) or passed to the SQL recompute (trace-aggregate.ts).
 */

/** A longer word is cut: a query longer than this still finds it (prefix match), and no lexeme nears 2047 bytes. */
export const MAX_WORD_CHARS = 128;
/** At most this many words of a query are required (a pasted paragraph is not a query). */
export const MAX_QUERY_WORDS = 16;

/** Whether each ASCII code unit of folded text belongs to a word: digits and a–z (folding left no A–Z). */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) ASCII_WORD[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) ASCII_WORD[c] = 1;
/** A word character outside ASCII, tried at one position (sticky): a whole code point, surrogate pairs too. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/uy;

/**
 * Upper then lower case: what a user may type in either case meets (ß and SS, ﬁ and FI), which lowercasing alone
 * misses. Both are the same everywhere but for one rule that looks at context: a Σ ending a word becomes ς, so a
 * query cut inside a word would differ from the word; ς is folded to σ, as Unicode case folding does.
 */
function fold(text: string): string {
  const folded = text.toUpperCase().toLowerCase();
  return folded.includes('ς') ? folded.replaceAll('ς', 'σ') : folded;
}

/** FNV-1a's 32-bit offset basis and prime: a word's hash, for finding its repeats (documentWords). */
const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Calls `word(start, end, hash)` with the UTF-16 offsets of each word of folded text `s`, in order, repeats
 * included, each already cut to MAX_WORD_CHARS code points (a cut word is a prefix of the word, so offsets still
 * name it), and the FNV-1a hash of its code units. One pass, ASCII by a table: no string is made for a word here.
 */
function scan(s: string, word: (start: number, end: number, hash: number) => void): void {
  let start = -1;
  let points = 0;
  let end = 0;
  let h = FNV_BASIS;
  for (let i = 0; i <= s.length; ) {
    const c = i < s.length ? s.charCodeAt(i) : 0x20;
    let width = 1;
    let inWord: boolean;
    if (c < 0x80) inWord = ASCII_WORD[c] === 1;
    else {
      WORD_CHAR.lastIndex = i;
      inWord = WORD_CHAR.test(s);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const next = s.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) width = 2;
      }
    }
    if (inWord) {
      if (start < 0) {
        start = i;
        points = 0;
        h = FNV_BASIS;
      }
      if (points < MAX_WORD_CHARS) {
        points++;
        end = i + width;
        h = Math.imul(h ^ c, FNV_PRIME);
        if (width === 2) h = Math.imul(h ^ s.charCodeAt(i + 1), FNV_PRIME);
      }
    } else if (start >= 0) {
      word(start, end, h);
      start = -1;
    }
    i += width;
  }
}

/** Open-addressing table of the words seen so far (index + 1 into the caller's list; 0: empty), reused. */
let slots = new Int32Array(1024);

/**
 * A document's distinct words, in order of first appearance; empty for a document without words. Repeats are
 * found by hashing each word's code units in place, so only a first occurrence becomes a string: a document
 * repeats most of its words, and a string per occurrence plus a Set cost several times this (docs/performance.md).
 * Unsorted: Postgres sorts a tsvector's lexemes on receipt, in C (it does not remove repeats, so they are removed
 * here).
 */
export function documentWords(doc: string): string[] {
  const s = fold(doc);
  const size = Math.max(1024, 1 << Math.ceil(Math.log2(s.length + 1)));
  if (slots.length < size) slots = new Int32Array(size);
  else slots.fill(0, 0, size);
  const mask = size - 1;
  const out: string[] = [];
  const starts: number[] = [];
  scan(s, (start, end, h) => {
    const length = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = slots[slot]! - 1;
      if (k < 0) {
        slots[slot] = out.length + 1;
        out.push(s.slice(start, end));
        starts.push(start);
        return;
      }
      if (out[k]!.length === length && sameUnits(s, starts[k]!, start, length)) return;
    }
  });
  return out;
}

function sameUnits(s: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (s.charCodeAt(a + i) !== s.charCodeAt(b + i)) return false;
  return true;
}

/**
 * The tsquery text for `q`: its first MAX_QUERY_WORDS distinct words, each a prefix (`refund` finds "refunds"),
 * all required; null when `q` has no word. Words hold no quote, backslash or operator (those separate words), and
 * each is quoted anyway, so no client text is read as tsquery syntax.
 */
export function queryText(q: string): string | null {
  const terms: string[] = [];
  for (const w of documentWords(q)) {
    if (terms.length === MAX_QUERY_WORDS) break;
    terms.push(`'${w.replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`);
  }
  return terms.length === 0 ? null : terms.join(' & ');
}
