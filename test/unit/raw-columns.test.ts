/**
 * The raw events / links columns round-trip (mapper/raw-columns.ts): what the mapper writes reads back as what was
 * decoded, through a JSON text as Postgres's jsonb hands it back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { eventFromJson, eventJson, linkFromJson, linkJson } from '../../mapper/raw-columns.js';
import type { Attributes, DecodedEvent, DecodedLink } from '../../otlp/model.js';

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const json: fc.Arbitrary<unknown> = fc.jsonValue();
const attributes = fc.dictionary(fc.string(), json) as fc.Arbitrary<Attributes>;
const count = fc.integer({ min: 0, max: 2 ** 31 - 1 });

const event: fc.Arbitrary<DecodedEvent> = fc.record({
  name: fc.string(),
  timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  attributes,
  droppedAttributesCount: count,
});

const link: fc.Arbitrary<DecodedLink> = fc.record({
  traceId: hex(16),
  spanId: hex(8),
  traceState: fc.string(),
  flags: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  attributes,
  droppedAttributesCount: count,
});

/** As jsonb gives it back: a JSON text parsed again. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('raw events and links columns', () => {
  it('an event reads back as it was decoded', () => {
    fc.assert(
      fc.property(event, (e) =>
        assert.deepEqual(eventFromJson(stored(eventJson(e))), { ...e, attributes: stored(e.attributes) }),
      ),
    );
  });

  it('a link reads back as it was decoded', () => {
    fc.assert(
      fc.property(link, (l) =>
        assert.deepEqual(linkFromJson(stored(linkJson(l))), { ...l, attributes: stored(l.attributes) }),
      ),
    );
  });
});
