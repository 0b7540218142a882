/**
 * A large request is written as parts of whole traces by separate transactions (store/batch-writer.ts). When the
 * database refuses one part, the other parts stay stored: the exporter gets a partial success naming the refused
 * spans, and the metrics count stored and refused spans as they are. The refusal is injected at the mapper's
 * boundary (one trace's COPY rows carry a status the table's check constraint rejects), since the mapper never
 * produces one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTemplate, instantiate, newIdScheme } from '../../bench/workload.js';
import { BridgeMetrics } from '../../metrics/metrics.js';
import { inThreadMapper } from '../../pipeline/decode-and-map.js';
import type { RequestMapper } from '../../pipeline/map-request.js';
import { TracePipeline } from '../../pipeline/trace-pipeline.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { encodeSpan } from '../../store/encoded-span.js';
import { Experiments } from '../../store/experiments.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { spanRecord } from '../support/span-record.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
});
after(async () => {
  await tdb.drop();
});

/** Maps as the bridge does, then makes every span of the request's first trace one Postgres refuses. */
function refusingFirstTrace(): RequestMapper {
  const map = inThreadMapper(1 << 20);
  return async (body, format) => {
    const out = await map(body, format);
    if (out.kind !== 'mapped') return out;
    const first = out.request.spans[0]!.fields.trace_id;
    for (const s of out.request.spans) {
      if (s.fields.trace_id !== first) continue;
      const bad = encodeSpan(spanRecord({ ...s.fields, status: 'NOT A STATUS' }));
      s.line = bad.line;
    }
    return out;
  };
}

async function counter(
  metrics: BridgeMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string> }[];
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return hit?.value ?? 0;
}

describe('a request whose part the database refuses', () => {
  it('keeps the other parts stored and answers a partial success that counts the refused spans', async () => {
    const metrics = new BridgeMetrics();
    const writer = new BatchWriter(tdb.db, { maxBatchSpans: 4096, lingerMs: 1, concurrency: 2 });
    const pipeline = new TracePipeline({
      experiments: new Experiments(tdb.db),
      writer,
      mapRequest: refusingFirstTrace(),
      retryAfterMs: 1000,
      metrics,
    });
    // 512 bench spans, 6 per trace: the writer splits them into two parts of whole traces.
    const body = instantiate(buildTemplate(1), 'protobuf', newIdScheme(), 0, 0n);
    const result = await pipeline.exportBody(body, 'protobuf', { protocol: 'http' });

    const stored = await tdb.db.query<{ n: string }>('SELECT count(*)::text AS n FROM spans');
    const storedSpans = Number(stored.rows[0]!.n);
    assert.ok(storedSpans > 0 && storedSpans < 512, `one part stored, one refused (stored ${storedSpans})`);
    assert.equal(result.kind, 'accepted');
    assert.ok(result.kind === 'accepted' && result.rejected);
    assert.equal(result.rejected.count, 512 - storedSpans);
    assert.match(result.rejected.message, /^database refused \d+ span\(s\): /);
    assert.equal(await counter(metrics, 'tracebridge_spans_stored_total', { protocol: 'http' }), storedSpans);
    assert.equal(
      await counter(metrics, 'tracebridge_spans_rejected_total', { reason: 'store_refused' }),
      512 - storedSpans,
    );
  });
});
