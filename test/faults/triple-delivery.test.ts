/**
 * Every span of a realistic multi-trace agent load delivered three times — once over HTTP protobuf, once over HTTP
 * JSON, once over gRPC, each copy shuffled and cut into different random chunks, all requests in flight
 * concurrently — must give exactly the rows of a single in-order delivery: one row per span, and trace totals
 * (span_count, error_count, tokens, state, previews, tags…) equal to a single delivery's and to the totals the
 * load was built with.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { jsonRequest, protobufRequest, type TestSpan } from '../support/otlp.js';
import {
  type AgentTrace,
  agentTrace,
  randomChunks,
  seededRandom,
  shuffle,
  spanCounts,
} from './support/load.js';
import { grpcClient, grpcExport, httpRequest, JSON_CT, PB } from './support/net.js';

const SEED = Number(process.env.FAULTS_SEED ?? 20_240_505);
const TRACES = 100;
const RESOURCE = { 'service.name': 'triple-delivery', 'deployment.environment': 'test' };

let once: { tdb: TestDatabase; bridge: RunningBridge };
let thrice: { tdb: TestDatabase; bridge: RunningBridge };

before(async () => {
  const a = await freshDatabase();
  once = { tdb: a, bridge: await startTestBridge({ databaseUrl: a.url }) };
  const b = await freshDatabase();
  thrice = { tdb: b, bridge: await startTestBridge({ databaseUrl: b.url }) };
});
after(async () => {
  for (const x of [once, thrice]) {
    await x?.bridge.stop();
    await x?.tdb.drop();
  }
});

/** Runs thunks with at most `limit` in flight. */
async function pool<T>(limit: number, thunks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(thunks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < thunks.length) {
        const i = next++;
        out[i] = await thunks[i]!();
      }
    }),
  );
  return out;
}

async function rows(tdb: TestDatabase, table: 'traces' | 'spans') {
  const order = table === 'traces' ? 'trace_id' : 'trace_id, span_id';
  const r = await tdb.db.query<Record<string, unknown>>(
    `SELECT x.*, e.name AS experiment FROM ${table} x JOIN experiments e USING (experiment_id) ORDER BY ${order}`,
  );
  return r.rows.map((row) => {
    const { created_at, updated_at, ingested_at, experiment_id, ...rest } = row;
    return rest;
  });
}

describe(`triple delivery (seed ${SEED})`, () => {
  it('three copies over protobuf, JSON and gRPC, concurrent and re-chunked = one delivery', async (t) => {
    const rand = seededRandom(SEED);
    const traces: AgentTrace[] = Array.from({ length: TRACES }, (_, i) => agentTrace(rand, i));
    const all: TestSpan[] = traces.flatMap((tr) => tr.spans);
    t.diagnostic(`${traces.length} traces, ${all.length} spans`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const client = grpcClient(thrice.bridge.grpcPort);
    try {
      // The reference: one protobuf request per trace, in order.
      for (const tr of traces) {
        const r = await httpRequest(
          once.bridge.httpPort,
          'POST',
          '/v1/traces',
          protobufRequest([{ resource: RESOURCE, spans: tr.spans }]),
          PB,
          { agent },
        );
        assert.equal(r.status, 200);
      }

      // Three copies, each shuffled and chunked its own way, all requests interleaved.
      type Send = () => Promise<string>;
      const sends: Send[] = [];
      for (const chunk of randomChunks(rand, shuffle(rand, all), 15)) {
        const body = protobufRequest([{ resource: RESOURCE, spans: chunk }]);
        sends.push(() =>
          httpRequest(thrice.bridge.httpPort, 'POST', '/v1/traces', body, PB, { agent }).then(
            (r) => `http-protobuf ${r.status}`,
          ),
        );
      }
      for (const chunk of randomChunks(rand, shuffle(rand, all), 15)) {
        const body = JSON.stringify(jsonRequest([{ resource: RESOURCE, spans: chunk }]));
        sends.push(() =>
          httpRequest(thrice.bridge.httpPort, 'POST', '/v1/traces', body, JSON_CT, { agent }).then(
            (r) => `http-json ${r.status}`,
          ),
        );
      }
      for (const chunk of randomChunks(rand, shuffle(rand, all), 15)) {
        const body = protobufRequest([{ resource: RESOURCE, spans: chunk }]);
        sends.push(() => grpcExport(client, body).then(({ error }) => `grpc ${error ? error.code : 'OK'}`));
      }
      const answers = await pool(8, shuffle(rand, sends));
      t.diagnostic(`${answers.length} requests for ${all.length * 3} span copies`);
      assert.deepEqual(
        answers.filter((a) => !/ (200|OK)$/.test(a)),
        [],
        'every request is accepted',
      );
    } finally {
      agent.destroy();
      client.close();
    }

    // Exact row counts: one row per distinct span, per trace and in total.
    const traceIds = traces.map((tr) => tr.traceId);
    const counts = await spanCounts(thrice.tdb.db, traceIds);
    for (const tr of traces) assert.equal(counts.get(tr.traceId), tr.spans.length, tr.traceId);
    const total = await thrice.tdb.db.query<{ spans: number; traces: number }>(
      'SELECT (SELECT count(*)::int FROM spans) AS spans, (SELECT count(*)::int FROM traces) AS traces',
    );
    assert.deepEqual(total.rows[0], { spans: all.length, traces: TRACES });

    // Trace totals as the load was built, in both databases.
    for (const tdb of [once.tdb, thrice.tdb]) {
      const r = await tdb.db.query<Record<string, unknown>>(
        `SELECT trace_id, span_count, error_count, input_tokens::int, output_tokens::int, total_tokens::int, tags
         FROM traces ORDER BY trace_id`,
      );
      const byId = new Map(r.rows.map((row) => [row.trace_id as string, row]));
      for (const tr of traces) {
        const row = byId.get(tr.traceId);
        assert.ok(row, `trace ${tr.traceId} has a row`);
        assert.deepEqual(
          {
            span_count: row.span_count,
            error_count: row.error_count,
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            total_tokens: row.total_tokens,
          },
          tr.expected,
          `totals of ${tr.traceId}`,
        );
        const tags = row.tags as Record<string, unknown>;
        assert.equal(tags.suite, 'faults');
        assert.match(String(tags.run), /^run-\d+$/);
      }
    }

    // And every column equal to the single delivery's (timestamps of the write itself aside).
    assert.deepEqual(await rows(thrice.tdb, 'traces'), await rows(once.tdb, 'traces'));
    assert.deepEqual(await rows(thrice.tdb, 'spans'), await rows(once.tdb, 'spans'));
  });
});
