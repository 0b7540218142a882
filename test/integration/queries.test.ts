/**
 * The SQL views and every cookbook query in docs/queries.md, run against data sent through the real bridge, on
 * both set-ups (an external Postgres, and the embedded server queried as its read-only role). The SQL is read out of the doc's
 * ```sql blocks, and the views' column tables are compared with the database's, so the doc cannot drift.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RunningBridge } from '../../cli/bridge.js';
import { connectionUrl, readCredentials } from '../../store/embedded/credentials.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest, type TestAttr, type TestSpan } from '../support/otlp.js';

// ---- the doc ----

const DOC = readFileSync(new URL('../../docs/queries.md', import.meta.url), 'utf8');

/** `## name` section bodies. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/queries.md has a "## ${title}" section`);
  const next = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, next < 0 ? undefined : next);
}

/** `### heading` → its body, within one section. */
function subsections(body: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = body.split(/\n### /).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return out;
}

/** The cookbook: heading → the SQL of its one ```sql block. */
function cookbook(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [heading, body] of subsections(section('Cookbook'))) {
    const blocks = [...body.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.equal(blocks.length, 1, `"${heading}" has exactly one sql block`);
    out.set(heading, blocks[0]!);
  }
  return out;
}

/** The documented columns of each view, in order (a row may name several: `a`, `b`). */
function documentedColumns(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [heading, body] of subsections(section('Views'))) {
    const view = /^`(\w+)`$/.exec(heading)?.[1];
    assert.ok(view, `view heading ${heading} is a \`name\``);
    const cols: string[] = [];
    for (const line of body.split('\n')) {
      // First cell of a table row (padded or not): `name` or `a`, `b`.
      const cell = /^\|([^|]+)\|/.exec(line)?.[1]?.trim();
      if (cell?.startsWith('`')) cols.push(...[...cell.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
    }
    out.set(view, cols);
  }
  return out;
}

/** psql variables (:'name') → bind parameters ($n), so the doc's text runs unchanged. */
function bind(sql: string, values: Record<string, string>): { text: string; params: string[] } {
  const names: string[] = [];
  const text = sql.replace(/:'(\w+)'/g, (_, name: string) => {
    assert.ok(name in values, `a value for :'${name}'`);
    if (!names.includes(name)) names.push(name);
    return `$${names.indexOf(name) + 1}`;
  });
  return { text, params: names.map((n) => values[n]!) };
}

// ---- the data: three traces in two experiments, sent as OTLP/protobuf ----

const now = new Date();
// Yesterday noon UTC: inside every "last 7 days" window and on one UTC day, whenever the test runs.
const BASE_NS =
  BigInt(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 12)) * 1_000_000n;
const at = (ms: number) => BASE_NS + BigInt(Math.round(ms * 1e6));
const YESTERDAY = new Date(Number(BASE_NS / 1_000_000n)).toISOString().slice(0, 10);

const msgs = (list: { role: string; parts: Record<string, TestAttr>[] }[]) => JSON.stringify(list);
const text = (content: string) => ({ type: 'text', content });

const ids = {
  a: hexId(16),
  b: hexId(16),
  c: hexId(16),
  a0: hexId(8),
  a1: hexId(8),
  a2: hexId(8),
  a3: hexId(8),
  b0: hexId(8),
  b1: hexId(8),
  b2: hexId(8),
  c0: hexId(8),
  c1: hexId(8),
};

function span(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  startMs: number,
  endMs: number,
  attributes: Record<string, TestAttr>,
  extra: Partial<TestSpan> = {},
): TestSpan {
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    start: at(startMs),
    end: at(endMs),
    attributes,
    ...extra,
  };
}

const chat = (model: string, provider: string, input: number, output: number) => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': provider,
  'gen_ai.request.model': model,
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': output,
});

/** A: AGENT → CHAT (asks for a tool) → TOOL; then a second CHAT answers. 2 s, OK, session sess-1. */
const traceA: TestSpan[] = [
  span(ids.a, ids.a0, undefined, 'invoke_agent support', 0, 2000, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'support',
    'gen_ai.conversation.id': 'sess-1',
  }),
  span(ids.a, ids.a1, ids.a0, 'chat gpt-4o', 100, 900, {
    ...chat('gpt-4o', 'openai', 100, 20),
    'gen_ai.system_instructions': JSON.stringify([text('You are a support agent.')]),
    'gen_ai.input.messages': msgs([{ role: 'user', parts: [text('Where is my ORDER 42?')] }]),
    'gen_ai.output.messages': msgs([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_1', name: 'lookup_order', arguments: { order_id: 42 } }],
      },
    ]),
  }),
  span(ids.a, ids.a2, ids.a1, 'execute_tool lookup_order', 950, 1050, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'lookup_order',
    'gen_ai.tool.call.id': 'call_1',
    'gen_ai.tool.call.arguments': JSON.stringify({ order_id: 42 }),
    'gen_ai.tool.call.result': JSON.stringify({ status: 'shipped' }),
  }),
  span(ids.a, ids.a3, ids.a0, 'chat gpt-4o', 1100, 1900, {
    ...chat('gpt-4o', 'openai', 150, 30),
    'gen_ai.input.messages': msgs([
      { role: 'user', parts: [text('Where is my ORDER 42?')] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'shipped' }] },
    ]),
    'gen_ai.output.messages': msgs([{ role: 'assistant', parts: [text('Your order 42 has shipped.')] }]),
  }),
];

/** B: AGENT (ERROR) → CHAT → TOOL failing with an exception event. 3 s, session sess-1. */
const traceB: TestSpan[] = [
  span(
    ids.b,
    ids.b0,
    undefined,
    'invoke_agent support',
    10_000,
    13_000,
    {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support',
      'gen_ai.conversation.id': 'sess-1',
    },
    // A follow-up of A: the link puts A and B in one run.
    { status: { code: 2, message: 'tool failed' }, links: [{ traceId: ids.a, spanId: ids.a3 }] },
  ),
  span(ids.b, ids.b1, ids.b0, 'chat claude-sonnet-4', 10_100, 11_000, {
    ...chat('claude-sonnet-4', 'anthropic', 80, 10),
    'gen_ai.input.messages': msgs([{ role: 'user', parts: [text('Cancel order 7')] }]),
    'gen_ai.output.messages': msgs([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_9', name: 'cancel_order', arguments: { order_id: 7 } }],
      },
    ]),
  }),
  span(
    ids.b,
    ids.b2,
    ids.b0,
    'execute_tool cancel_order',
    11_100,
    12_900,
    {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'cancel_order',
      'gen_ai.tool.call.arguments': JSON.stringify({ order_id: 7 }),
    },
    {
      status: { code: 2 },
      events: [
        {
          name: 'exception',
          time: at(12_900),
          attributes: {
            'exception.type': 'TimeoutError',
            'exception.message': 'upstream timed out after 2s',
          },
        },
      ],
    },
  ),
];

/** C (another experiment, so its link to A joins nothing): LLM root (5 s, the slowest) → EMBEDDING. Session sess-2. */
const traceC: TestSpan[] = [
  span(
    ids.c,
    ids.c0,
    undefined,
    'text_completion gpt-4o-mini',
    20_000,
    25_000,
    {
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 500,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.conversation.id': 'sess-2',
      'gen_ai.input.messages': msgs([{ role: 'user', parts: [text('Summarize the history of Paris')] }]),
      'gen_ai.output.messages': msgs([{ role: 'assistant', parts: [text('Paris began as a Celtic town.')] }]),
    },
    { links: [{ traceId: ids.a, spanId: ids.a0 }] },
  ),
  span(ids.c, ids.c1, ids.c0, 'embeddings text-embedding-3-small', 20_100, 20_200, {
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'text-embedding-3-small',
    'gen_ai.usage.input_tokens': 30,
  }),
];

async function load(httpPort: number): Promise<void> {
  const body = protobufRequest([
    { resource: { 'service.name': 'support-bot' }, spans: [...traceA, ...traceB] },
    { resource: { 'service.name': 'research' }, spans: traceC },
  ]);
  const res = await postOtlp(httpPort, '/v1/traces', body, { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200, res.body.toString());
}

// ---- the checks, shared by both back ends ----

type Row = Record<string, unknown>;
type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

const n = (v: unknown) => (v === null ? null : Number(v));

/** What each cookbook query must return for the data above. */
const COOKBOOK_CHECKS: Record<string, { values?: Record<string, string>; check: (rows: Row[]) => void }> = {
  'Slowest traces': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => r.trace_id),
        [ids.c, ids.b, ids.a],
      );
      assert.equal(rows[0]!.experiment_name, 'research');
      assert.equal(rows[0]!.duration_ms, 5000);
      assert.equal(rows[2]!.request_preview, 'Where is my ORDER 42?');
    },
  },
  'Failing traces with their exception messages': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.trace_id, r.span_id, r.span_type, r.exception_type, r.exception_message]),
        [
          [ids.b, ids.b0, 'AGENT', null, 'tool failed'],
          [ids.b, ids.b2, 'TOOL', 'TimeoutError', 'upstream timed out after 2s'],
        ],
      );
    },
  },
  'Latest runs': {
    check: (rows) => {
      const ab = [ids.a, ids.b].sort()[0];
      assert.deepEqual(
        rows.map((r) => [r.run_id, r.experiment_name, r.name, r.state, n(r.trace_count), n(r.span_count)]),
        [
          [ids.c, 'research', 'text_completion gpt-4o-mini', 'OK', 1, 2],
          [ab, 'support-bot', 'invoke_agent support', 'ERROR', 2, 7],
        ],
      );
      assert.deepEqual(
        [n(rows[1]!.error_count), n(rows[1]!.total_tokens), rows[1]!.duration_ms],
        [2, 390, 13000],
      );
      assert.equal(rows[1]!.request_preview, 'Where is my ORDER 42?');
      // B ends last: its response (the model's tool call, as the trace's preview shows it) is the run's.
      assert.equal(rows[1]!.response_preview, 'cancel_order({"order_id":7})');
    },
  },
  'The traces of a run': {
    values: { trace_id: ids.b },
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.trace_id, r.from_trace_id, r.from_span_id, n(r.error_count)]),
        [
          [ids.a, null, null, 0],
          [ids.b, ids.a, ids.a3, 2],
        ],
      );
    },
  },
  'Sessions with their first question and last answer': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [
          r.session_id,
          r.experiment_name,
          n(r.trace_count),
          n(r.error_count),
          n(r.total_tokens),
          r.first_request,
          r.last_response,
        ]),
        [
          [
            'sess-2',
            'research',
            1,
            0,
            730,
            'Summarize the history of Paris',
            'Paris began as a Celtic town.',
          ],
          ['sess-1', 'support-bot', 2, 2, 390, 'Where is my ORDER 42?', 'cancel_order({"order_id":7})'],
        ],
      );
    },
  },
  'Traces with failed spans': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.trace_id, r.state, n(r.error_count)]),
        [[ids.b, 'ERROR', 2]],
      );
    },
  },
  'Tokens per session': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [
          r.session_id,
          n(r.traces),
          n(r.input_tokens),
          n(r.output_tokens),
          n(r.total_tokens),
        ]),
        [
          ['sess-2', 1, 530, 200, 730],
          ['sess-1', 2, 330, 60, 390],
        ],
      );
    },
  },
  'Tokens per model': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.model, n(r.calls), n(r.input_tokens), n(r.output_tokens), n(r.total_tokens)]),
        [
          ['gpt-4o-mini', 1, 500, 200, 700],
          ['gpt-4o', 2, 250, 50, 300],
          ['claude-sonnet-4', 1, 80, 10, 90],
          ['text-embedding-3-small', 1, 30, null, 30],
        ],
      );
    },
  },
  'Daily tokens per experiment': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [dateOnly(r.day), r.experiment_name, n(r.calls), n(r.total_tokens)]),
        [
          [YESTERDAY, 'research', 2, 730],
          [YESTERDAY, 'support-bot', 3, 390],
        ],
      );
    },
  },
  'Traces whose prompt contains a phrase': {
    values: { phrase: 'order 42' },
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.trace_id, r.span_id, r.role, r.message]),
        [[ids.a, ids.a1, 'user', 'Where is my ORDER 42?']],
      );
    },
  },
  'The span tree of one trace': {
    values: { trace_id: ids.a },
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.span, r.status, Number(r.start_offset_ms), r.duration_ms]),
        [
          ['AGENT invoke_agent support', 'UNSET', 0, 2000],
          ['  CHAT_MODEL chat gpt-4o', 'UNSET', 100, 800],
          ['    TOOL execute_tool lookup_order', 'UNSET', 950, 100],
          ['  CHAT_MODEL chat gpt-4o', 'UNSET', 1100, 800],
        ],
      );
    },
  },
  'Failing tool calls': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.trace_id, r.tool_name, r.arguments, r.status_message]),
        [[ids.b, 'cancel_order', { order_id: 7 }, 'upstream timed out after 2s']],
      );
    },
  },
  'Model latency per model': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.model, n(r.calls), n(r.p50_ms), n(r.p95_ms)]),
        [
          ['gpt-4o-mini', 1, 5000, 5000],
          ['claude-sonnet-4', 1, 900, 900],
          ['gpt-4o', 2, 800, 800],
        ],
      );
    },
  },
  'Recent model calls with prompt and reply': {
    check: (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.model, r.last_user_message, r.reply, r.requested_tools]),
        [
          ['gpt-4o-mini', 'Summarize the history of Paris', 'Paris began as a Celtic town.', null],
          ['claude-sonnet-4', 'Cancel order 7', null, ['cancel_order']],
          ['gpt-4o', 'Where is my ORDER 42?', 'Your order 42 has shipped.', null],
          ['gpt-4o', 'Where is my ORDER 42?', null, ['lookup_order']],
        ],
      );
    },
  },
};

/** A `date` column as YYYY-MM-DD, whether the driver gives a Date (local midnight) or a string. */
function dateOnly(v: unknown): string {
  if (v instanceof Date) {
    const p = (x: number) => String(x).padStart(2, '0');
    return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`;
  }
  return String(v);
}

function viewAndCookbookTests(query: () => Query) {
  it('documents every column of every view, in order', async () => {
    const documented = documentedColumns();
    for (const view of [
      'llm_calls',
      'tool_calls',
      'trace_summary',
      'token_usage_daily',
      'assessments',
      'runs',
      'sessions',
    ]) {
      assert.ok(documented.has(view), `docs/queries.md documents ${view}`);
    }
    for (const [view, cols] of documented) {
      const actual = await query()(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [view],
      );
      assert.deepEqual(
        cols,
        actual.map((r) => r.column_name),
        `docs/queries.md columns of ${view}`,
      );
    }
  });

  it('llm_calls: one row per model call with the last user message, the reply and the requested tools', async () => {
    const rows = await query()(
      `SELECT span_id, span_type, model, provider, input_tokens, output_tokens, total_tokens, duration_ms,
         last_user_message, reply, requested_tools, session_id
       FROM llm_calls ORDER BY start_time`,
    );
    assert.deepEqual(
      rows.map((r) => [r.span_id, r.span_type, r.model, r.provider, n(r.input_tokens), n(r.output_tokens)]),
      [
        [ids.a1, 'CHAT_MODEL', 'gpt-4o', 'openai', 100, 20],
        [ids.a3, 'CHAT_MODEL', 'gpt-4o', 'openai', 150, 30],
        [ids.b1, 'CHAT_MODEL', 'claude-sonnet-4', 'anthropic', 80, 10],
        [ids.c0, 'LLM', 'gpt-4o-mini', 'openai', 500, 200],
      ],
    );
    const a1 = rows[0]!;
    assert.equal(a1.last_user_message, 'Where is my ORDER 42?');
    assert.equal(a1.reply, null);
    assert.deepEqual(a1.requested_tools, ['lookup_order']);
    assert.equal(a1.duration_ms, 800);
    assert.equal(n(a1.total_tokens), 120);
    assert.equal(rows[1]!.reply, 'Your order 42 has shipped.');
    assert.equal(rows[3]!.session_id, 'sess-2');
  });

  it('tool_calls: tool name, arguments, result, status and latency', async () => {
    const rows = await query()(
      `SELECT trace_id, tool_name, tool_call_id, arguments, result, status, status_message, error_type, duration_ms
       FROM tool_calls ORDER BY start_time`,
    );
    assert.deepEqual(rows, [
      {
        trace_id: ids.a,
        tool_name: 'lookup_order',
        tool_call_id: 'call_1',
        arguments: { order_id: 42 },
        result: { status: 'shipped' },
        status: 'UNSET',
        status_message: null,
        error_type: null,
        duration_ms: 100,
      },
      {
        trace_id: ids.b,
        tool_name: 'cancel_order',
        tool_call_id: null,
        arguments: { order_id: 7 },
        result: null,
        status: 'ERROR',
        status_message: 'upstream timed out after 2s',
        error_type: 'TimeoutError',
        duration_ms: 1800,
      },
    ]);
  });

  it('trace_summary: experiment name, call counts, models and the first error', async () => {
    const rows = await query()(
      `SELECT trace_id, experiment_name, state, span_count, error_count, llm_call_count, tool_call_count, models,
         total_tokens, first_error
       FROM trace_summary ORDER BY start_time`,
    );
    assert.deepEqual(
      rows.map((r) => [
        r.trace_id,
        r.experiment_name,
        r.state,
        r.span_count,
        r.error_count,
        r.llm_call_count,
        r.tool_call_count,
        r.models,
        n(r.total_tokens),
        r.first_error,
      ]),
      [
        [ids.a, 'support-bot', 'OK', 4, 0, 2, 1, ['gpt-4o'], 300, null],
        [ids.b, 'support-bot', 'ERROR', 3, 2, 1, 1, ['claude-sonnet-4'], 90, 'upstream timed out after 2s'],
        [ids.c, 'research', 'OK', 2, 0, 1, 0, ['gpt-4o-mini', 'text-embedding-3-small'], 730, null],
      ],
    );
  });

  it('token_usage_daily: per UTC day, experiment and model, matching the traces totals', async () => {
    const rows = await query()(
      `SELECT day, experiment_name, model, calls, error_calls, input_tokens, output_tokens, total_tokens
       FROM token_usage_daily ORDER BY experiment_name, model`,
    );
    assert.deepEqual(
      rows.map((r) => [
        dateOnly(r.day),
        r.experiment_name,
        r.model,
        n(r.calls),
        n(r.error_calls),
        n(r.input_tokens),
        n(r.output_tokens),
        n(r.total_tokens),
      ]),
      [
        [YESTERDAY, 'research', 'gpt-4o-mini', 1, 0, 500, 200, 700],
        [YESTERDAY, 'research', 'text-embedding-3-small', 1, 0, 30, null, 30],
        [YESTERDAY, 'support-bot', 'claude-sonnet-4', 1, 0, 80, 10, 90],
        [YESTERDAY, 'support-bot', 'gpt-4o', 2, 0, 250, 50, 300],
      ],
    );
    const [daily] = await query()('SELECT sum(total_tokens)::bigint AS t FROM token_usage_daily');
    const [traces] = await query()('SELECT sum(total_tokens)::bigint AS t FROM traces');
    assert.equal(n(daily!.t), n(traces!.t));
  });

  it('every cookbook query has a check, and every check a query', () => {
    assert.deepEqual([...cookbook().keys()].sort(), Object.keys(COOKBOOK_CHECKS).sort());
  });

  for (const [heading, { values, check }] of Object.entries(COOKBOOK_CHECKS)) {
    it(`cookbook: ${heading}`, async () => {
      const sql = cookbook().get(heading);
      assert.ok(sql, `docs/queries.md has "### ${heading}"`);
      const { text: boundSql, params } = bind(sql, values ?? {});
      check(await query()(boundSql, params));
    });
  }
}

describe('views and cookbook on PostgreSQL', () => {
  let tdb: TestDatabase;
  let bridge: RunningBridge;
  before(async () => {
    tdb = await freshDatabase();
    bridge = await startTestBridge({ databaseUrl: tdb.url });
    await load(bridge.httpPort);
  });
  after(async () => {
    await bridge?.stop();
    await tdb?.drop();
  });
  viewAndCookbookTests(() => async (sql, params) => (await tdb.db.query<Row>(sql, params)).rows);
});

describe('views and cookbook on the embedded PostgreSQL, as the read-only role', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracebridge-queries-'));
  let bridge: RunningBridge;
  let client: pg.Client;
  before(async () => {
    bridge = await startTestBridge({ databaseUrl: null, dataDir });
    await load(bridge.httpPort);
    // Queried as users do while the bridge runs: psql "$(npx tracebridge db-url --read-only)".
    const reader = readCredentials(dataDir)!.reader;
    client = new pg.Client({
      connectionString: connectionUrl(reader, { host: '127.0.0.1', port: bridge.pgPort! }),
    });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await bridge?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  viewAndCookbookTests(() => async (sql, params) => (await client.query(sql, params)).rows);
});
