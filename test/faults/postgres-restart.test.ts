/**
 * Postgres stops in the middle of a load (pg_ctl stop -m fast) and comes back 2.5 s later, while the bridge (the
 * real CLI as a process) keeps running: during the outage every export is answered 503 with Retry-After (HTTP,
 * both encodings) or UNAVAILABLE with google.rpc.RetryInfo (gRPC) and /readyz says 503; the bridge recovers by
 * itself; and clients that retry as OTel exporters do lose nothing — the exact span counts are stored.
 *
 * An immediate stop is not used: the throwaway server runs with synchronous_commit=off (test/support/pg-server.mjs),
 * so an immediate stop may legitimately drop transactions committed in the last few hundred ms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import type { Database } from '../../store/db.js';
import { connectPostgres } from '../../store/postgres.js';
import { hexId, jsonRequest, protobufRequest } from '../support/otlp.js';
import type { TestPostgres } from '../support/pg-server.mjs';
import { freePort, startPostgres } from '../support/pg-server.mjs';
import type { BridgeProcess } from '../support/process.js';
import { isRunning, problems, startBridgeProcess, stopProcess } from './support/bridge-process.js';
import { flatTrace, inconsistentTraces, spanCounts } from './support/load.js';
import {
  type Attempt,
  deliverGrpc,
  deliverHttp,
  errorCode,
  grpcClient,
  httpRequest,
  JSON_CT,
  PB,
  sleep,
  waitUntil,
} from './support/net.js';

let pg: TestPostgres;
let bridge: BridgeProcess | null = null;
let db: Database | null = null;

before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await stopProcess(bridge);
  await db?.close();
  pg?.destroy();
});

const SPANS = 50;
type Transport = 'http-protobuf' | 'http-json' | 'grpc';

describe('Postgres restart under load', () => {
  it('503 / UNAVAILABLE with a retry delay while it is down, recovery without a bridge restart, nothing lost', async (t) => {
    const ports = { httpPort: await freePort(), grpcPort: await freePort() };
    bridge = await startBridgeProcess(pg.url, ports, { TRACEBRIDGE_RETRY_AFTER_MS: '1000' });
    const b = bridge;

    interface Req {
      transport: Transport;
      traceId: string;
      startedAt: number;
      outcome?: number | string;
    }
    const requests: Req[] = [];
    const attempts: Attempt[] = [];
    let done = false;
    let aborted = false;
    const abort = () => aborted;
    const clients: grpc.Client[] = [];
    const worker = async (transport: Transport) => {
      const client = transport === 'grpc' ? grpcClient(ports.grpcPort) : null;
      if (client) clients.push(client);
      const hardStop = Date.now() + 60_000;
      while (!done && Date.now() < hardStop) {
        const traceId = hexId(16);
        const groups = [
          {
            resource: { 'service.name': `pg-restart-${transport}` },
            spans: flatTrace(
              traceId,
              Array.from({ length: SPANS }, () => hexId(8)),
            ),
          },
        ];
        const req: Req = { transport, traceId, startedAt: Date.now() };
        requests.push(req);
        const deadline = Date.now() + 40_000;
        req.outcome =
          transport === 'grpc'
            ? await deliverGrpc(client!, protobufRequest(groups), attempts, deadline, undefined, abort)
            : transport === 'http-json'
              ? await deliverHttp(
                  ports.httpPort,
                  JSON.stringify(jsonRequest(groups)),
                  JSON_CT,
                  attempts,
                  deadline,
                  undefined,
                  abort,
                )
              : await deliverHttp(
                  ports.httpPort,
                  protobufRequest(groups),
                  PB,
                  attempts,
                  deadline,
                  undefined,
                  abort,
                );
        await sleep(20);
      }
    };
    const transports: Transport[] = ['http-protobuf', 'http-json', 'grpc'];
    const workers = transports.flatMap((tr) => [worker(tr), worker(tr), worker(tr), worker(tr)]);

    const succeeded = () => requests.filter((r) => r.outcome === 200 || r.outcome === 'OK').length;
    let stoppedAt = 0;
    let downAt = 0;
    let upAt = 0;
    let recoveredMs = 0;
    const readyWhileDown: (number | string)[] = [];
    try {
      await waitUntil(() => succeeded() >= 30, 20_000, 'a steady load before the outage');

      stoppedAt = Date.now();
      pg.stop();
      downAt = Date.now();
      // While it is down: /readyz must say so.
      while (Date.now() - downAt < 2500) {
        readyWhileDown.push(
          await httpRequest(ports.httpPort, 'GET', '/readyz', undefined, {}, { timeoutMs: 10_000 }).then(
            (r) => r.status,
            errorCode,
          ),
        );
        await sleep(250);
      }
      pg.start();
      upAt = Date.now();

      // Recovery, without touching the bridge: a request started after Postgres is back succeeds.
      await waitUntil(
        () =>
          !isRunning(b) ||
          requests.some((r) => r.startedAt > upAt && (r.outcome === 200 || r.outcome === 'OK')),
        15_000,
        'a request started after Postgres came back to succeed',
      );
      assert.ok(isRunning(b), 'the bridge process must survive a Postgres restart');
      recoveredMs = Date.now() - upAt;
      await sleep(1000);
    } catch (err) {
      aborted = true;
      (err as Error).message +=
        `\nbridge running: ${isRunning(b)}; /readyz while down: ${readyWhileDown.join(',')}; ` +
        `attempts: ${JSON.stringify(tally(attempts))}\nbridge warnings and errors:\n${problems(b)}`;
      throw err;
    } finally {
      done = true;
      await Promise.all(workers);
      for (const c of clients) c.close();
    }

    t.diagnostic(
      `pg stop took ${downAt - stoppedAt} ms; recovered ${recoveredMs} ms after start; ${requests.length} requests, ` +
        `${attempts.length} attempts: ${JSON.stringify(tally(attempts))}`,
    );
    assert.ok(isRunning(b), `the bridge kept running:\n${problems(b)}`);

    // What exporters saw during the outage.
    const httpAttempts = attempts.filter((a) => a.transport !== 'grpc');
    const grpcAttempts = attempts.filter((a) => a.transport === 'grpc');
    assert.deepEqual(
      [...new Set(httpAttempts.map((a) => a.outcome))].filter((o) => o !== 200 && o !== 503),
      [],
      'HTTP answers are 200 or 503 only (no 500, no dropped connection)',
    );
    assert.deepEqual(
      [...new Set(grpcAttempts.map((a) => a.outcome))].filter((o) => o !== 'OK' && o !== 'UNAVAILABLE'),
      [],
      'gRPC answers are OK or UNAVAILABLE only',
    );
    for (const tr of ['http-protobuf', 'http-json'] as const) {
      const refused = httpAttempts.filter((a) => a.transport === tr && a.outcome === 503);
      assert.ok(refused.length > 0, `${tr}: saw 503 while Postgres was down`);
      for (const a of refused) assert.equal(a.retryAfter, '1', `${tr}: 503 carries Retry-After: 1`);
    }
    const unavailable = grpcAttempts.filter((a) => a.outcome === 'UNAVAILABLE');
    assert.ok(unavailable.length > 0, 'gRPC: saw UNAVAILABLE while Postgres was down');
    for (const a of unavailable) assert.equal(a.retryInfoMs, 1000, 'UNAVAILABLE carries RetryInfo of 1 s');
    assert.ok(readyWhileDown.includes(503), `/readyz said 503 while down: ${readyWhileDown.join(',')}`);

    // Nothing lost: every request was finally acknowledged, and exactly its spans are stored.
    const unacked = requests.filter((r) => r.outcome !== 200 && r.outcome !== 'OK');
    assert.deepEqual(
      unacked.map((r) => `${r.transport} ${r.traceId}: ${r.outcome}`),
      [],
      'every request is acknowledged after retries',
    );
    db = connectPostgres({ connectionString: pg.url, max: 2, onIdleError: () => {} });
    const counts = await spanCounts(
      db,
      requests.map((r) => r.traceId),
    );
    const wrong = requests.filter((r) => counts.get(r.traceId) !== SPANS);
    assert.deepEqual(
      wrong.map((r) => `${r.transport} ${r.traceId}: ${counts.get(r.traceId)}`),
      [],
    );
    const total = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM spans');
    assert.equal(total.rows[0]!.n, requests.length * SPANS, 'exact span count');
    assert.deepEqual(await inconsistentTraces(db), [], 'traces rows agree with their spans');
    const ready = await httpRequest(ports.httpPort, 'GET', '/readyz', undefined, {});
    assert.equal(ready.status, 200);
  });
});

function tally(attempts: Attempt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of attempts) {
    const k = `${a.transport}:${a.outcome}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
