/**
 * Mapping on worker threads (TRACEBRIDGE_MAP_WORKERS, pipeline/map-workers.ts) stores exactly what mapping on the event
 * loop stores, malformed bodies are still 400, and a worker that dies fails only its own request and is replaced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { buildTemplate, instantiate, newIdScheme } from '../../bench/workload.js';
import type { RunningBridge } from '../../cli/bridge.js';
import { MapperUnavailableError } from '../../pipeline/map-request.js';
import { MapWorkers, WORKER_SLICE_SPANS } from '../../pipeline/map-workers.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

interface Side {
  tdb: TestDatabase;
  bridge: RunningBridge;
}
let onLoop: Side;
let onWorkers: Side;

async function side(mapWorkers: number): Promise<Side> {
  const tdb = await freshDatabase();
  return { tdb, bridge: await startTestBridge({ databaseUrl: tdb.url, mapWorkers }) };
}

before(async () => {
  onLoop = await side(0);
  onWorkers = await side(2);
});
after(async () => {
  for (const s of [onLoop, onWorkers]) {
    await s.bridge.stop();
    await s.tdb.drop();
  }
});

async function stored(s: Side): Promise<{ spans: unknown[]; traces: unknown[] }> {
  const spans = await s.tdb.db.query<{ row: unknown }>(
    `SELECT to_jsonb(s) - 'ingested_at' AS row FROM spans s ORDER BY trace_id, span_id`,
  );
  const traces = await s.tdb.db.query<{ row: unknown }>(
    `SELECT to_jsonb(t) - 'created_at' - 'updated_at' AS row FROM traces t ORDER BY trace_id`,
  );
  return { spans: spans.rows.map((r) => r.row), traces: traces.rows.map((r) => r.row) };
}

describe('map workers', () => {
  it('store the same rows as mapping on the event loop (GenAI bench traces, protobuf and JSON)', async () => {
    // 200 spans: the worker hands them over in slices of WORKER_SLICE_SPANS, then the rest.
    const template = buildTemplate(1, 200);
    const ids = newIdScheme();
    for (const s of [onLoop, onWorkers]) {
      const proto = await postOtlp(
        s.bridge.httpPort,
        '/v1/traces',
        instantiate(template, 'protobuf', ids, 0, 0n),
        PB,
      );
      const json = await postOtlp(
        s.bridge.httpPort,
        '/v1/traces',
        instantiate(template, 'json', ids, 1, 0n),
        JSON_CT,
      );
      assert.deepEqual([proto.status, json.status], [200, 200]);
    }
    const a = await stored(onLoop);
    assert.equal(a.spans.length, 400);
    assert.deepEqual(await stored(onWorkers), a);
  });

  it('answer a body that does not decode with 400 MALFORMED_PAYLOAD', async () => {
    for (const s of [onLoop, onWorkers]) {
      const r = await postOtlp(s.bridge.httpPort, '/v1/traces', new Uint8Array([0x0a, 0xff, 0xff]), PB);
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('x-tracebridge-error'), 'MALFORMED_PAYLOAD');
    }
  });

  it('answer 400 and store nothing when a span after the first slices does not decode', async () => {
    const valid = instantiate(buildTemplate(1, 3 * WORKER_SLICE_SPANS), 'protobuf', newIdScheme(), 0, 0n);
    // Concatenated protobuf messages merge: the valid spans, then a ResourceSpans whose one span has a bad tag.
    const body = Buffer.concat([valid, Buffer.from([0x0a, 0x05, 0x12, 0x03, 0x12, 0x01, 0x0f])]);
    for (const s of [onLoop, onWorkers]) {
      const before = (await stored(s)).spans.length;
      const r = await postOtlp(s.bridge.httpPort, '/v1/traces', body, PB);
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('x-tracebridge-error'), 'MALFORMED_PAYLOAD');
      assert.equal((await stored(s)).spans.length, before);
    }
  });

  it('a worker that runs out of memory fails its request alone (retryable) and is replaced', async () => {
    const workers = new MapWorkers(1, 1_000_000, pino({ level: 'silent' }), 16);
    try {
      // One span with ~36 MB of attribute strings (and more once mapped) cannot fit a 16 MB heap. (Many smaller
      // spans can: the worker decodes a span when it maps it and hands the encoded ones over in slices.)
      const big = 'x'.repeat(900_000);
      const attributes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, big]));
      const spans = [{ traceId: hexId(16), spanId: hexId(8), name: 's', start: 1n, end: 2n, attributes }];
      await assert.rejects(
        workers.map(protobufRequest([{ resource: {}, spans }]), 'protobuf'),
        MapperUnavailableError,
      );
      const small = protobufRequest([{ resource: {}, spans: [{ ...spans[0]!, attributes: {} }] }]);
      // Until the replacement has started (1 s), requests are refused as retryable rather than queued.
      await assert.rejects(workers.map(small, 'protobuf'), MapperUnavailableError);
      const deadline = Date.now() + 10_000;
      let ok = null;
      while (!ok && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        ok = await workers.map(small, 'protobuf').catch(() => null);
      }
      assert.equal(ok?.kind === 'mapped' && ok.request.spans.length, 1);
    } finally {
      await workers.close();
    }
  });
});
