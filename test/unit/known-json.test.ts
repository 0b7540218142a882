/**
 * COPY lines reuse JSON serialized while mapping (content compared by raw-refs, each resource's attributes once per
 * request): byte for byte the lines of serializing every value afresh, over every golden fixture and the bench's
 * workload.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildTemplate } from '../../bench/workload.js';
import { mapSpan } from '../../mapper/index.js';
import { decodeTraceRequestJson } from '../../otlp/decode-json.js';
import { decodeTraceRequestProtobufFast } from '../../otlp/decode-protobuf.js';
import type { DecodedTraceRequest } from '../../otlp/model.js';
import { limitSpan } from '../../pipeline/limits.js';
import { mapRequest } from '../../pipeline/map-request.js';
import { invalidSpanReason, withoutZeroParent } from '../../pipeline/validate.js';
import type { SpanRecord } from '../../store/columns.js';
import { encodeSpan } from '../../store/encoded-span.js';
import { MAPPER_FIXTURES, mapperFixtureFiles } from '../support/fixtures.js';

const LIMIT = 1024 * 1024;

/** The lines mapRequest produced, against each span re-encoded with nothing known. */
async function assertSameLines(req: DecodedTraceRequest): Promise<number> {
  const mapped = await mapRequest(req, { maxAttributeLength: LIMIT });
  let i = 0;
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const raw of ss.spans) {
        if (invalidSpanReason(raw)) continue;
        const span = limitSpan(withoutZeroParent(raw), LIMIT);
        const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope });
        row.experiment_id = '';
        const fresh = encodeSpan(row as unknown as SpanRecord);
        assert.ok(mapped.spans[i]!.line.equals(fresh.line), `span ${raw.spanId}`);
        assert.deepEqual(mapped.spans[i]!.fields, fresh.fields, `span ${raw.spanId}`);
        i++;
      }
  assert.equal(i, mapped.spans.length);
  return i;
}

describe('COPY lines with reused JSON', () => {
  it('the bench workload (chat content referenced one level down) encodes byte for byte', async () => {
    const t = buildTemplate(1, 60);
    assert.equal(await assertSameLines(decodeTraceRequestProtobufFast(t.protobuf)), 60);
  });

  it("spans' equal trace tags are one object, serialized once", async () => {
    const t = buildTemplate(1, 60);
    const mapped = await mapRequest(decodeTraceRequestProtobufFast(t.protobuf), {
      maxAttributeLength: LIMIT,
    });
    const tags = new Set(mapped.spans.map((s) => s.fields.trace_tags));
    assert.equal(tags.size, 1);
    assert.deepEqual([...tags][0], {
      'service.name': 'bench-agent',
      'service.version': '1.4.2',
      'deployment.environment.name': 'bench',
    });
  });

  for (const file of mapperFixtureFiles()) {
    it(`${file.slice(MAPPER_FIXTURES.length)}`, async () => {
      const fx = JSON.parse(readFileSync(file, 'utf8')) as { request: unknown };
      await assertSameLines(decodeTraceRequestJson(JSON.stringify(fx.request)));
    });
  }
});
