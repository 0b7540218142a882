/**
 * Mastra (js/mastra.ts): an agent with a tool on Mastra's OpenAI-compatible model config against the fake Qwen
 * server, traced by `@mastra/observability` and exported by `@mastra/otel-exporter` (provider `custom`,
 * OTLP/HTTP protobuf).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answerFor } from './fake-model-server.js';
import {
  one,
  type Row,
  requireNpmPackages,
  runNodeClient,
  type Scenario,
  startScenario,
  tree,
  verbose,
} from './support/scenario.js';

const QUESTION = 'What is new in Qwen3?';
const SEARCH_RESULT = `Qwen3 search results for '${QUESTION}': hybrid thinking modes and MCP support.`;
const ANSWER = answerFor(SEARCH_RESULT);
const SYSTEM = {
  role: 'system',
  content: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
};
const CALL = { id: 'call_1', name: 'search_web', arguments: { query: QUESTION } };
const ROOT = 'invoke_agent search-agent';

describe('Mastra (@mastra/observability + @mastra/otel-exporter) → OTLP/HTTP protobuf', () => {
  let s: Scenario;
  let spans: Row[];
  let traces: Row[];

  before(
    async () => {
      requireNpmPackages(['@mastra/core', '@mastra/observability', '@mastra/otel-exporter']);
      s = await startScenario();
      await runNodeClient('mastra.ts', s.env());
      spans = await s.waitForSpans(11);
      traces = await s.traces();
      verbose(tree(spans));
    },
    { timeout: 240_000 },
  );
  after(() => s?.finish('mastra'));

  it('one trace: the agent run, its previews as text, model usage summed, run metadata and tags', () => {
    const [t] = traces;
    assert.ok(t && traces.length === 1);
    assert.deepEqual(
      [t.name, t.state, t.experiment_name, t.input_tokens, t.output_tokens, t.total_tokens],
      [ROOT, 'OK', 'mastra-agent', '158', '40', '198'],
    );
    assert.deepEqual([t.request_preview, t.response_preview], [QUESTION, ANSWER]);
    assert.equal((t.metadata as Row).tenant, 'acme');
    assert.equal((t.tags as Row).interop, 'true');
  });

  it('AGENT › model generation (CHAIN) › agent steps (CHAIN) › CHAT_MODEL chat, TOOL execute_tool', () => {
    assert.equal(
      tree(spans.filter((r) => !(r.name as string).startsWith('model_chunk'))),
      [
        `AGENT ${ROOT}`,
        '  CHAIN model_generation qwen-plus-latest',
        '    CHAIN agent_step search-agent',
        '      CHAT_MODEL chat qwen-plus-latest',
        '      TOOL execute_tool search_web',
        '    CHAIN agent_step search-agent',
        '      CHAT_MODEL chat qwen-plus-latest',
      ].join('\n'),
    );
    // Streaming chunks: steps of the model call that carry GenAI content of their own.
    for (const r of spans.filter((x) => (x.name as string).startsWith('model_chunk')))
      assert.equal(r.span_type, 'CHAIN');
  });

  it('the agent run: the question beside the instructions, the answer, agent name, tools', () => {
    const root = one(spans, ROOT, 'AGENT');
    assert.equal(root.agent_name, 'search-agent');
    assert.deepEqual(root.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.equal(root.inputs, QUESTION);
    assert.deepEqual(root.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.deepEqual((root.request_params as Row).tools, ['search_web']);
    assert.deepEqual(root.conventions, ['genai', 'mastra']);
  });

  it('model calls: model, provider, usage, finish reasons, the answer; the tool-call turn has no empty message', () => {
    const [toolTurn, answerTurn] = spans.filter((r) => r.span_type === 'CHAT_MODEL');
    assert.ok(toolTurn && answerTurn);
    assert.deepEqual(
      [
        toolTurn.model,
        toolTurn.provider,
        toolTurn.input_tokens,
        toolTurn.output_tokens,
        toolTurn.finish_reasons,
      ],
      ['qwen-plus-latest', 'qwen', '61', '17', ['tool-calls']],
    );
    assert.equal((toolTurn.request_params as Row).temperature, 0.01);
    assert.equal(toolTurn.output_messages, null);
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], ['97', '23']);
    assert.deepEqual(answerTurn.output_messages, [{ role: 'assistant', content: ANSWER }]);
  });

  it('agent steps: the conversation sent and the reply with its tool call', () => {
    const [first, second] = spans.filter((r) => r.name === 'agent_step search-agent');
    assert.ok(first && second);
    assert.deepEqual(first.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.deepEqual(first.output_messages, [{ role: 'assistant', content: '', tool_calls: [CALL] }]);
    assert.deepEqual(second.output_messages, [{ role: 'assistant', content: ANSWER }]);
  });

  it('the tool span: name, call id, arguments, result', () => {
    const tool = one(spans, 'execute_tool search_web', 'TOOL');
    assert.deepEqual([tool.tool_name, tool.tool_call_id], ['search_web', 'call_1']);
    assert.deepEqual(tool.inputs, { query: QUESTION });
    assert.equal(tool.outputs, SEARCH_RESULT);
  });
});
