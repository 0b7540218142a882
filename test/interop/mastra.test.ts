/**
 * Mastra (js/mastra.ts): an agent with a tool on Mastra's OpenAI-compatible model config against the fake Qwen
 * server, traced by `@mastra/observability` and exported by `@mastra/otel-exporter` (provider `custom`,
 * OTLP/HTTP protobuf).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun } from './support/client-run.js';
import { one, type Row, runNodeClient, tree } from './support/scenario.js';
import { QUESTION, searchCall, WEB_SEARCH } from './support/search-agent.js';

const { system: SYSTEM, result: SEARCH_RESULT, answer: ANSWER } = WEB_SEARCH;
const CALL = searchCall(1);
const ROOT = 'invoke_agent search-agent';

describe('Mastra (@mastra/observability + @mastra/otel-exporter) → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'mastra',
    spans: 11,
    npm: ['@mastra/core', '@mastra/observability', '@mastra/otel-exporter'],
    client: (s) => runNodeClient('mastra.ts', s.env()),
  });

  it('one trace: the agent run, its previews as text, model usage summed, run metadata and tags', () => {
    const [t] = run.traces;
    assert.ok(t && run.traces.length === 1);
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
      tree(run.spans.filter((r) => !(r.name as string).startsWith('model_chunk'))),
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
    for (const r of run.spans.filter((x) => (x.name as string).startsWith('model_chunk')))
      assert.equal(r.span_type, 'CHAIN');
  });

  it('the agent run: the question beside the instructions, the answer, agent name, tools', () => {
    const root = one(run.spans, ROOT, 'AGENT');
    assert.equal(root.agent_name, 'search-agent');
    assert.deepEqual(root.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.equal(root.inputs, QUESTION);
    assert.deepEqual(root.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.deepEqual((root.request_params as Row).tools, ['search_web']);
    assert.deepEqual(root.conventions, ['genai', 'mastra']);
  });

  it('model calls: model, provider, usage, finish reasons, the answer; the tool-call turn has no empty message', () => {
    const [toolTurn, answerTurn] = run.spans.filter((r) => r.span_type === 'CHAT_MODEL');
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
    const [first, second] = run.spans.filter((r) => r.name === 'agent_step search-agent');
    assert.ok(first && second);
    assert.deepEqual(first.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.deepEqual(first.output_messages, [{ role: 'assistant', content: '', tool_calls: [CALL] }]);
    assert.deepEqual(second.output_messages, [{ role: 'assistant', content: ANSWER }]);
  });

  it('the tool span: name, call id, arguments, result', () => {
    const tool = one(run.spans, 'execute_tool search_web', 'TOOL');
    assert.deepEqual([tool.tool_name, tool.tool_call_id], ['search_web', 'call_1']);
    assert.deepEqual(tool.inputs, { query: QUESTION });
    assert.equal(tool.outputs, SEARCH_RESULT);
  });
});
