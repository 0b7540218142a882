/**
 * SIGKILL in the middle of a load (the real CLI as a process, a real Postgres), then a restart on the same ports:
 * (a) with a raw client that records every request's answer, every request answered 200 is in Postgres, and a
 *     request that was not answered is stored all-or-nothing (its spans share one transaction);
 * (b) with the OTel proto exporter, which retries refused connections and resets, every span sent is stored once
 *     the restarted bridge takes the retries.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';
import { freePort } from '../support/pg-server.mjs';
import type { BridgeProcess } from '../support/process.js';
import {
  type BridgePorts,
  isRunning,
  killHard,
  problems,
  startBridgeProcess,
  stopProcess,
} from './support/bridge-process.js';
import { flatTrace, inconsistentTraces, spanCounts } from './support/load.js';
import { type Attempt, deliverHttp, errorCode, httpRequest, PB, sleep, waitUntil } from './support/net.js';
import { exportBatch, succeeded as isSuccess, sdkSpans, spanKey } from './support/sdk-spans.js';

let tdb: TestDatabase;
let ports: BridgePorts;
let bridge: BridgeProcess | null = null;

before(async () => {
  tdb = await freshDatabase();
  ports = { httpPort: await freePort(), grpcPort: await freePort() };
});
after(async () => {
  await stopProcess(bridge);
  await tdb.drop();
});

const SPANS_PER_REQUEST = 25;
const WORKERS = 8;

describe('SIGKILL of the bridge mid-load', () => {
  it('(a) every request answered 200 is in Postgres; unanswered ones are all-or-nothing, then land after restart', async (t) => {
    bridge = await startBridgeProcess(tdb.url, ports);
    const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    interface Sent {
      traceId: string;
      body: Uint8Array;
      outcome: number | string | 'pending';
    }
    const sent: Sent[] = [];
    let acked = 0;
    let stop = false;
    const loadDeadline = Date.now() + 30_000;
    const worker = async () => {
      while (!stop && Date.now() < loadDeadline) {
        const traceId = hexId(16);
        const spanIds = Array.from({ length: SPANS_PER_REQUEST }, () => hexId(8));
        const body = protobufRequest([
          { resource: { 'service.name': 'sigkill-raw' }, spans: flatTrace(traceId, spanIds) },
        ]);
        const s: Sent = { traceId, body, outcome: 'pending' };
        sent.push(s);
        try {
          const r = await httpRequest(ports.httpPort, 'POST', '/v1/traces', body, PB, {
            agent,
            timeoutMs: 15_000,
          });
          s.outcome = r.status;
          if (r.status === 200) acked++;
        } catch (err) {
          s.outcome = errorCode(err);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);

    // Kill once the load is steady: 150 requests acknowledged.
    try {
      await waitUntil(() => acked >= 150 || !isRunning(bridge!), 20_000, '150 acknowledged requests');
      assert.ok(isRunning(bridge), `bridge died under load:\n${problems(bridge)}`);
    } catch (err) {
      stop = true;
      await Promise.all(workers);
      agent.destroy();
      throw err;
    }
    const pendingAtKill = sent.filter((s) => s.outcome === 'pending').length;
    bridge.child.kill('SIGKILL');
    stop = true;
    await bridge.exited;
    await Promise.all(workers);
    agent.destroy();

    const answered = sent.filter((s) => s.outcome === 200);
    const unanswered = sent.filter((s) => s.outcome !== 200);
    t.diagnostic(
      `${sent.length} requests: ${answered.length} answered 200, ${unanswered.length} unanswered ` +
        `(${pendingAtKill} in flight at the kill): ${[...new Set(unanswered.map((s) => s.outcome))].join(', ')}`,
    );
    assert.ok(pendingAtKill > 0, 'the kill happened while requests were in flight');
    const unexpected = sent.filter((s) => typeof s.outcome === 'number' && s.outcome !== 200);
    assert.deepEqual(
      unexpected.map((s) => s.outcome),
      [],
      'before the kill every request is answered 200',
    );

    const counts = await spanCounts(
      tdb.db,
      sent.map((s) => s.traceId),
    );
    const lost = answered.filter((s) => counts.get(s.traceId) !== SPANS_PER_REQUEST);
    assert.deepEqual(
      lost.map((s) => `${s.traceId}: ${counts.get(s.traceId)} of ${SPANS_PER_REQUEST}`),
      [],
      'every span of every request answered 200 is in Postgres',
    );
    const torn = unanswered.filter((s) => ![0, SPANS_PER_REQUEST].includes(counts.get(s.traceId)!));
    assert.deepEqual(
      torn.map((s) => `${s.traceId}: ${counts.get(s.traceId)} of ${SPANS_PER_REQUEST}`),
      [],
      'an unanswered request is stored all-or-nothing',
    );
    t.diagnostic(
      `${unanswered.filter((s) => counts.get(s.traceId) === SPANS_PER_REQUEST).length} unanswered requests had committed before the kill`,
    );
    assert.deepEqual(await inconsistentTraces(tdb.db), [], 'traces rows agree with their spans');

    // Restart on the same ports; the client re-sends what was not answered.
    bridge = await startBridgeProcess(tdb.url, ports);
    const attempts: Attempt[] = [];
    const deadline = Date.now() + 30_000;
    const resent = await Promise.all(
      unanswered.map((s) => deliverHttp(ports.httpPort, s.body, PB, attempts, deadline)),
    );
    assert.deepEqual(
      resent.filter((o) => o !== 200),
      [],
      'the restarted bridge takes every re-sent request',
    );
    const final = await spanCounts(
      tdb.db,
      sent.map((s) => s.traceId),
    );
    const short = sent.filter((s) => final.get(s.traceId) !== SPANS_PER_REQUEST);
    assert.deepEqual(
      short.map((s) => s.traceId),
      [],
    );
    const total = await tdb.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM spans s JOIN experiments e USING (experiment_id) WHERE e.name = 'sigkill-raw'",
    );
    assert.equal(total.rows[0]!.n, sent.length * SPANS_PER_REQUEST, 'exactly one row per span sent');
    assert.deepEqual(await inconsistentTraces(tdb.db), []);
    const ready = await httpRequest(ports.httpPort, 'GET', '/readyz', undefined, {});
    assert.equal(ready.status, 200);
  });

  it('(b) with the OTel proto exporter retrying, every span sent is stored across a SIGKILL and restart', async (t) => {
    if (!bridge || !isRunning(bridge)) bridge = await startBridgeProcess(tdb.url, ports);

    // Real SDK spans: 80 traces of 20 spans, exported batch by batch by hand so each batch's result is known.
    const spans = await sdkSpans('sigkill-otel', 80, 20);
    assert.equal(spans.length, 1600);
    const batches: ReadableSpan[][] = [];
    for (let i = 0; i < spans.length; i += 20) batches.push(spans.slice(i, i + 20));

    // A retry budget longer than the restart: retries back off 1 s, 1.5 s, 2.25 s, 3.4 s, 5 s (±20 %).
    const exporter = new OTLPTraceExporter({
      url: `http://127.0.0.1:${ports.httpPort}/v1/traces`,
      timeoutMillis: 30_000,
    });
    const results: (ExportResult & { ms: number })[] = new Array(batches.length);
    let next = 0;
    let succeeded = 0;
    let inFlight = 0;
    const worker = async () => {
      while (next < batches.length) {
        const i = next++;
        inFlight++;
        const r = await exportBatch(exporter, batches[i]!);
        inFlight--;
        results[i] = r;
        if (isSuccess(r)) succeeded++;
      }
    };
    const workers = Array.from({ length: 4 }, worker);

    await waitUntil(() => succeeded >= 20 || next >= batches.length, 20_000, '20 exported batches');
    assert.ok(next < batches.length, 'the load was still running at the kill');
    const inFlightAtKill = inFlight;
    const killedAt = Date.now();
    await killHard(bridge);
    // Down for 1.5 s: the first retries find the port closed (ECONNREFUSED) and back off again.
    await sleep(1500);
    bridge = await startBridgeProcess(tdb.url, ports);
    const restartMs = Date.now() - killedAt;
    await Promise.all(workers);
    await exporter.shutdown();

    const slow = results.filter((r) => r.ms > 900).length;
    t.diagnostic(
      `down for ${restartMs} ms; ${inFlightAtKill} exports in flight at the kill; ${slow} exports took > 0.9 s (retried)`,
    );
    assert.ok(inFlightAtKill > 0, 'exports were in flight at the kill');

    // (a) for the exporter: every batch whose export reported success is stored.
    const stored = await tdb.db.query<{ span_id: string; trace_id: string }>(
      "SELECT s.trace_id, s.span_id FROM spans s JOIN experiments e USING (experiment_id) WHERE e.name = 'sigkill-otel'",
    );
    const have = new Set(stored.rows.map((r) => `${r.trace_id}/${r.span_id}`));
    const key = spanKey;
    const lostAcked = batches.flatMap((b, i) =>
      isSuccess(results[i]!) ? b.filter((s) => !have.has(key(s))).map(key) : [],
    );
    assert.deepEqual(lostAcked, [], 'every span of a successful export is in Postgres');

    // (b) with retries, every export succeeded and every span sent is stored, exactly once.
    const failed = results
      .map((r, i) => ({ i, r }))
      .filter(({ r }) => !isSuccess(r))
      .map(({ i, r }) => `batch ${i}: ${r.error?.message} after ${r.ms} ms`);
    assert.deepEqual(failed, [], `every export succeeded with retries; bridge:\n${problems(bridge)}`);
    assert.equal(stored.rows.length, spans.length, 'one row per span sent');
    assert.deepEqual(spans.map(key).filter((k) => !have.has(k)).length, 0);
    assert.deepEqual(await inconsistentTraces(tdb.db), []);
  });
});
