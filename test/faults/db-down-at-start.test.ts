/**
 * The database is unreachable when the bridge (the real CLI as a process) starts: it starts anyway, /healthz
 * says 200 and /readyz 503, exports are answered 503 + Retry-After / UNAVAILABLE + RetryInfo; once Postgres comes
 * up the bridge migrates by itself (it retries every 2 s), /readyz turns 200 within a bounded time, and both an
 * export an OTel exporter kept retrying through the outage and new exports are stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Database } from '../../store/db.js';
import { connectPostgres } from '../../store/postgres.js';
import { hexId, jsonRequest, protobufRequest } from '../support/otlp.js';
import { freePort, startPostgres, type TestPostgres } from '../support/pg-server.mjs';
import type { BridgeProcess } from '../support/process.js';
import { isRunning, problems, startBridgeProcess, stopProcess } from './support/bridge-process.js';
import { flatTrace, spanCounts } from './support/load.js';
import {
  grpcClient,
  grpcExport,
  grpcRetryDelayMs,
  httpRequest,
  JSON_CT,
  PB,
  sleep,
  waitUntil,
} from './support/net.js';
import { exportBatch, sdkSpans, spanKey, succeeded } from './support/sdk-spans.js';

let pg: TestPostgres;
let bridge: BridgeProcess | null = null;
let db: Database | null = null;

before(async () => {
  pg = await startPostgres();
  pg.stop();
});
after(async () => {
  await stopProcess(bridge);
  await db?.close();
  pg?.destroy();
});

/** Bound for /readyz to turn 200 once Postgres accepts connections: a 2 s retry period plus generous slack. */
const READY_WITHIN_MS = 15_000;

function request(n: number) {
  const traceId = hexId(16);
  return {
    traceId,
    groups: [
      {
        resource: { 'service.name': 'db-down-at-start' },
        spans: flatTrace(
          traceId,
          Array.from({ length: n }, () => hexId(8)),
        ),
      },
    ],
  };
}

describe('database unreachable at start', () => {
  it('starts, reports not ready and answers 503 / UNAVAILABLE, then connects once Postgres is up', async (t) => {
    const ports = { httpPort: await freePort(), grpcPort: await freePort() };
    bridge = await startBridgeProcess(pg.url, ports, { TRACEBRIDGE_RETRY_AFTER_MS: '1000' });
    const b = bridge;
    assert.ok(
      b.logs.some((l) => typeof l.msg === 'string' && /database not reachable/.test(l.msg)),
      'logs that the database is not reachable',
    );

    const health = await httpRequest(ports.httpPort, 'GET', '/healthz', undefined, {});
    assert.equal(health.status, 200);
    const ready = await httpRequest(ports.httpPort, 'GET', '/readyz', undefined, {});
    assert.equal(ready.status, 503);

    const early = request(3);
    const pb = await httpRequest(ports.httpPort, 'POST', '/v1/traces', protobufRequest(early.groups), PB);
    assert.equal(pb.status, 503);
    assert.equal(pb.headers['retry-after'], '1');
    const js = await httpRequest(
      ports.httpPort,
      'POST',
      '/v1/traces',
      JSON.stringify(jsonRequest(early.groups)),
      JSON_CT,
    );
    assert.equal(js.status, 503);
    assert.equal(js.headers['retry-after'], '1');
    const client = grpcClient(ports.grpcPort);
    try {
      const { error } = await grpcExport(client, protobufRequest(early.groups));
      assert.equal(error?.code, grpc.status.UNAVAILABLE);
      assert.equal(grpcRetryDelayMs(error!), 1000);

      // A real exporter starts exporting during the outage and keeps retrying (timeout budget 30 s).
      const spans = await sdkSpans('db-down-otel', 5, 4);
      const exporter = new OTLPTraceExporter({
        url: `http://127.0.0.1:${ports.httpPort}/v1/traces`,
        timeoutMillis: 30_000,
      });
      const exported = exportBatch(exporter, spans);
      await sleep(1500);

      pg.start();
      const upAt = Date.now();
      await waitUntil(
        async () =>
          !isRunning(b) ||
          (await httpRequest(ports.httpPort, 'GET', '/readyz', undefined, {}, { timeoutMs: 5000 }).then(
            (r) => r.status === 200,
            () => false,
          )),
        READY_WITHIN_MS,
        '/readyz to turn 200 after Postgres came up',
      );
      assert.ok(isRunning(b), `the bridge kept running:\n${problems(b)}`);
      t.diagnostic(`/readyz turned 200 ${Date.now() - upAt} ms after Postgres came up`);
      assert.equal((await httpRequest(ports.httpPort, 'GET', '/healthz', undefined, {})).status, 200);

      const result = await exported;
      await exporter.shutdown();
      assert.ok(succeeded(result), `the retrying exporter succeeded: ${result.error?.message}`);
      t.diagnostic(`the exporter's export took ${result.ms} ms including retries`);

      const fresh = request(5);
      const ok1 = await httpRequest(ports.httpPort, 'POST', '/v1/traces', protobufRequest(early.groups), PB);
      assert.equal(ok1.status, 200);
      const ok2 = await httpRequest(
        ports.httpPort,
        'POST',
        '/v1/traces',
        JSON.stringify(jsonRequest(fresh.groups)),
        JSON_CT,
      );
      assert.equal(ok2.status, 200);
      const viaGrpc = request(2);
      const { error: e3 } = await grpcExport(client, protobufRequest(viaGrpc.groups));
      assert.equal(e3, undefined);

      db = connectPostgres({ connectionString: pg.url, max: 2, onIdleError: () => {} });
      const counts = await spanCounts(db, [early.traceId, fresh.traceId, viaGrpc.traceId]);
      assert.deepEqual(Object.fromEntries(counts), {
        [early.traceId]: 3,
        [fresh.traceId]: 5,
        [viaGrpc.traceId]: 2,
      });
      const otel = await db.query<{ trace_id: string; span_id: string }>(
        "SELECT s.trace_id, s.span_id FROM spans s JOIN experiments e USING (experiment_id) WHERE e.name = 'db-down-otel'",
      );
      assert.deepEqual(
        otel.rows.map((r) => `${r.trace_id}/${r.span_id}`).sort(),
        spans.map(spanKey).sort(),
        'the spans the exporter retried through the outage are stored',
      );
      const errors = b.logs.filter((l) => typeof l.level === 'number' && l.level >= 50);
      assert.deepEqual(errors, [], 'no error-level log lines');
    } finally {
      client.close();
    }
  });
});
