/**
 * Golden fixtures: test/fixtures/mapper/<convention>/<case>.json holds an OTLP/JSON request and, per span id, the
 * mapped columns it must produce. Only the columns a fixture lists are compared (deep equality), so a fixture pins
 * exactly what it is about. `"absent": ["col", …]` asserts columns that must be null.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { mapSpan } from '../../mapper/index.js';
import { decodeTraceRequestJson } from '../../otlp/decode-json.js';
import { MAPPER_FIXTURES, mapperFixtureFiles } from '../support/fixtures.js';

interface Fixture {
  description: string;
  request: unknown;
  expected: Record<string, Record<string, unknown> & { absent?: string[] }>;
}

describe('mapper golden fixtures', () => {
  const files = [...mapperFixtureFiles()];
  it('has fixtures', () => assert.ok(files.length > 0));
  for (const file of files) {
    const fx = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
    it(`${file.slice(MAPPER_FIXTURES.length)}: ${fx.description}`, () => {
      const req = decodeTraceRequestJson(JSON.stringify(fx.request));
      const rows = new Map<string, Record<string, unknown>>();
      for (const rs of req.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans)
            rows.set(
              span.spanId,
              mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope }) as unknown as Record<
                string,
                unknown
              >,
            );
      for (const [spanId, expected] of Object.entries(fx.expected)) {
        const row = rows.get(spanId);
        assert.ok(row, `span ${spanId} not in the request`);
        const { absent, ...cols } = expected;
        for (const [col, want] of Object.entries(cols)) {
          assert.ok(col in row, `unknown column ${col}`);
          assert.deepEqual(row[col], want, `${spanId}.${col}`);
        }
        for (const col of absent ?? []) assert.equal(row[col], null, `${spanId}.${col} should be null`);
      }
    });
  }
});
