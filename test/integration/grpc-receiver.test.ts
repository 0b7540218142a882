/** OTLP/gRPC behaviour against a live bridge: status codes, gzip, size limit, partial success, metadata routing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { RunningBridge } from '../../cli/bridge.js';
import { ExportTraceServiceResponse, RetryInfo, RpcStatus } from '../../proto/otlp.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest, type TestResourceSpans } from '../support/otlp.js';

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

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function client(port: number, options: grpc.ClientOptions = {}): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
}

function exportRaw(
  c: grpc.Client,
  body: Uint8Array,
  metadata = new grpc.Metadata(),
): Promise<{ response?: Buffer; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    c.makeUnaryRequest(
      EXPORT,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata,
      (error, response) => resolve(error ? { error } : { response: response! }),
    );
  });
}

function groupsWith(spans: TestResourceSpans['spans'], resource = { 'service.name': 'grpc-tests' }) {
  return [{ resource, spans }];
}

function span(traceId = hexId(16), spanId = hexId(8)) {
  return { traceId, spanId, name: 'op', start: 10n, end: 20n };
}

async function stored(traceId: string): Promise<number> {
  const r = await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [
    traceId,
  ]);
  return r.rows[0]!.n;
}

describe('OTLP/gRPC receiver', () => {
  it('stores spans, plain and gzip-compressed', async () => {
    for (const compression of [grpc.compressionAlgorithms.identity, grpc.compressionAlgorithms.gzip]) {
      const c = client(bridge.grpcPort, { 'grpc.default_compression_algorithm': compression });
      const s = span();
      const { response, error } = await exportRaw(c, protobufRequest(groupsWith([s])));
      c.close();
      assert.equal(error, undefined);
      assert.equal(response!.length, 0);
      assert.equal(await stored(s.traceId), 1);
    }
  });

  it('INVALID_ARGUMENT with a google.rpc.Status for malformed protobuf', async () => {
    const c = client(bridge.grpcPort);
    const { error } = await exportRaw(c, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    c.close();
    assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
    const details = error!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const status = RpcStatus.decode(details) as unknown as { code: number; message: string };
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.message, /MALFORMED_PAYLOAD/);
  });

  it('RESOURCE_EXHAUSTED over the message size limit', async () => {
    const c = client(bridge.grpcPort);
    const big = span();
    const req = protobufRequest(groupsWith([{ ...big, attributes: { blob: 'x'.repeat(LIMIT + 10) } }]));
    const { error } = await exportRaw(c, req);
    c.close();
    assert.equal(error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(await stored(big.traceId), 0);
  });

  it('partial success for invalid ids', async () => {
    const c = client(bridge.grpcPort);
    const good = span();
    const { response, error } = await exportRaw(
      c,
      protobufRequest(groupsWith([good, span('0'.repeat(32)), span(hexId(16), '0'.repeat(16))])),
    );
    c.close();
    assert.equal(error, undefined);
    const body = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response!), {
      longs: String,
    }) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '2');
    assert.equal(await stored(good.traceId), 1);
  });

  it('routes by metadata; unknown x-mlflow-experiment-id → NOT_FOUND', async () => {
    const c = client(bridge.grpcPort);
    const md = new grpc.Metadata();
    md.set('x-tracebridge-experiment', 'grpc-named');
    const s = span();
    assert.equal((await exportRaw(c, protobufRequest(groupsWith([s])), md)).error, undefined);
    const r = await tdb.db.query<{ name: string }>(
      'SELECT e.name FROM spans JOIN experiments e USING (experiment_id) WHERE trace_id = $1',
      [s.traceId],
    );
    assert.equal(r.rows[0]!.name, 'grpc-named');

    const bad = new grpc.Metadata();
    bad.set('x-mlflow-experiment-id', '424242');
    const { error } = await exportRaw(c, protobufRequest(groupsWith([span()])), bad);
    c.close();
    assert.equal(error?.code, grpc.status.NOT_FOUND);
  });

  it('accepts the logs and metrics services', async () => {
    const c = client(bridge.grpcPort);
    for (const path of [
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    ]) {
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        c.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          new grpc.Metadata(),
          (e) => resolve(e),
        ),
      );
      assert.equal(error, null, path);
    }
    c.close();
  });
});

describe('OTLP/gRPC receiver with the database down', () => {
  it('UNAVAILABLE with RetryInfo', async () => {
    const down = await startTestBridge({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
      retryAfterMs: 1500,
    });
    try {
      const c = client(down.grpcPort);
      const { error } = await exportRaw(c, protobufRequest(groupsWith([span()])));
      c.close();
      assert.equal(error?.code, grpc.status.UNAVAILABLE);
      const status = RpcStatus.decode(
        error!.metadata.get('grpc-status-details-bin')[0] as Buffer,
      ) as unknown as {
        details: { type_url: string; value: Uint8Array }[];
      };
      // protobufjs keeps google.protobuf.Any's field names as declared (type_url).
      assert.equal(status.details[0]!.type_url, 'type.googleapis.com/google.rpc.RetryInfo');
      const retry = RetryInfo.toObject(RetryInfo.decode(status.details[0]!.value), { longs: Number }) as {
        retryDelay: { seconds: number; nanos: number };
      };
      assert.deepEqual(retry.retryDelay, { seconds: 1, nanos: 500_000_000 });
    } finally {
      await down.stop();
    }
  });
});
