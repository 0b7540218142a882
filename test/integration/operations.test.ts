/**
 * Operating limits and jobs against a real Postgres: backpressure answers, attribute truncation, Prometheus
 * metrics, retention, and the read-only analyst role.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import type { RunningBridge } from '../../cli/bridge.js';
import { RetryInfo, RpcStatus } from '../../proto/otlp.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest, type TestSpan } from '../support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase();
});
after(async () => {
  await tdb.drop();
});

function spans(n: number, attributes: TestSpan['attributes'] = {}): { traceId: string; body: Uint8Array } {
  const traceId = hexId(16);
  const list = Array.from({ length: n }, () => ({
    traceId,
    spanId: hexId(8),
    name: 'op',
    start: 1n,
    end: 2n,
    attributes,
  }));
  return { traceId, body: protobufRequest([{ resource: { 'service.name': 'ops' }, spans: list }]) };
}

async function count(traceId: string): Promise<number> {
  const r = await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [
    traceId,
  ]);
  return r.rows[0]!.n;
}

/** POSTs without Content-Length (Transfer-Encoding: chunked); resolves with the status and the error header. */
function postChunked(
  port: number,
  path: string,
  body: Uint8Array,
): Promise<{ status: number; error: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: PB }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, error: res.headers['x-tracebridge-error'] }));
    });
    req.on('error', reject);
    req.write(body.subarray(0, 10));
    req.end(body.subarray(10));
  });
}

describe('backpressure', () => {
  let bridge: RunningBridge;
  before(async () => {
    // Tiny pending bound and a long linger: the first request waits for its batch while the next ones arrive.
    bridge = await startTestBridge({
      databaseUrl: tdb.url,
      maxPendingBytes: 2048,
      batchLingerMs: 400,
      retryAfterMs: 1500,
    });
  });
  after(async () => {
    await bridge.stop();
  });

  it('past the pending-bytes bound: HTTP 429 + Retry-After, gRPC UNAVAILABLE + RetryInfo; accepted spans kept', async () => {
    const first = spans(20);
    const pending = postOtlp(bridge.httpPort, '/v1/traces', first.body, PB);
    await new Promise((r) => setTimeout(r, 100));
    const second = spans(20);
    const refused = await postOtlp(bridge.httpPort, '/v1/traces', second.body, PB);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '2');
    assert.equal(refused.headers.get('x-tracebridge-error'), 'OVERLOADED');
    // Without Content-Length (chunked) the size is known only once the body is read: refused all the same.
    const chunked = await postChunked(bridge.httpPort, '/v1/traces', spans(20).body);
    assert.deepEqual(chunked, { status: 429, error: 'OVERLOADED' });

    const c = new grpc.Client(`127.0.0.1:${bridge.grpcPort}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      c.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(spans(20).body),
        new grpc.Metadata(),
        (e) => resolve(e),
      ),
    );
    c.close();
    assert.equal(err?.code, grpc.status.UNAVAILABLE);
    const status = RpcStatus.decode(err!.metadata.get('grpc-status-details-bin')[0] as Buffer) as unknown as {
      details: { value: Uint8Array }[];
    };
    const retry = RetryInfo.toObject(RetryInfo.decode(status.details[0]!.value), { longs: Number }) as {
      retryDelay: { seconds: number; nanos: number };
    };
    assert.deepEqual(retry.retryDelay, { seconds: 1, nanos: 500_000_000 });

    assert.equal((await pending).status, 200);
    assert.equal(await count(first.traceId), 20);
    assert.equal(await count(second.traceId), 0);
    // Once the bound is free again, the refused request goes through.
    assert.equal((await postOtlp(bridge.httpPort, '/v1/traces', second.body, PB)).status, 200);
    assert.equal(await count(second.traceId), 20);
  });
});

describe('limits, metrics, retention, reader role', () => {
  let bridge: RunningBridge;
  before(async () => {
    bridge = await startTestBridge({ databaseUrl: tdb.url, maxAttributeLength: 1000 });
  });
  after(async () => {
    await bridge.stop();
  });

  it('a 10 MB attribute value is truncated with a marker, and the span is kept', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const { traceId, body } = spans(1, { 'gen_ai.prompt.0.content': huge, small: 'ok' });
    const res = await postOtlp(bridge.httpPort, '/v1/traces', body, PB);
    assert.equal(res.status, 200);
    const r = await tdb.db.query<{ v: string; small: string }>(
      "SELECT attributes->>'gen_ai.prompt.0.content' AS v, attributes->>'small' AS small FROM spans WHERE trace_id = $1",
      [traceId],
    );
    const v = r.rows[0]!.v;
    assert.ok(v.startsWith('x'.repeat(1000)));
    assert.ok(
      v.endsWith(`…[truncated by tracebridge: ${huge.length} characters, limit 1000]`),
      v.slice(1000),
    );
    assert.equal(r.rows[0]!.small, 'ok');
  });

  it('/metrics reports spans, requests, batches and conventions', async () => {
    const { body } = spans(3, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' });
    assert.equal((await postOtlp(bridge.httpPort, '/v1/traces', body, PB)).status, 200);
    assert.equal((await postOtlp(bridge.httpPort, '/v1/nope', '', PB)).status, 404);
    const res = await postOtlp(bridge.httpPort, '/metrics', '', {}, 'GET');
    assert.equal(res.status, 200);
    const text = res.body.toString();
    const value = (line: RegExp) => Number(text.match(line)?.[1]);
    assert.ok(value(/^tracebridge_spans_stored_total\{protocol="http"\} (\d+)/m) >= 3);
    assert.ok(value(/^tracebridge_spans_mapped_total\{convention="genai"\} (\d+)/m) >= 3);
    assert.ok(
      value(/^tracebridge_requests_total\{protocol="http",signal="traces",status="200"\} (\d+)/m) >= 1,
    );
    assert.ok(
      value(/^tracebridge_requests_total\{protocol="http",signal="other",status="404"\} (\d+)/m) >= 1,
    );
    assert.match(text, /^tracebridge_commit_duration_seconds_bucket/m);
    assert.match(text, /^tracebridge_batch_spans_count \d+/m);
    assert.match(text, /^tracebridge_pending_bytes 0/m);
    assert.match(text, /^tracebridge_process_resident_memory_bytes/m);
  });

  it('retention deletes traces older than the configured days, with their spans, and keeps the rest', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const day = 86_400_000_000_000n;
    const old = hexId(16);
    const recent = hexId(16);
    const body = protobufRequest([
      {
        resource: { 'service.name': 'retention' },
        spans: [
          { traceId: old, spanId: hexId(8), name: 'old', start: now - 40n * day, end: now - 40n * day + 1n },
          { traceId: recent, spanId: hexId(8), name: 'recent', start: now - day, end: now - day + 1n },
        ],
      },
    ]);
    assert.equal((await postOtlp(bridge.httpPort, '/v1/traces', body, PB)).status, 200);
    assert.equal(await count(old), 1);
    // A bridge started now runs its first retention pass a second after start.
    const other = await startTestBridge({ databaseUrl: tdb.url, retentionDays: 30 });
    try {
      const deadline = Date.now() + 15_000;
      while ((await count(old)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await other.stop();
    }
    assert.equal(await count(old), 0);
    assert.equal((await tdb.db.query('SELECT 1 FROM traces WHERE trace_id = $1', [old])).rows.length, 0);
    const m = (await other.metrics.render()).body;
    assert.match(m, /^tracebridge_retention_deleted_traces_total [1-9]/m);
    assert.equal(await count(recent), 1);
  });

  it('tracebridge_reader can read every table but write none', async () => {
    const login = `analyst_${randomBytes(4).toString('hex')}`;
    await tdb.db.query(`CREATE ROLE ${login} LOGIN IN ROLE tracebridge_reader`);
    const u = new URL(tdb.url);
    u.username = login;
    const client = new pg.Client(u.toString());
    await client.connect();
    try {
      for (const table of ['experiments', 'traces', 'spans']) {
        await client.query(`SELECT count(*) FROM ${table}`);
      }
      await assert.rejects(
        client.query("INSERT INTO experiments (experiment_id, name) VALUES (999, 'x')"),
        /permission denied/,
      );
      await assert.rejects(client.query('DELETE FROM spans'), /permission denied/);
    } finally {
      await client.end();
      await tdb.db.query(`DROP ROLE ${login}`);
    }
  });
});
