/**
 * A batch's COPY data is streamed in chunks: together exactly the binary COPY header, each line with its row start
 * (field count, experiment id) and the trailer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, fieldCount, int8Field } from '../../store/copy-binary.js';
import { copyChunks, ENCODED_SPAN_COLUMNS, type EncodedSpan } from '../../store/encoded-span.js';

function span(experimentId: string, line: string): EncodedSpan {
  return {
    fields: { experiment_id: experimentId } as EncodedSpan['fields'],
    line: Buffer.from(line, 'utf8'),
  };
}

const spansArb = fc.array(
  fc.record({
    experiment: fc.constantFrom('0', '7', '123456789'),
    line: fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }).map((s) => `\t${s}\n`),
  }),
  { maxLength: 60 },
);

/** A row's start in the stream: its field count, then the experiment id as an int8 field. */
function rowStart(experimentId: string): Buffer {
  return Buffer.concat([fieldCount(ENCODED_SPAN_COLUMNS.length), int8Field(experimentId, 'experiment_id')]);
}
const ROW_START_BYTES = 2 + 4 + 8;

describe('copyChunks', () => {
  it('yields the prefixed lines in order, in chunks of at least chunkBytes but the last', () => {
    fc.assert(
      fc.property(spansArb, fc.integer({ min: 1, max: 2000 }), (specs, chunkBytes) => {
        const spans = specs.map((s) => span(s.experiment, s.line));
        const chunks = [...copyChunks(spans, chunkBytes)];
        const expected = Buffer.concat([
          COPY_BINARY_HEADER,
          ...spans.flatMap((s) => [rowStart(s.fields.experiment_id), s.line]),
          COPY_BINARY_TRAILER,
        ]);
        assert.deepEqual(Buffer.concat(chunks), expected);
        // A chunk closes at the first span that reaches chunkBytes: never empty, never more than one span over
        // (the first also carries the header, the last the trailer).
        const longest =
          COPY_BINARY_HEADER.length +
          COPY_BINARY_TRAILER.length +
          ROW_START_BYTES +
          Math.max(0, ...spans.map((s) => s.line.length));
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
    assert.deepEqual(
      chunks.next().value,
      Buffer.concat([COPY_BINARY_HEADER, rowStart('1'), Buffer.from('\tfirst\n')]),
    );
    assert.throws(() => chunks.next(), /read before it was asked for/);
  });
});
