/** Content stored once: references replace attributes that repeat inputs / outputs, and expand back exactly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { expandRefs, type JsonTexts, REF_KEY, refAttributes } from '../../mapper/raw-refs.js';
import type { Json } from '../../mapper/types.js';

const messages = [
  { role: 'user', parts: [{ type: 'text', content: `Grüße — ${'x'.repeat(300)} 😀` }] },
  { role: 'assistant', parts: [{ type: 'text', content: 'ok', n: 3, t: true, z: null }] },
];

describe('raw attribute references', () => {
  for (const [label, text] of [
    ['JS JSON.stringify', JSON.stringify(messages)],
    [
      'Python json.dumps(ensure_ascii=False)',
      JSON.stringify(messages).replace(/","|":|,"|\],|\},/g, (m) => m.replace(',', ', ').replace(':', ': ')),
    ],
  ] as const) {
    it(`${label}: replaced by a reference that expands to the same text`, () => {
      const content = { inputs: { messages } as Json, outputs: null };
      const attrs = { 'gen_ai.input.messages': text, small: 'kept' };
      const stored = refAttributes(attrs, content);
      assert.equal((stored['gen_ai.input.messages'] as Record<string, unknown>)[REF_KEY], 'inputs');
      assert.equal(stored.small, 'kept');
      assert.deepEqual(expandRefs(stored, content), attrs);
    });
  }

  it("Python's ensure_ascii output round-trips", () => {
    const value = { q: 'naïve café 😀', list: [1, 2] };
    const text = '{"q": "na\\u00efve caf\\u00e9 \\ud83d\\ude00", "list": [1, 2]}' + ' '.repeat(0);
    const long = { ...value, pad: 'p'.repeat(300) };
    const longText = `${text.slice(0, -1)}, "pad": "${'p'.repeat(300)}"}`;
    const content = { inputs: long as Json, outputs: null };
    const stored = refAttributes({ a: longText }, content);
    assert.equal((stored.a as Record<string, unknown>).encoding, 'json-py-ascii');
    assert.deepEqual(expandRefs(stored, content), { a: longText });
  });

  it('plain string content (input.value text) is referenced as a string', () => {
    const prompt = 'Tell me about Qwen 3. '.repeat(20);
    const content = { inputs: prompt, outputs: null };
    const stored = refAttributes({ 'input.value': prompt }, content);
    assert.equal((stored['input.value'] as Record<string, unknown>).encoding, 'string');
    assert.deepEqual(expandRefs(stored, content), { 'input.value': prompt });
  });

  it('text no encoding reproduces exactly (Python floats like 1.0) is kept as sent', () => {
    const content = { inputs: { temperature: 1, pad: 'p'.repeat(300) } as Json, outputs: null };
    const text = `{"temperature": 1.0, "pad": "${'p'.repeat(300)}"}`;
    assert.deepEqual(refAttributes({ a: text }, content), { a: text });
  });

  it('short values are never referenced', () => {
    const content = { inputs: 'short', outputs: null };
    assert.deepEqual(refAttributes({ a: 'short' }, content), { a: 'short' });
  });

  it("property: Python's json.dumps text (either ensure_ascii) is referenced as such, a respaced text is kept", () => {
    const py = (v: unknown, ascii: boolean): string => {
      if (v === null || typeof v !== 'object') {
        const s = JSON.stringify(v);
        return ascii
          ? s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
          : s;
      }
      if (Array.isArray(v)) return `[${v.map((x) => py(x, ascii)).join(', ')}]`;
      return `{${Object.entries(v)
        .map(([k, x]) => `${py(k, ascii)}: ${py(x, ascii)}`)
        .join(', ')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, ascii) => {
        const padded = { value: value as Json, pad: 'é'.repeat(300) } as Json;
        const content = { inputs: { wrapped: padded } as Json, outputs: null };
        const text = py(padded, ascii);
        const stored = refAttributes({ a: text }, content);
        const ref = stored.a as Record<string, unknown>;
        assert.deepEqual(ref.path, ['wrapped']);
        assert.equal(ref.encoding, ascii ? 'json-py-ascii' : 'json-py');
        assert.deepEqual(expandRefs(stored, content), { a: text });
        // One space more or less is no encoding's output: kept as sent.
        for (const other of [`${text} `, text.replace(', ', ',')])
          if (other !== text && other !== JSON.stringify(padded))
            assert.deepEqual(refAttributes({ a: other }, content), { a: other });
      }),
      { numRuns: 500 },
    );
  });

  it('property: expand(ref(attrs)) === attrs for any JSON content', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('json', 'string'), (value, how) => {
        const padded = { value: value as Json, pad: 'p'.repeat(300) } as Json;
        const text = how === 'json' ? JSON.stringify(padded) : `${'s'.repeat(300)}${JSON.stringify(value)}`;
        const content = { inputs: how === 'json' ? padded : text, outputs: null };
        const attrs = { content: text };
        assert.deepEqual(expandRefs(refAttributes(attrs, content), content), attrs);
      }),
      { numRuns: 500 },
    );
  });

  it('property: every text recorded for reuse is exactly JSON.stringify of its value', () => {
    let composed = 0;
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue(), { maxKeys: 4 }),
        fc.jsonValue(),
        fc.constantFrom('root', 'entry', 'none'),
        (rest, value, matched) => {
          // The shape chat spans take: {messages: [...], ...}, the attribute repeating the root or one entry.
          const inputs = { ...rest, messages: [value, 'p'.repeat(300)] } as unknown as Json;
          const outputs = [value] as Json;
          const text =
            matched === 'root'
              ? JSON.stringify(inputs)
              : matched === 'entry'
                ? JSON.stringify((inputs as Record<string, Json>).messages)
                : `${'q'.repeat(300)}`;
          const texts: JsonTexts = new Map();
          refAttributes({ a: text }, { inputs, outputs }, texts);
          if (matched !== 'none') assert.ok(texts.has(inputs as object), 'the root text is recorded');
          if (matched === 'entry') composed++;
          for (const [v, t] of texts) assert.equal(t, JSON.stringify(v));
        },
      ),
      { numRuns: 500 },
    );
    assert.ok(composed > 0);
  });

  it('a root that is not plain data is not composed from its entries', () => {
    class Box {
      messages = ['p'.repeat(300)];
      toJSON() {
        return 'boxed';
      }
    }
    const inputs = new Box() as unknown as Json;
    const texts: JsonTexts = new Map();
    refAttributes({ a: JSON.stringify(['p'.repeat(300)]) }, { inputs, outputs: null }, texts);
    assert.equal(texts.has(inputs as object), false);
  });
});
