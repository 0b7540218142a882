/**
 * The mapper's hot-path shortcuts give exactly what the straightforward versions they replaced gave: string
 * cleaning (isWellFormed instead of a regex), preview truncation (no code point array), key prefix tests, and
 * gen_ai.request.* parameters read without a withPrefix copy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasKeyMatching, prefixTest } from '../../mapper/flat-messages.js';
import { mapSpan } from '../../mapper/index.js';
import { truncate } from '../../mapper/preview.js';
import { cleanJson, cleanString } from '../../mapper/sanitize.js';
import type { Attributes } from '../../otlp/model.js';
import { spanInput } from '../support/span-input.js';

const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const cleanStringReference = (s: string) => s.replace(BAD, '\uFFFD');

function truncateReference(s: string | null, max = 1000): string | null {
  if (s === null) return null;
  if (s.length <= max) return s;
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, max).join('');
}

/** Strings dense in the characters the shortcuts are about. */
const tricky = (maxLength: number) =>
  fc.string({
    unit: fc.constantFrom('a', 'é', '\u0000', '\uD83D', '\uDE00', '\uD800', '\uDFFF', '😀', '\uFFFD'),
    maxLength,
  });

describe('mapper fast paths', () => {
  it('cleanString replaces NUL and lone surrogates exactly as the regex does, and keeps clean strings', () => {
    fc.assert(
      fc.property(fc.oneof(tricky(20), fc.string({ unit: 'binary' }), fc.string()), (s) => {
        assert.equal(cleanString(s), cleanStringReference(s));
      }),
      { numRuns: 20_000 },
    );
    const clean = { a: ['x', 'é😀'], b: { c: 1 } };
    assert.equal(cleanJson(clean), clean);
    assert.deepEqual(cleanJson({ 'k\u0000': ['\uD800x', NaN] }), { 'k\uFFFD': ['\uFFFDx', 'NaN'] });
  });

  it('truncate cuts at the same code point as Array.from', () => {
    fc.assert(
      fc.property(tricky(40), fc.integer({ min: 0, max: 30 }), (s, max) => {
        assert.equal(truncate(s, max), truncateReference(s, max));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(tricky(1100), (s) => assert.equal(truncate(s), truncateReference(s))),
      { numRuns: 2000 },
    );
    for (const max of [-1, 2.5, Number.NaN])
      assert.equal(truncate('a😀b😀c', max), truncateReference('a😀b😀c', max));
    const long = 'x'.repeat(999) + '😀'.repeat(3);
    assert.equal(truncate(long), `${'x'.repeat(999)}😀`);
  });

  it('prefixTest is startsWith of any prefix', () => {
    const key = fc.string({ unit: fc.constantFrom('a', 'b', '.', 'ab', ''), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 5 }), fc.array(key, { maxLength: 6 }), (prefixes, keys) => {
        const test = prefixTest(prefixes);
        for (const k of keys)
          assert.equal(
            test(k),
            prefixes.some((p) => k.startsWith(p)),
            `${k} ${prefixes}`,
          );
        const attrs: Attributes = Object.fromEntries(keys.map((k) => [k, 1]));
        assert.equal(
          hasKeyMatching(attrs, test),
          keys.some((k) => prefixes.some((p) => k.startsWith(p))),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('gen_ai.request.* parameters: same keys, order and values; a __proto__ suffix never becomes a key', () => {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.model': 'm',
      'gen_ai.request.2': 'two',
      'gen_ai.request.stop_sequences': '["a"]',
      'gen_ai.request.1': 'one',
      'gen_ai.request.empty': '',
      'gen_ai.tool.definitions': '[{"name":"t"}]',
    };
    Object.defineProperty(attributes, 'gen_ai.request.__proto__', {
      value: { polluted: true },
      enumerable: true,
    });
    const input = spanInput(attributes, {
      span: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'chat', kind: 3 },
    });
    const params = mapSpan(input).request_params as Record<string, unknown>;
    assert.equal(
      JSON.stringify(params),
      '{"1":"one","2":"two","temperature":0.5,"stop_sequences":["a"],"tools":[{"name":"t"}]}',
    );
    assert.equal(Object.getPrototypeOf(params), Object.prototype);
  });
});
