/**
 * AutoGen AgentChat (python/autogen_agents.py) on the fake Qwen server, instrumented as AutoGen's tracing guide
 * says: its own TracerProvider with an OTLP/gRPC exporter (gzip here) plus opentelemetry-instrumentation-openai.
 * The seed article's complaint was that this setup gives "many span-like structures but no useful information";
 * the rows must instead show the structured trace: AGENT, CHAT_MODEL and TOOL spans in one tree, the chat
 * messages with the tool call and its result, summed tokens and previews a person can read. Without a span of the
 * program's own around it, the GraphFlow lands as a trace per delivered message: they must form one run (traces
 * joined by span links) with the run's totals, and tool spans carry their arguments and result in every case.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerFor, type Script, toolAgentScript } from './fake-model-server.js';
import { clientRun, runPython } from './support/client-run.js';
import { one, type Row, sum, tree, verbose } from './support/scenario.js';

const SERVICE = 'autogen-qwen-agents';
const QUESTION = 'What is new in Qwen3?';
const TASK = 'Write a short note on what is new in Qwen3.';
const searchResult = (query: string) =>
  `Qwen3 search results for '${query}': Qwen3 adds hybrid thinking modes and MCP support.`;
const WRITER_NOTE = 'Qwen3 brings hybrid thinking modes and MCP support to every model size.';
const WRITER_USAGE = { promptTokens: 120, completionTokens: 30 };

/** The writer of the GraphFlow team writes its note; every other turn is the default tool-agent conversation. */
const script: Script = (req, n) => {
  const system = req.messages.find((m) => m.role === 'system');
  if (typeof system?.content === 'string' && system.content.startsWith('You are a writer'))
    return { content: WRITER_NOTE, ...WRITER_USAGE };
  return toolAgentScript(req, n);
};

/** The spans under `root` (inclusive) whose type is one of `types`, rendered as a tree. */
function subtree(rows: Row[], root: Row, types: string[]): string {
  const children = new Map<string, Row[]>();
  for (const r of rows) {
    const list = children.get(r.parent_span_id as string) ?? [];
    list.push(r);
    children.set(r.parent_span_id as string, list);
  }
  const out: Row[] = [];
  const walk = (r: Row) => {
    out.push(r);
    for (const c of children.get(r.span_id as string) ?? []) walk(c);
  };
  walk(root);
  return tree(out.filter((r) => r === root || types.includes(r.span_type as string)));
}

describe('AutoGen AgentChat + opentelemetry-instrumentation-openai → OTLP/gRPC gzip', () => {
  const run = clientRun({
    fixture: 'autogen-agentchat',
    spans: 20,
    script,
    client: (s, python) =>
      runPython(
        python,
        'autogen_agents.py',
        s.env({
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: s.grpcEndpoint,
          OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true',
          OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
        }),
      ),
    afterRows({ spans, traces }) {
      verbose(
        traces
          .map((t) => `${t.trace_id} run ${t.run_id} ${t.name} ${t.span_count} ${t.total_tokens}`)
          .join('\n'),
      );
      verbose(
        JSON.stringify(
          spans
            .filter((r) => r.span_type === 'TOOL')
            .map((r) => [r.name, r.trace_id, r.inputs, r.outputs, r.derived]),
        ),
      );
    },
  });

  it('two traces for the two wrapped runs, in the experiment named by service.name', () => {
    assert.deepEqual(
      run.traces
        .filter((t) => t.name === 'run_search_agent' || t.name === 'run_graph_flow')
        .map((t) => [t.name, t.state, t.experiment_name, t.error_count]),
      [
        ['run_search_agent', 'OK', SERVICE, 0],
        ['run_graph_flow', 'OK', SERVICE, 0],
      ],
    );
    for (const r of run.spans) assert.equal((r.resource_attributes as Row)['service.name'], SERVICE);
  });

  it('AssistantAgent: AGENT › CHAT_MODEL, TOOL, CHAT_MODEL in one tree', () => {
    assert.equal(
      tree(run.spansOf('run_search_agent')),
      [
        'UNKNOWN run_search_agent',
        '  AGENT create_agent search_agent',
        '  AGENT invoke_agent search_agent',
        '    CHAT_MODEL openai.chat',
        '    TOOL execute_tool search_web',
        '    CHAT_MODEL openai.chat',
      ].join('\n'),
    );
    const agent = one(run.spansOf('run_search_agent'), 'invoke_agent search_agent', 'AGENT');
    assert.equal(agent.agent_name, 'search_agent');
    assert.equal(agent.provider, null, 'autogen is a framework, not a provider');
  });

  it('AssistantAgent: chat messages with the tool call and its result, the tool span, tokens, previews', () => {
    const rows = run.spansOf('run_search_agent');
    const [toolTurn, answerTurn] = rows.filter((r) => r.name === 'openai.chat');
    assert.ok(toolTurn && answerTurn);
    const system = {
      role: 'system',
      content: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
    };
    const call = { id: 'call_1', name: 'search_web', arguments: { query: QUESTION } };
    const result = searchResult(QUESTION);
    const answer = answerFor(result);
    assert.deepEqual(toolTurn.input_messages, [system, { role: 'user', content: QUESTION }]);
    assert.deepEqual(toolTurn.output_messages, [
      { role: 'assistant', content: '', tool_calls: [call], finish_reason: 'tool_call' },
    ]);
    assert.deepEqual(answerTurn.input_messages, [
      system,
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', content: result, tool_call_id: 'call_1' },
    ]);
    assert.deepEqual(answerTurn.output_messages, [
      { role: 'assistant', content: answer, finish_reason: 'stop' },
    ]);
    for (const chat of [toolTurn, answerTurn]) {
      assert.equal(chat.model, 'qwen-plus-latest');
      assert.equal(chat.provider, 'openai');
      assert.equal(chat.kind, 'CLIENT');
      assert.equal((chat.request_params as Row).temperature, 0.01);
    }
    assert.deepEqual(
      [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
      ['61', '17', '78'],
    );
    assert.deepEqual(
      ((toolTurn.request_params as Row).tools as Row[]).map((t) => t.name),
      ['search_web'],
    );

    const tool = one(rows, 'execute_tool search_web', 'TOOL');
    assert.equal(tool.tool_name, 'search_web');
    assert.equal(tool.tool_call_id, 'call_1');
    // AutoGen's execute_tool span carries neither: both come from the chat messages around it, marked as derived.
    assert.deepEqual(tool.inputs, call.arguments);
    assert.equal(tool.outputs, result);
    assert.deepEqual(tool.derived, {
      inputs: { source: 'tool_call', span_id: toolTurn.span_id },
      outputs: { source: 'tool_message', span_id: answerTurn.span_id },
    });

    const t = run.traceOf('run_search_agent');
    assert.deepEqual([t.input_tokens, t.output_tokens, t.total_tokens], ['158', '40', '198']);
    assert.equal(t.request_preview, QUESTION);
    assert.equal(t.response_preview, answer);
  });

  it('GraphFlow: both agents, their chat and tool spans and the runtime spans share one trace tree', () => {
    const rows = run.spansOf('run_graph_flow');
    assert.equal(rows.filter((r) => r.parent_span_id === null).length, 1, 'one root');
    const researcher = one(rows, 'invoke_agent researcher', 'AGENT');
    const writer = one(rows, 'invoke_agent writer', 'AGENT');
    assert.equal(
      subtree(rows, researcher, ['CHAT_MODEL', 'TOOL']),
      [
        'AGENT invoke_agent researcher',
        '  CHAT_MODEL openai.chat',
        '  TOOL execute_tool search_web',
        '  CHAT_MODEL openai.chat',
      ].join('\n'),
    );
    assert.equal(
      subtree(rows, writer, ['CHAT_MODEL', 'TOOL']),
      ['AGENT invoke_agent writer', '  CHAT_MODEL openai.chat'].join('\n'),
    );
    // The runtime's message processing is typed and attributed to the agent that handled it.
    const processed = new Set(
      rows
        .filter((r) => /^autogen process /.test(r.name as string))
        .map((r) => `${r.span_type} ${r.agent_name}`),
    );
    assert.deepEqual([...processed].sort(), ['AGENT GraphManager', 'AGENT researcher', 'AGENT writer']);
    for (const r of rows.filter((x) => /^autogen (create|send|publish|ack)/.test(x.name as string)))
      assert.equal(r.span_type, 'CHAIN', r.name as string);
  });

  it('GraphFlow: the writer reads the researcher, tokens are summed over both agents, previews are the task and the note', () => {
    const rows = run.spansOf('run_graph_flow');
    const writer = one(rows, 'invoke_agent writer', 'AGENT');
    const writerChat = rows.find((r) => r.parent_span_id === writer.span_id && r.span_type === 'CHAT_MODEL');
    assert.ok(writerChat);
    const researcherAnswer = answerFor(searchResult(TASK));
    assert.deepEqual(writerChat.input_messages, [
      { role: 'system', content: "You are a writer. Turn the researcher's facts into one short paragraph." },
      { role: 'user', content: TASK },
      { role: 'user', content: researcherAnswer },
    ]);
    assert.deepEqual(writerChat.output_messages, [
      { role: 'assistant', content: WRITER_NOTE, finish_reason: 'stop' },
    ]);

    const models = rows.filter((r) => r.span_type === 'CHAT_MODEL');
    assert.equal(models.length, 3);
    const t = run.traceOf('run_graph_flow');
    assert.equal(Number(t.input_tokens), sum(models, 'input_tokens'));
    assert.deepEqual([t.input_tokens, t.output_tokens, t.total_tokens], ['278', '70', '348']);
    assert.equal(t.request_preview, TASK);
    assert.equal(t.response_preview, WRITER_NOTE);
  });

  it('GraphFlow without a span around it: every runtime, agent and model-call trace in one run, with its totals', async () => {
    // AutoGen starts a trace per delivered message, linked to the span that sent it; only the agents' create_agent
    // spans (at construction, outside the runtime) link to nothing and stay runs of one.
    const wrapped = new Set(
      run.traces
        .filter((t) => t.name === 'run_search_agent' || t.name === 'run_graph_flow')
        .map((t) => t.run_id),
    );
    const created = run.traces.filter((t) => /^create_agent /.test(t.name as string));
    assert.deepEqual(created.map((t) => t.name).sort(), ['create_agent researcher', 'create_agent writer']);
    for (const t of created) assert.equal(t.run_id, t.trace_id);
    const linked = run.traces.filter((t) => !wrapped.has(t.run_id) && !created.includes(t));
    const runIds = new Set(linked.map((t) => t.run_id));
    assert.equal(runIds.size, 1, 'one run');
    const [runId] = runIds;
    assert.ok(linked.length >= 10, `a trace per message: ${linked.length}`);
    assert.equal(runId, linked.map((t) => t.trace_id as string).sort()[0], 'named by its smallest trace id');

    const ids = new Set(linked.map((t) => t.trace_id));
    const rows = run.spans.filter((r) => ids.has(r.trace_id));
    assert.deepEqual(
      rows
        .filter(
          (r) =>
            ['AGENT', 'CHAT_MODEL', 'TOOL'].includes(r.span_type as string) &&
            !/^autogen /.test(r.name as string),
        )
        .map((r) => `${r.span_type} ${r.name}`),
      [
        'AGENT invoke_agent researcher',
        'CHAT_MODEL openai.chat',
        'TOOL execute_tool search_web',
        'CHAT_MODEL openai.chat',
        'AGENT invoke_agent writer',
        'CHAT_MODEL openai.chat',
      ],
    );
    const task = 'Write a short note on the thinking modes of Qwen3.';
    const tool = one(rows, 'execute_tool search_web', 'TOOL');
    assert.deepEqual(tool.inputs, { query: task });
    assert.equal(tool.outputs, searchResult(task));
    assert.deepEqual(Object.keys(tool.derived as Row).sort(), ['inputs', 'outputs']);

    const runRow = (
      await run.s.tdb.db.query<Row>(
        `SELECT trace_count::int, span_count::int, error_count::int, input_tokens::text, output_tokens::text,
           total_tokens::text, request_preview, response_preview, state FROM runs WHERE run_id = $1`,
        [runId],
      )
    ).rows[0];
    verbose(runRow);
    const models = rows.filter((r) => r.span_type === 'CHAT_MODEL');
    assert.ok(runRow);
    assert.equal(runRow.trace_count, linked.length);
    assert.equal(runRow.span_count, rows.length);
    assert.equal(runRow.error_count, 0);
    assert.equal(runRow.state, 'OK');
    assert.equal(Number(runRow.input_tokens), sum(models, 'input_tokens'));
    // The same conversation as the wrapped GraphFlow, so the same totals.
    assert.deepEqual([runRow.input_tokens, runRow.output_tokens, runRow.total_tokens], ['278', '70', '348']);
    assert.equal(runRow.request_preview, task);
    assert.equal(runRow.response_preview, WRITER_NOTE);
  });

  it('runtime spans without content offer no preview (no "{}" payloads, no "No Message" placeholders)', () => {
    const noisy = run.spans
      .filter((r) => r.request_preview === '{}' || r.response_preview === 'No Message')
      .map((r) => `${r.name}: ${r.request_preview ?? ''}${r.response_preview ?? ''}`);
    assert.deepEqual(noisy, []);
  });
});
