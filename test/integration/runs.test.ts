/**
 * Runs (traces joined by span links) and derived tool-call content, through the real bridge: a link before or
 * after the trace it names, a late link joining two runs, a link across experiments, a re-sent span that drops its
 * link, retention; tool spans filled from chat messages whichever arrives first, never over sent values.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { loadMigrations, migrate } from '../../store/migrate.js';
import { deleteExpiredBatch } from '../../store/retention.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest, type TestAttr, type TestSpan } from '../support/otlp.js';

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

const BASE = 1_700_000_000_000_000_000n;

async function send(spans: TestSpan[], service = 'runs'): Promise<void> {
  const res = await postOtlp(
    bridge.httpPort,
    '/v1/traces',
    protobufRequest([{ resource: { 'service.name': service }, spans }]),
    { 'content-type': 'application/x-protobuf' },
  );
  assert.equal(res.status, 200, res.body.toString());
}

/** A one-span trace; `link` names a span of another trace. */
function root(
  traceId: string,
  opts: { link?: [string, string]; at?: number; attrs?: Record<string, TestAttr>; status?: 0 | 1 | 2 } = {},
): TestSpan {
  const start = BASE + BigInt(opts.at ?? 0) * 1_000_000n;
  return {
    traceId,
    spanId: `${traceId.slice(0, 15)}1`,
    name: `trace ${traceId.slice(0, 4)}`,
    start,
    end: start + 500_000n,
    attributes: opts.attrs ?? {},
    ...(opts.status ? { status: { code: opts.status } } : {}),
    ...(opts.link ? { links: [{ traceId: opts.link[0], spanId: opts.link[1] }] } : {}),
  };
}
const spanOf = (traceId: string): string => `${traceId.slice(0, 15)}1`;

/** Trace ids with a chosen order: `ordered(3)` gives three ids, ascending. */
function ordered(n: number): string[] {
  return Array.from({ length: n }, () => hexId(16)).sort();
}

async function runIds(ids: string[]): Promise<string[]> {
  const r = await tdb.db.query<{ trace_id: string; run_id: string }>(
    'SELECT trace_id, run_id FROM traces WHERE trace_id = ANY($1)',
    [ids],
  );
  const byId = new Map(r.rows.map((x) => [x.trace_id, x.run_id]));
  return ids.map((id) => byId.get(id) ?? 'missing');
}

describe('runs', () => {
  it('a trace linked to nothing is a run of one', async () => {
    const [a] = ordered(1);
    await send([root(a!)]);
    assert.deepEqual(await runIds([a!]), [a]);
    const run = await tdb.db.query('SELECT trace_count::int AS n, run_id FROM runs WHERE run_id = $1', [a]);
    assert.deepEqual(run.rows, [{ n: 1, run_id: a }]);
  });

  it('a link joins two traces whichever arrives first; the run is named by its smallest trace id', async () => {
    const [a, b] = ordered(2);
    // The link (in a) arrives before the trace it names (b).
    await send([root(a!, { link: [b!, spanOf(b!)] })]);
    assert.deepEqual(await runIds([a!]), [a]);
    await send([root(b!, { at: 1 })]);
    assert.deepEqual(await runIds([a!, b!]), [a, a]);

    const [c, d] = ordered(2);
    // The named trace (c) first, then the larger-id trace linking to it.
    await send([root(c!)]);
    await send([root(d!, { link: [c!, spanOf(c!)], at: 1 })]);
    assert.deepEqual(await runIds([c!, d!]), [c, c]);
  });

  it('a late link joins two runs into one; dropping it (span re-sent without it) splits them again', async () => {
    const [a, b, c, d] = ordered(4);
    await send([root(a!), root(b!, { link: [a!, spanOf(a!)], at: 1 })]);
    await send([root(c!, { at: 2 }), root(d!, { link: [c!, spanOf(c!)], at: 3 })]);
    assert.deepEqual(await runIds([a!, b!, c!, d!]), [a, a, c, c]);
    // d is re-sent with a second link, to b: both runs become one.
    const joined = root(d!, { at: 3 });
    joined.links = [
      { traceId: c!, spanId: spanOf(c!) },
      { traceId: b!, spanId: spanOf(b!) },
    ];
    await send([joined]);
    assert.deepEqual(await runIds([a!, b!, c!, d!]), [a, a, a, a]);
    const run = await tdb.db.query<Record<string, unknown>>(
      'SELECT trace_count::int AS traces, span_count::int AS spans, first_trace_id, name FROM runs WHERE run_id = $1',
      [a],
    );
    assert.deepEqual(run.rows, [{ traces: 4, spans: 4, first_trace_id: a, name: `trace ${a!.slice(0, 4)}` }]);
    // The same span again without the second link: the link is gone, so are the joined runs.
    await send([root(d!, { link: [c!, spanOf(c!)], at: 3 })]);
    assert.deepEqual(await runIds([a!, b!, c!, d!]), [a, a, c, c]);
  });

  it('a link to a trace of another experiment is kept on the span but joins nothing', async () => {
    const [a, b] = ordered(2);
    await send([root(a!)], 'runs-elsewhere');
    await send([root(b!, { link: [a!, spanOf(a!)] })]);
    assert.deepEqual(await runIds([a!, b!]), [a, b]);
    const links = await tdb.db.query('SELECT linked_trace_id FROM trace_links WHERE trace_id = $1', [b]);
    assert.deepEqual(links.rows, [{ linked_trace_id: a }]);
  });

  it('runs view: totals, failed spans, state, the first request and the last response', async () => {
    const [a, b] = ordered(2);
    const chat = (traceId: string, at: number, question: string, answer: string): TestSpan => ({
      ...root(traceId, { at }),
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'qwen-plus-latest',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 3,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: question }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'text', content: answer }] },
        ]),
      },
    });
    const failing: TestSpan = {
      traceId: b!,
      spanId: hexId(8),
      parentSpanId: spanOf(b!),
      name: 'execute_tool search',
      start: BASE + 5_100_000n,
      end: BASE + 5_200_000n,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
      status: { code: 2, message: 'timeout' },
    };
    const second = { ...chat(b!, 5, 'go on', 'done'), links: [{ traceId: a!, spanId: spanOf(a!) }] };
    await send([chat(a!, 0, 'the task', 'first'), second, failing]);
    const run = await tdb.db.query<Record<string, unknown>>(
      `SELECT trace_count::int, span_count::int, error_count::int, failed_trace_count::int, input_tokens::int,
         output_tokens::int, total_tokens::int, request_preview, response_preview, state, duration_ms
       FROM runs WHERE run_id = $1`,
      [a],
    );
    assert.deepEqual(run.rows, [
      {
        trace_count: 2,
        span_count: 3,
        error_count: 1,
        failed_trace_count: 1,
        input_tokens: 20,
        output_tokens: 6,
        total_tokens: 26,
        request_preview: 'the task',
        response_preview: 'done',
        state: 'OK',
        duration_ms: 5.5,
      },
    ]);
  });

  it('retention: a run that loses its first trace is renamed by the smallest trace id left', async () => {
    const [a, b, c] = ordered(3);
    await send([root(a!), root(b!, { link: [a!, spanOf(a!)] }), root(c!, { link: [b!, spanOf(b!)] })]);
    assert.deepEqual(await runIds([a!, b!, c!]), [a, a, a]);
    // The test traces start in 2023: only a, moved 20 years back, is older than 10 years.
    await tdb.db.query(`UPDATE traces SET start_time = now() - interval '20 years' WHERE trace_id = $1`, [a]);
    assert.equal(await deleteExpiredBatch(tdb.db, 3650), 1);
    assert.deepEqual(await runIds([a!, b!, c!]), ['missing', b, b]);
  });
});

describe('tool spans without arguments or result', () => {
  const toolCall = (traceId: string, callId: string): TestSpan => ({
    traceId,
    spanId: hexId(8),
    parentSpanId: spanOf(traceId),
    name: 'execute_tool search_web',
    start: BASE + 2_000_000n,
    end: BASE + 3_000_000n,
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search_web',
      'gen_ai.tool.call.id': callId,
    },
  });
  const asking = (traceId: string, callId: string): TestSpan => ({
    traceId,
    spanId: hexId(8),
    parentSpanId: spanOf(traceId),
    name: 'chat',
    start: BASE + 1_000_000n,
    end: BASE + 1_500_000n,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'qwen-plus-latest',
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: callId, name: 'search_web', arguments: { query: 'qwen3' } }],
        },
      ]),
    },
  });
  const answering = (traceId: string, callId: string): TestSpan => ({
    traceId,
    spanId: hexId(8),
    parentSpanId: spanOf(traceId),
    name: 'chat',
    start: BASE + 4_000_000n,
    end: BASE + 4_500_000n,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'qwen-plus-latest',
      'gen_ai.input.messages': JSON.stringify([
        { role: 'tool', parts: [{ type: 'tool_call_response', id: callId, response: 'Qwen3 is out' }] },
      ]),
    },
  });

  async function tool(traceId: string) {
    const r = await tdb.db.query<Record<string, unknown>>(
      `SELECT arguments, result, s.derived FROM tool_calls t JOIN spans s USING (trace_id, span_id)
       WHERE t.trace_id = $1`,
      [traceId],
    );
    return r.rows[0];
  }

  for (const order of ['tool span first', 'messages first', 'together']) {
    it(`get them from the chat messages with the same tool_call_id (${order})`, async () => {
      const traceId = hexId(16);
      const parts = [[root(traceId)], [toolCall(traceId, 'call_9')], [asking(traceId, 'call_9')]];
      parts.push([answering(traceId, 'call_9')]);
      if (order === 'tool span first') for (const p of parts) await send(p);
      else if (order === 'messages first') for (const p of parts.reverse()) await send(p);
      else await send(parts.flat());
      const row = await tool(traceId);
      assert.ok(row);
      assert.deepEqual(row.arguments, { query: 'qwen3' });
      assert.equal(row.result, 'Qwen3 is out');
      const derived = row.derived as Record<string, { source: string }>;
      assert.equal(derived.inputs?.source, 'tool_call');
      assert.equal(derived.outputs?.source, 'tool_message');
    });
  }

  it('never replace what the client sent, and mark only what they filled', async () => {
    const traceId = hexId(16);
    const sent = toolCall(traceId, 'call_3');
    sent.attributes!['gen_ai.tool.call.arguments'] = '{"query":"as sent"}';
    await send([root(traceId), sent, asking(traceId, 'call_3'), answering(traceId, 'call_3')]);
    const row = await tool(traceId);
    assert.deepEqual(row?.arguments, { query: 'as sent' });
    assert.equal(row?.result, 'Qwen3 is out');
    assert.deepEqual(Object.keys(row?.derived as object), ['outputs']);
  });

  it('a tool call with no matching messages stays empty and unmarked', async () => {
    const traceId = hexId(16);
    await send([root(traceId), toolCall(traceId, 'call_1'), asking(traceId, 'call_2')]);
    const row = await tool(traceId);
    assert.deepEqual([row?.arguments, row?.result, row?.derived], [null, null, null]);
  });
});

describe('migration 007 on a database with links already stored', () => {
  it('labels every connected set of stored traces with its smallest trace id, within one experiment', async () => {
    const old = await freshDatabase({ migrated: false });
    try {
      await migrate(
        old.db,
        loadMigrations().filter((m) => m.version < 7),
      );
      await old.db.query(`INSERT INTO experiments (experiment_id, name) VALUES (1, 'other')`);
      const [a, b, c, d, e, f] = ordered(6);
      // b → a, c → b, d → c (a chain), e → d in another experiment, f alone.
      const traces: [string, number, string | null][] = [
        [a!, 0, null],
        [b!, 0, a!],
        [c!, 0, b!],
        [d!, 0, c!],
        [e!, 1, d!],
        [f!, 0, null],
      ];
      for (const [id, experiment, linked] of traces) {
        await old.db.query(
          `INSERT INTO traces (trace_id, experiment_id, state, span_count, error_count) VALUES ($1, $2, 'OK', 1, 0)`,
          [id, experiment],
        );
        const links = linked ? [{ trace_id: linked, span_id: spanOf(linked), attributes: {} }] : [];
        await old.db.query(
          `INSERT INTO spans (trace_id, span_id, experiment_id, name, span_type, kind, status, start_time, end_time,
             start_time_unix_nano, end_time_unix_nano, duration_ms, attributes, events, links, resource_attributes,
             scope_attributes, flags, dropped_attributes_count, dropped_events_count, dropped_links_count,
             conventions, mapper_version)
           VALUES ($1, $2, $3, 'x', 'UNKNOWN', 'INTERNAL', 'UNSET', now(), now(), 0, 0, 0, '{}', '[]', $4, '{}', '{}',
             0, 0, 0, 0, '{}', 3)`,
          [id, spanOf(id), experiment, JSON.stringify(links)],
        );
      }
      await migrate(old.db);
      const r = await old.db.query<{ trace_id: string; run_id: string }>(
        'SELECT trace_id, run_id FROM traces ORDER BY trace_id',
      );
      assert.deepEqual(
        r.rows.map((x) => x.run_id),
        [a, a, a, a, e, f],
      );
      const links = await old.db.query('SELECT count(*)::int AS n FROM trace_links');
      assert.deepEqual(links.rows, [{ n: 4 }]);
    } finally {
      await old.drop();
    }
  });
});
