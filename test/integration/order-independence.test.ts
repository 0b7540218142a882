/**
 * Property: for random traces (random trees, a random mix of conventions, GenAI events sent as OTLP logs for some
 * spans, random span links between the traces — to traces that exist or not, in the same experiment or another —,
 * tool spans whose arguments and result come from chat spans), any permutation, chunking and duplication of
 * delivery — spans and log events interleaved, chunks sent concurrently and through two bridges at once — yields
 * exactly the rows that one in-order delivery yields, in `spans` (derived tool content included), `traces` (run_id
 * included) and `trace_links`; and the run ids are the ones computed from the link graph.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RunningBridge } from '../../cli/bridge.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { protobufRequest, type TestAttr, type TestSpan } from '../support/otlp.js';

let tdb: TestDatabase;
let bridges: RunningBridge[];
before(async () => {
  tdb = await freshDatabase();
  bridges = [
    await startTestBridge({ databaseUrl: tdb.url }),
    await startTestBridge({ databaseUrl: tdb.url }),
  ];
});
after(async () => {
  for (const b of bridges) await b.stop();
  await tdb.drop();
});

const CONVENTION_ATTRS: Record<string, TestAttr>[] = [
  {},
  {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'qwen-plus-latest',
    'gen_ai.usage.input_tokens': 30,
    'gen_ai.usage.output_tokens': 7,
    'gen_ai.input.messages': JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: 'hi there' }] },
    ]),
    'gen_ai.output.messages': JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: 'hello!' }] },
    ]),
  },
  {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'search',
    'gen_ai.tool.call.arguments': '{"q":"x"}',
  },
  {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'planner',
    'gen_ai.usage.input_tokens': 60,
  },
  {
    'mlflow.spanType': '"CHAIN"',
    'mlflow.spanInputs': '{"question": "why?"}',
    'mlflow.spanOutputs': '"because"',
    'mlflow.traceTag.team': 'blue',
  },
  {
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o',
    'llm.token_count.prompt': 11,
    'llm.token_count.completion': 5,
    'input.value': 'ping',
    'session.id': 'sess-1',
  },
  { 'traceloop.span.kind': 'workflow', 'traceloop.entity.name': 'wf', 'gen_ai.usage.prompt_tokens': 9 },
  // A tool span with only its name and call id, and chat spans carrying that call: its arguments and result are
  // derived from them, whichever arrives first.
  { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': 'call_7' },
  {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'qwen-plus-latest',
    'gen_ai.output.messages': JSON.stringify([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_7', name: 'search', arguments: { q: 'x' } }],
      },
    ]),
  },
  {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'qwen-plus-latest',
    'gen_ai.input.messages': JSON.stringify([
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_7', response: 'found it' }] },
    ]),
  },
];

interface GenSpan {
  parent: number; // index of the parent in the trace's span list, -1 for the root
  conv: number;
  start: number;
  dur: number;
  status: 0 | 1 | 2;
  /** GenAI user-message events sent as logs for this span. */
  logs: number;
  /** Links to spans of other traces of the case: [trace index, span index]; either may not exist. */
  links: [number, number][];
}

/** Trace-level choices: the experiment its spans are sent under. */
interface GenTrace {
  experiment: number;
  spans: GenSpan[];
}

const genTrace = fc
  .array(
    fc.record({
      parent: fc.nat(),
      conv: fc.nat({ max: CONVENTION_ATTRS.length - 1 }),
      start: fc.nat({ max: 1_000_000 }),
      dur: fc.nat({ max: 1_000_000 }),
      status: fc.constantFrom(0 as const, 1 as const, 2 as const),
      logs: fc.nat({ max: 2 }),
      links: fc.array(fc.tuple(fc.nat({ max: 5 }), fc.nat({ max: 6 })), { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 7 },
  )
  .map((spans): GenSpan[] => spans.map((s, i) => ({ ...s, parent: i === 0 ? -1 : s.parent % i })));

// Mostly one experiment, sometimes a second: a link across experiments joins nothing.
const genTraceWithExperiment = fc.record({
  experiment: fc.constantFrom(0, 0, 0, 1),
  spans: genTrace,
});

const genCase = fc.record({
  traces: fc.array(genTraceWithExperiment, { minLength: 1, maxLength: 5 }),
  seed: fc.integer(),
  chunks: fc.integer({ min: 1, max: 5 }),
  duplicates: fc.nat({ max: 4 }),
  concurrent: fc.boolean(),
});

let caseNo = 0;

interface TestLog {
  traceId: string;
  spanId: string;
  time: bigint;
  text: string;
}

const traceIdOf = (prefix: string, caseId: number, t: number) =>
  `${prefix}${caseId.toString(16).padStart(6, '0')}${t.toString(16).padStart(24, '0')}`;

function buildLogs(traces: GenTrace[], prefix: string, caseId: number): TestLog[] {
  const out: TestLog[] = [];
  traces.forEach(({ spans }, t) => {
    spans.forEach((s, i) => {
      for (let k = 0; k < s.logs; k++) {
        out.push({
          traceId: traceIdOf(prefix, caseId, t),
          spanId: `${(i + 1).toString(16).padStart(16, '0')}`,
          time: 1_700_000_000_000_000_000n + BigInt(s.start + k),
          text: `question ${t}.${i}.${k}`,
        });
      }
    });
  });
  return out;
}

function logsRequest(logs: TestLog[]): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'prop' } }] },
        scopeLogs: [
          {
            logRecords: logs.map((l) => ({
              timeUnixNano: l.time.toString(),
              observedTimeUnixNano: l.time.toString(),
              eventName: 'gen_ai.user.message',
              traceId: l.traceId,
              spanId: l.spanId,
              body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: l.text } }] } },
            })),
          },
        ],
      },
    ],
  });
}

interface SentSpan extends TestSpan {
  experiment: number;
}

function buildSpans(traces: GenTrace[], prefix: string, caseId: number): SentSpan[] {
  const out: SentSpan[] = [];
  traces.forEach(({ spans, experiment }, t) => {
    const traceId = traceIdOf(prefix, caseId, t);
    const spanId = (i: number) => `${(i + 1).toString(16).padStart(16, '0')}`;
    spans.forEach((s, i) => {
      out.push({
        experiment,
        traceId,
        spanId: spanId(i),
        ...(s.parent >= 0 ? { parentSpanId: spanId(s.parent) } : {}),
        links: s.links.map(([lt, ls]) => ({ traceId: traceIdOf(prefix, caseId, lt), spanId: spanId(ls) })),
        name: `span-${i}`,
        start: 1_700_000_000_000_000_000n + BigInt(s.start),
        end: 1_700_000_000_000_000_000n + BigInt(s.start + s.dur),
        attributes: CONVENTION_ATTRS[s.conv]!,
        status: { code: s.status, ...(s.status === 2 ? { message: 'failed' } : {}) },
      });
    });
  });
  return out;
}

/** Deterministic shuffle from a seed (fast-check shrinks seeds, not shuffles). */
function shuffle<T>(items: T[], seed: number): T[] {
  const a = items.slice();
  let x = seed | 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = Math.abs(x) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function sendLogs(bridge: RunningBridge, logs: TestLog[]): Promise<void> {
  const res = await postOtlp(bridge.httpPort, '/v1/logs', logsRequest(logs), {
    'content-type': 'application/json',
  });
  assert.equal(res.status, 200);
}

const EXPERIMENTS = ['prop', 'prop-other'];

async function send(bridge: RunningBridge, spans: SentSpan[]): Promise<void> {
  const groups = EXPERIMENTS.map((name, e) => ({
    resource: { 'service.name': name },
    spans: spans.filter((s) => s.experiment === e),
  })).filter((g) => g.spans.length > 0);
  const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest(groups), {
    'content-type': 'application/x-protobuf',
  });
  assert.equal(res.status, 200);
}

async function rowsFor(prefix: string, caseId: number) {
  const like = `${prefix}${caseId.toString(16).padStart(6, '0')}%`;
  const strip = (r: Record<string, unknown>) => {
    const { ingested_at, created_at, updated_at, ...rest } = r;
    const out: Record<string, unknown> = { ...rest, trace_id: String(rest.trace_id).slice(prefix.length) };
    if ('run_id' in rest) out.run_id = String(rest.run_id).slice(prefix.length);
    if (Array.isArray(rest.links))
      out.links = rest.links.map((l: Record<string, unknown>) => ({
        ...l,
        trace_id: String(l.trace_id).slice(prefix.length),
      }));
    return out;
  };
  const spans = await tdb.db.query('SELECT * FROM spans WHERE trace_id LIKE $1 ORDER BY trace_id, span_id', [
    like,
  ]);
  const traces = await tdb.db.query('SELECT * FROM traces WHERE trace_id LIKE $1 ORDER BY trace_id', [like]);
  const links = await tdb.db.query<Record<string, unknown>>(
    'SELECT * FROM trace_links WHERE trace_id LIKE $1 ORDER BY trace_id, span_id, linked_trace_id, linked_span_id',
    [like],
  );
  return {
    spans: spans.rows.map(strip),
    traces: traces.rows.map(strip),
    links: links.rows.map((l) => ({
      ...strip(l),
      linked_trace_id: String(l.linked_trace_id).slice(prefix.length),
    })),
  };
}

/**
 * The runs the generated case should have, computed independently: traces joined by links to traces that exist in
 * the same experiment, each run labelled with its smallest trace id.
 */
function expectedRunIds(traces: GenTrace[], prefix: string, caseId: number): Map<string, string> {
  const ids = traces.map((_, t) => traceIdOf(prefix, caseId, t));
  const label = ids.slice();
  let changed = true;
  while (changed) {
    changed = false;
    traces.forEach(({ spans, experiment }, t) => {
      for (const s of spans) {
        for (const [lt] of s.links) {
          if (lt === t || lt >= traces.length || traces[lt]!.experiment !== experiment) continue;
          const min = [label[t]!, label[lt]!].sort()[0]!;
          if (label[t] !== min || label[lt] !== min) {
            label[t] = min;
            label[lt] = min;
            changed = true;
          }
        }
      }
    });
  }
  return new Map(ids.map((id, t) => [id, label[t]!]));
}

describe('order independence (property)', () => {
  it('any permutation, chunking and duplication gives the rows of one in-order delivery', async () => {
    await fc.assert(
      fc.asyncProperty(genCase, async ({ traces, seed, chunks, duplicates, concurrent }) => {
        const caseId = ++caseNo;
        await send(bridges[0]!, buildSpans(traces, 'aa', caseId));
        const referenceLogs = buildLogs(traces, 'aa', caseId);
        if (referenceLogs.length) await sendLogs(bridges[0]!, referenceLogs);

        const spans = buildSpans(traces, 'bb', caseId);
        const logs = buildLogs(traces, 'bb', caseId);
        type Item = { span: SentSpan } | { log: TestLog };
        const items: Item[] = [...spans.map((span) => ({ span })), ...logs.map((log) => ({ log }))];
        const delivered = shuffle([...items, ...shuffle(items, seed + 1).slice(0, duplicates)], seed);
        const size = Math.ceil(delivered.length / chunks);
        const parts: (() => Promise<void>)[] = [];
        for (let i = 0; i < delivered.length; i += size) {
          const chunk = delivered.slice(i, i + size);
          const chunkSpans = chunk.flatMap((x) => ('span' in x ? [x.span] : []));
          const chunkLogs = chunk.flatMap((x) => ('log' in x ? [x.log] : []));
          const b = bridges[parts.length % 2]!;
          parts.push(async () => {
            await Promise.all([
              chunkSpans.length ? send(b, chunkSpans) : undefined,
              chunkLogs.length ? sendLogs(b, chunkLogs) : undefined,
            ]);
          });
        }
        if (concurrent) await Promise.all(parts.map((p) => p()));
        else for (const p of parts) await p();

        const expected = await rowsFor('aa', caseId);
        const actual = await rowsFor('bb', caseId);
        assert.equal(actual.spans.length, spans.length);
        assert.deepEqual(actual, expected);
        const runs = expectedRunIds(traces, 'bb', caseId);
        const stored = await tdb.db.query<{ trace_id: string; run_id: string }>(
          'SELECT trace_id, run_id FROM traces WHERE trace_id LIKE $1',
          [`bb${caseId.toString(16).padStart(6, '0')}%`],
        );
        for (const r of stored.rows) assert.equal(r.run_id, runs.get(r.trace_id), `run of ${r.trace_id}`);
      }),
      { numRuns: 60, verbose: 1, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
  });
});
