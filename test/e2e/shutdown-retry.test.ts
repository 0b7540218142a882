/**
 * What exporters see when the bridge stops (SIGTERM runs RunningBridge.stop, cli/main.ts), as docs/operations.md
 * says: a request already on an open connection gets 503 SHUTTING_DOWN; new connections are refused; and the real
 * OTel JS OTLP/HTTP exporters (protobuf and JSON) retry a refused connection, so spans exported while the bridge is
 * down arrive once a bridge listens on the port again, within the exporters' budget. (The JS OTLP/gRPC exporter
 * retries nothing, docs/operations.md.)
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { RunningBridge } from '../../cli/bridge.js';
import { sendAgentTrace } from '../support/agent-trace.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';
import { freePort } from '../support/pg-server.mjs';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
});
after(async () => {
  await tdb.drop();
});

/** The exporter, recording the result of every export it finishes (after its own retries). */
function recording(exporter: SpanExporter, results: ExportResult[]): SpanExporter {
  return {
    export: (spans, done) =>
      exporter.export(spans, (r) => {
        results.push(r);
        done(r);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

function request(port: number, traceId: string): string {
  const body = Buffer.from(
    protobufRequest([{ spans: [{ traceId, spanId: hexId(8), name: 'op', start: 1n, end: 2n }] }]),
  );
  return (
    `POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/x-protobuf\r\n` +
    `content-length: ${body.length}\r\n\r\n${body.toString('latin1')}`
  );
}

describe('stopping the bridge', () => {
  it('answers 503 SHUTTING_DOWN to a request arriving on an open connection after the signal', async () => {
    // A long linger keeps the first request waiting for its batch while the second arrives behind it.
    const bridge = await startTestBridge({ databaseUrl: tdb.url, batchLingerMs: 300 });
    const socket = connect(bridge.httpPort, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    await new Promise((r) => socket.once('connect', r));
    socket.write(request(bridge.httpPort, hexId(16)), 'latin1');
    await new Promise((r) => setTimeout(r, 50));
    const stopped = bridge.stop();
    socket.write(request(bridge.httpPort, hexId(16)), 'latin1');
    await stopped;
    await new Promise((r) => (socket.destroyed ? r(null) : socket.once('close', r)));
    const statuses = [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '503']);
    assert.match(received, /x-tracebridge-error: SHUTTING_DOWN/i);
    assert.match(received, /retry-after: 1/i);
  });

  it('refuses new connections, and the OTel exporters retry them until a bridge listens again', async () => {
    const ports = { httpPort: await freePort(), grpcPort: await freePort() };
    let bridge: RunningBridge = await startTestBridge({ databaseUrl: tdb.url, ...ports });
    await bridge.stop();
    await assert.rejects(
      fetch(`http://127.0.0.1:${ports.httpPort}/v1/traces`, { method: 'POST', body: '' }),
      (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED',
    );

    const results: ExportResult[] = [];
    const sending = Promise.all([
      sendAgentTrace(
        recording(new ProtoExporter({ url: `http://127.0.0.1:${ports.httpPort}/v1/traces` }), results),
        { 'service.name': 'after-restart-proto' },
      ),
      sendAgentTrace(
        recording(new JsonExporter({ url: `http://127.0.0.1:${ports.httpPort}/v1/traces` }), results),
        { 'service.name': 'after-restart-json' },
      ),
    ]);
    // Down for longer than the exporters' first backoff (1 s), well within their 10 s budget.
    await new Promise((r) => setTimeout(r, 1500));
    bridge = await startTestBridge({ databaseUrl: tdb.url, ...ports });
    try {
      const ids = await sending;
      // One export per span (SimpleSpanProcessor), each succeeded after its retries.
      assert.deepEqual(
        results.map((r) => r.code),
        [0, 0, 0, 0, 0, 0],
        `export results: ${JSON.stringify(results.map((r) => r.error?.message))}`,
      );
      for (const { traceId } of ids) {
        const r = await tdb.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM spans WHERE trace_id = $1',
          [traceId],
        );
        assert.equal(r.rows[0]!.n, 3);
      }
    } finally {
      await bridge.stop();
    }
  });
});
