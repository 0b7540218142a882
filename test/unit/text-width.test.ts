/** Terminal cell widths (cli/render/text.ts, on string-width): wide characters, emoji sequences, truncation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { displayWidth, fit, truncate } from '../../cli/render/text.js';

describe('terminal width of text', () => {
  it('counts wide characters and emoji as two cells, joiners and marks as none', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('日本語'), 6);
    assert.equal(displayWidth('🚀'), 2); // U+1F680: outside the ranges the hand-written table had
    assert.equal(displayWidth('👩‍👩‍👧'), 2);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('\x1b[31mred\x1b[0m'), 3);
  });

  it('truncates between graphemes, with an ellipsis, never wider than asked', () => {
    assert.equal(truncate('日本語', 4), '日…');
    assert.equal(truncate('a👩‍👩‍👧b', 3), 'a…');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 0, max: 30 }), (s, w) => {
        const t = truncate(s, w);
        assert.ok(displayWidth(t) <= w, `${JSON.stringify(t)} fits ${w}`);
        if (displayWidth(s) <= w) assert.equal(t, s);
        assert.equal(displayWidth(fit(s, w)), w);
      }),
    );
  });
});
