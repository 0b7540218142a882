/**
 * OTLP/HTTP behaviour against a live bridge and a real Postgres: encodings, compression, every error status,
 * partial success and experiment routing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import type { RunningBridge } from '../../cli/bridge.js';
import { ExportTraceServiceResponse, RetryInfo, RpcStatus } from '../../proto/otlp.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, jsonRequest, protobufRequest, type TestResourceSpans } from '../support/otlp.js';

const LIMIT = 256 * 1024;
let tdb: TestDatabase;
let bridge: RunningBridge;

before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url, maxBodyBytes: LIMIT });
});
after(async () => {
  await bridge.stop();
  await tdb.drop();
});

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

function oneSpan(
  resource: Record<string, string> = { 'service.name': 'http-tests' },
  name = 'op',
): {
  groups: TestResourceSpans[];
  traceId: string;
  spanId: string;
} {
  const traceId = hexId(16);
  const spanId = hexId(8);
  return {
    traceId,
    spanId,
    groups: [{ resource, spans: [{ traceId, spanId, name, start: 1_000_000_000n, end: 2_000_000_000n }] }],
  };
}

async function spanExperiment(traceId: string): Promise<string | undefined> {
  const r = await tdb.db.query<{ name: string }>(
    'SELECT e.name FROM spans s JOIN experiments e USING (experiment_id) WHERE s.trace_id = $1',
    [traceId],
  );
  return r.rows[0]?.name;
}

function statusOf(body: Buffer, json: boolean): { code: number; message: string; details?: unknown[] } {
  if (json) return JSON.parse(body.toString('utf8'));
  return RpcStatus.toObject(RpcStatus.decode(body)) as { code: number; message: string };
}

describe('OTLP/HTTP receiver', () => {
  it('accepts protobuf and answers an empty ExportTraceServiceResponse', async () => {
    const { groups, traceId } = oneSpan();
    const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest(groups), PB);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.equal(res.body.length, 0);
    assert.equal(await spanExperiment(traceId), 'http-tests');
  });

  it('accepts JSON with a charset parameter and answers JSON', async () => {
    const { groups, traceId } = oneSpan();
    const res = await postOtlp(bridge.httpPort, '/v1/traces', JSON.stringify(jsonRequest(groups)), {
      'content-type': 'application/json; charset=utf-8',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(res.body.toString()), {});
    assert.equal(await spanExperiment(traceId), 'http-tests');
  });

  for (const [encoding, compress] of [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['zstd', zstdCompressSync],
  ] as const) {
    it(`accepts Content-Encoding: ${encoding} for both payload formats`, async () => {
      const a = oneSpan();
      const b = oneSpan();
      const r1 = await postOtlp(bridge.httpPort, '/v1/traces', compress(protobufRequest(a.groups)), {
        ...PB,
        'content-encoding': encoding,
      });
      const r2 = await postOtlp(
        bridge.httpPort,
        '/v1/traces',
        compress(JSON.stringify(jsonRequest(b.groups))),
        {
          ...JSON_CT,
          'content-encoding': encoding,
        },
      );
      assert.equal(r1.status, 200);
      assert.equal(r2.status, 200);
      assert.equal(await spanExperiment(a.traceId), 'http-tests');
      assert.equal(await spanExperiment(b.traceId), 'http-tests');
    });
  }

  it('400 with a google.rpc.Status for malformed protobuf and invalid JSON', async () => {
    const pb = await postOtlp(
      bridge.httpPort,
      '/v1/traces',
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]),
      PB,
    );
    assert.equal(pb.status, 400);
    const s = statusOf(pb.body, false);
    assert.equal(s.code, 3);
    assert.match(s.message, /MALFORMED_PAYLOAD/);
    const js = await postOtlp(bridge.httpPort, '/v1/traces', '{"resourceSpans": [', JSON_CT);
    assert.equal(js.status, 400);
    assert.equal(statusOf(js.body, true).code, 3);
  });

  it('400 for a truncated gzip body', async () => {
    const gz = gzipSync(protobufRequest(oneSpan().groups));
    const res = await postOtlp(bridge.httpPort, '/v1/traces', gz.subarray(0, gz.length - 10), {
      ...PB,
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 400);
  });

  it('413 when the body is over the limit, before and after decompression', async () => {
    const big = Buffer.alloc(LIMIT + 1, 1);
    const raw = await postOtlp(bridge.httpPort, '/v1/traces', big, PB);
    assert.equal(raw.status, 413);
    assert.equal(statusOf(raw.body, false).code, 8);
    // A small gzip that inflates past the limit (a gzip bomb) is refused too.
    const bomb = gzipSync(Buffer.alloc(LIMIT * 8, 0));
    assert.ok(bomb.length < LIMIT);
    const res = await postOtlp(bridge.httpPort, '/v1/traces', bomb, { ...PB, 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    const zstdBomb = zstdCompressSync(Buffer.alloc(LIMIT * 8, 0));
    assert.ok(zstdBomb.length < LIMIT);
    const zres = await postOtlp(bridge.httpPort, '/v1/traces', zstdBomb, {
      ...PB,
      'content-encoding': 'zstd',
    });
    assert.equal(zres.status, 413);
  });

  it('415 for an unsupported content type or encoding', async () => {
    const res = await postOtlp(bridge.httpPort, '/v1/traces', 'hello', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match(statusOf(res.body, true).message, /UNSUPPORTED_MEDIA_TYPE/);
    const enc = await postOtlp(bridge.httpPort, '/v1/traces', 'x', { ...PB, 'content-encoding': 'br' });
    assert.equal(enc.status, 415);
  });

  it('405 for a method other than POST, 404 for an unknown path', async () => {
    const get = await postOtlp(bridge.httpPort, '/v1/traces', '', {}, 'GET');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const put = await postOtlp(bridge.httpPort, '/v1/traces', '{}', JSON_CT, 'PUT');
    assert.equal(put.status, 405);
    const missing = await postOtlp(bridge.httpPort, '/v2/traces', '{}', JSON_CT);
    assert.equal(missing.status, 404);
    assert.match(statusOf(missing.body, true).message, /NOT_FOUND/);
  });

  it('answers success for /v1/metrics and /v1/logs without storing', async () => {
    for (const path of ['/v1/metrics', '/v1/logs']) {
      const res = await postOtlp(bridge.httpPort, path, '{}', JSON_CT);
      assert.equal(res.status, 200, path);
      const pb = await postOtlp(bridge.httpPort, path, new Uint8Array(0), PB);
      assert.equal(pb.status, 200, path);
    }
  });

  it('an empty request is a success', async () => {
    const res = await postOtlp(bridge.httpPort, '/v1/traces', new Uint8Array(0), PB);
    assert.equal(res.status, 200);
    const js = await postOtlp(bridge.httpPort, '/v1/traces', '{}', JSON_CT);
    assert.equal(js.status, 200);
  });

  it('partial_success: invalid and all-zero ids are rejected, the rest stored', async () => {
    for (const format of ['protobuf', 'json'] as const) {
      const good = oneSpan();
      const groups: TestResourceSpans[] = [
        {
          resource: { 'service.name': 'http-tests' },
          spans: [
            ...good.groups[0]!.spans,
            { traceId: '0'.repeat(32), spanId: hexId(8), name: 'zero trace', start: 1n, end: 2n },
            { traceId: hexId(16), spanId: '0'.repeat(16), name: 'zero span', start: 1n, end: 2n },
          ],
        },
      ];
      if (format === 'json') {
        const req = jsonRequest(groups) as {
          resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[];
        };
        req.resourceSpans[0]!.scopeSpans[0]!.spans.push({
          ...req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!,
          spanId: 'abc',
        });
        const res = await postOtlp(bridge.httpPort, '/v1/traces', JSON.stringify(req), JSON_CT);
        assert.equal(res.status, 200);
        const body = JSON.parse(res.body.toString());
        assert.equal(body.partialSuccess.rejectedSpans, '3');
        assert.match(body.partialSuccess.errorMessage, /invalid trace_id/);
      } else {
        const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest(groups), PB);
        assert.equal(res.status, 200);
        const body = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.body), {
          longs: String,
        }) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
        assert.equal(body.partialSuccess.rejectedSpans, '2');
        assert.match(body.partialSuccess.errorMessage, /invalid span_id/);
      }
      assert.equal(await spanExperiment(good.traceId), 'http-tests');
    }
  });

  describe('experiment routing', () => {
    it('x-mlflow-experiment-id must name an existing experiment (404 otherwise)', async () => {
      const { groups, traceId } = oneSpan();
      const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest(groups), {
        ...PB,
        'x-mlflow-experiment-id': '987654',
      });
      assert.equal(res.status, 404);
      assert.match(statusOf(res.body, false).message, /EXPERIMENT_NOT_FOUND.*987654/);
      assert.equal(await spanExperiment(traceId), undefined);

      const created = await tdb.db.query<{ id: string }>(
        "INSERT INTO experiments (experiment_id, name) VALUES (nextval('experiments_id_seq'), 'by-id') RETURNING experiment_id::text AS id",
      );
      const ok = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest(groups), {
        ...PB,
        'x-mlflow-experiment-id': created.rows[0]!.id,
        'x-tracebridge-experiment': 'ignored-because-id-wins',
      });
      assert.equal(ok.status, 200);
      assert.equal(await spanExperiment(traceId), 'by-id');
    });

    it('header name > tracebridge.experiment > service.name > Default', async () => {
      const cases: [Record<string, string>, Record<string, string>, string][] = [
        [
          { 'x-tracebridge-experiment': 'from-header' },
          { 'tracebridge.experiment': 'from-resource' },
          'from-header',
        ],
        [{}, { 'tracebridge.experiment': 'from-resource', 'service.name': 'svc' }, 'from-resource'],
        [{}, { 'service.name': 'svc' }, 'svc'],
        [{}, { 'service.name': 'unknown_service:node' }, 'Default'],
        [{}, {}, 'Default'],
      ];
      for (const [headers, resource, expected] of cases) {
        const { groups, traceId } = oneSpan(resource);
        const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest(groups), {
          ...PB,
          ...headers,
        });
        assert.equal(res.status, 200);
        assert.equal(await spanExperiment(traceId), expected, JSON.stringify({ headers, resource }));
      }
      const def = await tdb.db.query<{ experiment_id: string }>(
        "SELECT experiment_id::text FROM experiments WHERE name = 'Default'",
      );
      assert.equal(def.rows[0]!.experiment_id, '0');
    });
  });
});

describe('OTLP/HTTP receiver with the database down', () => {
  it('503 with Retry-After and a RetryInfo when the database cannot take the write', async () => {
    // Nothing listens on port 1: every connection is refused, exactly as when Postgres is down.
    const down = await startTestBridge({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
      retryAfterMs: 2500,
    });
    try {
      const res = await postOtlp(down.httpPort, '/v1/traces', protobufRequest(oneSpan().groups), PB);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '3');
      const status = RpcStatus.decode(res.body) as unknown as {
        code: number;
        details: { typeUrl: string; value: Uint8Array }[];
      };
      assert.equal(status.code, 14);
      const retry = RetryInfo.toObject(RetryInfo.decode(status.details[0]!.value), { longs: Number }) as {
        retryDelay: { seconds: number; nanos: number };
      };
      assert.equal(retry.retryDelay.seconds, 2);
      assert.equal(retry.retryDelay.nanos, 500_000_000);
      const ready = await postOtlp(down.httpPort, '/readyz', '', {}, 'GET');
      assert.equal(ready.status, 503);
      const healthy = await postOtlp(down.httpPort, '/healthz', '', {}, 'GET');
      assert.equal(healthy.status, 200);
    } finally {
      await down.stop();
    }
  });
});
