/** A batch's COPY data is streamed in chunks: together exactly the lines, each with its experiment prefix. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TraceFields } from '../../store/columns.js';
import { copyChunks, type EncodedSpan } from '../../store/encoded-span.js';

function span(experimentId: string, line: string): EncodedSpan {
  return { fields: { experiment_id: experimentId } as TraceFields, line: Buffer.from(line, 'utf8') };
}

const spansArb = fc.array(
  fc.record({
    experiment: fc.constantFrom('0', '7', '123456789'),
    line: fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }).map((s) => `\t${s}\n`),
  }),
  { maxLength: 60 },
);

describe('copyChunks', () => {
  it('yields the prefixed lines in order, in chunks of at least chunkBytes but the last', () => {
    fc.assert(
      fc.property(spansArb, fc.integer({ min: 1, max: 2000 }), (specs, chunkBytes) => {
        const spans = specs.map((s) => span(s.experiment, s.line));
        const chunks = [...copyChunks(spans, chunkBytes)];
        const expected = Buffer.concat(spans.flatMap((s) => [Buffer.from(s.fields.experiment_id), s.line]));
        assert.deepEqual(Buffer.concat(chunks), expected);
        // A chunk closes at the first span that reaches chunkBytes: never empty, never more than one span over.
        const longest = Math.max(0, ...spans.map((s) => s.fields.experiment_id.length + s.line.length));
        chunks.forEach((c, i) => {
          assert.ok(c.length > 0);
          assert.ok(c.length < chunkBytes + longest);
          if (i < chunks.length - 1) assert.ok(c.length >= chunkBytes);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('is lazy: a chunk is built only when the stream asks for it', () => {
    const spans = [span('1', '\tfirst\n'), span('1', '\tsecond\n')];
    Object.defineProperty(spans[1]!, 'line', {
      get() {
        throw new Error('read before it was asked for');
      },
    });
    const chunks = copyChunks(spans, 1);
    assert.equal(chunks.next().value?.toString(), '1\tfirst\n');
    assert.throws(() => chunks.next(), /read before it was asked for/);
  });
});
