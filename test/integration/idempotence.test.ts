/**
 * Exporter retries and split delivery: the same spans sent twice, and a trace split across requests with the
 * root last, give identical rows with no duplicates, the right state, counts and token totals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest, type TestSpan } from '../support/otlp.js';

let tdb: TestDatabase;
let bridge: RunningBridge;
before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url });
});
after(async () => {
  await bridge.stop();
  await tdb.drop();
});

/** root AGENT → two CHAT spans with usage → one failing TOOL span. */
function agentTrace(): { traceId: string; root: TestSpan; children: TestSpan[] } {
  const traceId = hexId(16);
  const rootId = hexId(8);
  const base = 1_700_000_000_000_000_000n;
  const chat = (i: number): TestSpan => ({
    traceId,
    spanId: hexId(8),
    parentSpanId: rootId,
    name: `chat ${i}`,
    start: base + BigInt(i) * 1_000_000n,
    end: base + BigInt(i) * 1_000_000n + 500_000n,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'qwen-plus-latest',
      'gen_ai.usage.input_tokens': 100 + i,
      'gen_ai.usage.output_tokens': 10 + i,
    },
  });
  const children = [
    chat(1),
    chat(2),
    {
      traceId,
      spanId: hexId(8),
      parentSpanId: rootId,
      name: 'execute_tool search',
      start: base + 3_000_000n,
      end: base + 4_000_000n,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
      status: { code: 2, message: 'timeout' },
    } satisfies TestSpan,
  ];
  const root: TestSpan = {
    traceId,
    spanId: rootId,
    name: 'invoke_agent planner',
    start: base,
    end: base + 9_000_000n,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      // The agent reports the aggregate usage of its two chat calls: it must not be counted again.
      'gen_ai.usage.input_tokens': 203,
      'gen_ai.usage.output_tokens': 23,
    },
    status: { code: 1 },
  };
  return { traceId, root, children };
}

async function send(spans: TestSpan[]): Promise<void> {
  const res = await postOtlp(
    bridge.httpPort,
    '/v1/traces',
    protobufRequest([{ resource: { 'service.name': 'idem' }, spans }]),
    {
      'content-type': 'application/x-protobuf',
    },
  );
  assert.equal(res.status, 200);
}

async function snapshot(traceId: string) {
  const spans = await tdb.db.query('SELECT * FROM spans WHERE trace_id = $1 ORDER BY span_id', [traceId]);
  const trace = await tdb.db.query('SELECT * FROM traces WHERE trace_id = $1', [traceId]);
  const strip = ({ ingested_at, created_at, updated_at, ...rest }: Record<string, unknown>) => rest;
  return { spans: spans.rows.map(strip), trace: trace.rows.map(strip) };
}

describe('idempotent, order-independent writes', () => {
  it('the same spans sent twice give the same rows, once', async () => {
    const { traceId, root, children } = agentTrace();
    await send([root, ...children]);
    const first = await snapshot(traceId);
    await send([root, ...children]);
    const second = await snapshot(traceId);
    assert.equal(second.spans.length, 4);
    assert.deepEqual(second, first);
    const t = second.trace[0] as Record<string, unknown>;
    assert.equal(t.span_count, 4);
    assert.equal(t.error_count, 1);
    assert.equal(t.input_tokens, '203');
    assert.equal(t.output_tokens, '23');
    assert.equal(t.total_tokens, '226');
  });

  it('split across requests with the root last: IN_PROGRESS until the root arrives, then final', async () => {
    const { traceId, root, children } = agentTrace();
    await send([children[0]!]);
    let t = (await snapshot(traceId)).trace[0] as Record<string, unknown>;
    assert.equal(t.state, 'IN_PROGRESS');
    assert.equal(t.span_count, 1);
    assert.equal(t.root_span_id, null);
    assert.equal(t.input_tokens, '101');

    await send([children[1]!, children[2]!]);
    await send([children[1]!]); // a retry of an already stored span
    t = (await snapshot(traceId)).trace[0] as Record<string, unknown>;
    assert.equal(t.state, 'IN_PROGRESS');
    assert.equal(t.span_count, 3);
    assert.equal(t.error_count, 1);
    assert.equal(t.input_tokens, '203');

    await send([root]);
    const final = await snapshot(traceId);
    t = final.trace[0] as Record<string, unknown>;
    assert.equal(t.state, 'OK');
    assert.equal(t.root_span_id, root.spanId);
    assert.equal(t.name, 'invoke_agent planner');
    assert.equal(t.span_count, 4);
    assert.equal(t.error_count, 1);
    assert.equal(t.input_tokens, '203');
    assert.equal(t.output_tokens, '23');
    assert.equal(t.start_time_unix_nano, root.start.toString());
    assert.equal(t.end_time_unix_nano, root.end.toString());

    // The same trace delivered in one request elsewhere gives the same trace row.
    const other = agentTrace();
    await send([other.root, ...other.children]);
    const together = (await snapshot(other.traceId)).trace[0] as Record<string, unknown>;
    for (const key of [
      'state',
      'span_count',
      'error_count',
      'input_tokens',
      'output_tokens',
      'total_tokens',
      'duration_ms',
    ]) {
      assert.deepEqual(t[key], together[key], key);
    }
  });

  it('a root that ends in error makes the trace ERROR', async () => {
    const { traceId, root, children } = agentTrace();
    await send([...children, { ...root, status: { code: 2, message: 'agent failed' } }]);
    const t = (await snapshot(traceId)).trace[0] as Record<string, unknown>;
    assert.equal(t.state, 'ERROR');
    assert.equal(t.error_count, 2);
  });
});
