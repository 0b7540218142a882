/**
 * Vercel AI SDK 7 (js/vercel-ai.ts): generateText with a tool on the SDK's mock language model, traced by the two
 * OpenTelemetry integrations of `@ai-sdk/otel` — `OpenTelemetry` (GenAI-semconv spans) and `LegacyOpenTelemetry`
 * (the ai.* spans of earlier SDK versions) — and exported by the OTel JS SDK over OTLP/HTTP protobuf.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, JS_SDK_TRACES_ONLY, otlpHttpEnv } from './support/client-run.js';
import { one, pick, type Row, runNodeClient, TRACE_TOTALS, tree } from './support/scenario.js';

const QUESTION = 'What is new in Qwen3?';
const SEARCH_RESULT = 'Qwen3 adds hybrid thinking modes and MCP support.';
const ANSWER = `Qwen3 is out: ${SEARCH_RESULT}`;
const SYSTEM = {
  role: 'system',
  content: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
};
const CALL = { id: 'call_1', name: 'search_web', arguments: { query: QUESTION } };
const TOOL_OUTPUT = { query: QUESTION, results: [SEARCH_RESULT] };
const GENAI_ROOT = 'invoke_agent search-agent';
const LEGACY_ROOT = 'ai.generateText';

describe('Vercel AI SDK (@ai-sdk/otel) → OTel JS SDK → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'vercel-ai',
    spans: 10,
    npm: ['ai', '@ai-sdk/otel', 'zod'],
    client: (s) => runNodeClient('vercel-ai.ts', otlpHttpEnv(s, 'vercel-ai-agent', JS_SDK_TRACES_ONLY)),
  });

  it('two traces in the experiment named by OTEL_SERVICE_NAME, with model usage summed per trace', () => {
    assert.deepEqual(pick(run.traces, TRACE_TOTALS), [
      [GENAI_ROOT, 'OK', 'vercel-ai-agent', '158', '40', '198'],
      [LEGACY_ROOT, 'OK', 'vercel-ai-agent', '158', '40', '198'],
    ]);
    for (const t of run.traces) assert.deepEqual([t.request_preview, t.response_preview], [QUESTION, ANSWER]);
  });

  it('legacy spans: CHAIN ai.generateText › CHAT_MODEL doGenerate (› TOOL ai.toolCall)', () => {
    assert.equal(
      tree(run.spansOf(LEGACY_ROOT)),
      [
        'CHAIN ai.generateText',
        '  CHAT_MODEL ai.generateText.doGenerate',
        '    TOOL ai.toolCall',
        '  CHAT_MODEL ai.generateText.doGenerate',
      ].join('\n'),
    );
  });

  it('GenAI spans: AGENT invoke_agent › step spans (orchestration: CHAIN) › CHAT_MODEL chat, TOOL execute_tool', () => {
    assert.equal(
      tree(run.spansOf(GENAI_ROOT)),
      [
        'AGENT invoke_agent search-agent',
        '  CHAIN step 1',
        '    CHAT_MODEL chat qwen-plus-latest',
        '    TOOL execute_tool search_web',
        '  CHAIN step 2',
        '    CHAT_MODEL chat qwen-plus-latest',
      ].join('\n'),
    );
  });

  it('model calls (both formats): messages, tool call, tool result, model, provider, usage', () => {
    for (const [root, name] of [
      [GENAI_ROOT, 'chat qwen-plus-latest'],
      [LEGACY_ROOT, 'ai.generateText.doGenerate'],
    ] as const) {
      const [toolTurn, answerTurn] = run.spansOf(root).filter((r) => r.name === name);
      assert.ok(toolTurn && answerTurn, root);
      assert.equal(toolTurn.span_type, 'CHAT_MODEL');
      assert.deepEqual(toolTurn.input_messages, [SYSTEM, { role: 'user', content: QUESTION }], root);
      const [out] = toolTurn.output_messages as Row[];
      assert.deepEqual(out?.tool_calls, [CALL], root);
      assert.deepEqual(toolTurn.finish_reasons, ['tool-calls'], root);
      const history = answerTurn.input_messages as Row[];
      assert.deepEqual(history.at(-2), { role: 'assistant', content: '', tool_calls: [CALL] }, root);
      const { role, content, tool_call_id } = (history.at(-1) ?? {}) as Row;
      assert.deepEqual(
        { role, content, tool_call_id },
        { role: 'tool', content: JSON.stringify(TOOL_OUTPUT), tool_call_id: 'call_1' },
        root,
      );
      assert.deepEqual(answerTurn.output_messages, [
        { role: 'assistant', content: ANSWER, finish_reason: 'stop' },
      ]);
      assert.deepEqual(
        [toolTurn.model, toolTurn.provider, toolTurn.response_id],
        ['qwen-plus-latest', 'openai', 'chatcmpl-1'],
      );
      assert.deepEqual(
        [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
        ['61', '17', '78'],
      );
      assert.deepEqual(
        [answerTurn.input_tokens, answerTurn.output_tokens, answerTurn.total_tokens],
        ['97', '23', '120'],
      );
      assert.equal((toolTurn.request_params as Row).temperature, 0.01);
      assert.equal(((toolTurn.request_params as Row).tools as Row[]).length, 1);
    }
  });

  it('tool spans (both formats): name, call id, arguments and result', () => {
    for (const [root, name] of [
      [GENAI_ROOT, 'execute_tool search_web'],
      [LEGACY_ROOT, 'ai.toolCall'],
    ] as const) {
      const tool = one(run.spansOf(root), name, 'TOOL');
      assert.deepEqual([tool.tool_name, tool.tool_call_id], ['search_web', 'call_1'], root);
      assert.deepEqual(tool.inputs, { query: QUESTION }, root);
      assert.deepEqual(tool.outputs, TOOL_OUTPUT, root);
    }
  });

  it('the agent root (GenAI): agent name from functionId, the whole conversation, usage', () => {
    const agent = one(run.spansOf(GENAI_ROOT), GENAI_ROOT, 'AGENT');
    assert.equal(agent.agent_name, 'search-agent');
    assert.deepEqual(agent.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.equal((agent.output_messages as Row[])[0]?.content, ANSWER);
    assert.deepEqual([agent.input_tokens, agent.output_tokens], ['158', '40']);
  });

  it('legacy root: the prompt, the answer, functionId as a trace tag', () => {
    const root = one(run.spansOf(LEGACY_ROOT), LEGACY_ROOT, 'CHAIN');
    assert.deepEqual(root.inputs, {
      system: SYSTEM.content,
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.deepEqual(root.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.equal((root.output_messages as Row[])[0]?.content, ANSWER);
    assert.equal((run.traceOf(LEGACY_ROOT).tags as Row)['ai.telemetry.functionId'], 'search-agent');
  });

  it('legacy: runtimeContext sent for telemetry (ai.settings.context.*) is trace context, not a request parameter', () => {
    // AI SDK 7 sends `runtimeContext` entries chosen by telemetry.includeRuntimeContext as ai.settings.context.<key>
    // (SDK <= 6 sent telemetry metadata as ai.telemetry.metadata.<key>): a session id is the trace's session.
    for (const r of run.spansOf(LEGACY_ROOT)) {
      assert.equal((r.request_params as Row | null)?.['context.sessionId'], undefined, r.name as string);
    }
    const t = run.traceOf(LEGACY_ROOT);
    assert.equal(t.session_id, 'session-7');
    assert.equal((t.tags as Row).sessionId, 'session-7');
    assert.equal(
      JSON.stringify(run.spans).includes('not-for-telemetry'),
      false,
      'excluded context is not sent',
    );
  });
});
