/**
 * The search rule (store/search-words.ts) by example: what a word is, how it is lowercased and cut, and that a
 * query's text reaches Postgres only as quoted prefix terms. test/integration/search-words.test.ts holds documents
 * and queries to meeting in Postgres itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentWords, MAX_QUERY_WORDS, MAX_WORD_CHARS, queryText } from '../../store/search-words.js';

describe('search words', () => {
  it('splits at everything but letters, digits and marks, and lowercases', () => {
    assert.deepEqual(
      documentWords('Refund-policy for user@example.com: 3.14 ÜBER naïve_x, see https://ex.io/a?b=1'),
      [
        'refund',
        'policy',
        'for',
        'user',
        'example',
        'com',
        '3',
        '14',
        'über',
        'naïve',
        'x',
        'see',
        'https',
        'ex',
        'io',
        'a',
        'b',
        '1',
      ],
    );
  });

  it('keeps a document word once, in order of first appearance', () => {
    assert.deepEqual(documentWords('b a B, A b'), ['b', 'a']);
  });

  it('keeps scripts whole: CJK runs, combining marks, letters past U+FFFF', () => {
    assert.deepEqual(documentWords('東京タワー へ 行く'), ['東京タワー', 'へ', '行く']);
    // e + combining acute is one word; an emoji separates.
    assert.deepEqual(documentWords('cafe\u0301👋Ok 𝐀𝐁'), ['cafe\u0301', 'ok', '𝐀𝐁']);
  });

  it('folds case as a user may type it: ß and SS, ligatures', () => {
    assert.deepEqual(documentWords('Straße STRASSE ﬁle'), ['strasse', 'file']);
    assert.equal(queryText('STRASSE'), "'strasse':*");
  });

  it('folds a final sigma, so a query cut inside a Greek word still finds it', () => {
    assert.deepEqual(documentWords('ΟΔΟΣ ΟΔΟΣΑ'), ['οδοσ', 'οδοσα']);
    assert.equal(queryText('ΟΔΟΣ'), "'οδοσ':*");
  });

  it('cuts a word at MAX_WORD_CHARS code points, a surrogate pair counting one', () => {
    const long = '𝐀'.repeat(MAX_WORD_CHARS + 5);
    const [w] = documentWords(long);
    assert.equal([...w!].length, MAX_WORD_CHARS);
    assert.equal(documentWords('a'.repeat(MAX_WORD_CHARS + 1))[0], 'a'.repeat(MAX_WORD_CHARS));
  });

  it('has no word in punctuation, symbols or nothing', () => {
    assert.deepEqual(documentWords(''), []);
    assert.deepEqual(documentWords(' -- !! ++ __ 👋 '), []);
    assert.equal(queryText('&|!():*\'"\\'), null);
  });

  it('builds a query of quoted prefix terms, never tsquery syntax from the client', () => {
    assert.equal(queryText("refund & !policy | (o'brien):*"), "'refund':* & 'policy':* & 'o':* & 'brien':*");
    assert.equal(queryText('Refund refund REFUND'), "'refund':*");
  });

  it('requires at most MAX_QUERY_WORDS words', () => {
    const many = Array.from({ length: MAX_QUERY_WORDS + 4 }, (_, i) => `w${i}`).join(' ');
    assert.equal(queryText(many)!.split(' & ').length, MAX_QUERY_WORDS);
  });
});
