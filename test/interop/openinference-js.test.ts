/**
 * OpenInference for JS (js/openinference-openai.ts): `@arizeai/openinference-instrumentation-openai` on the `openai`
 * JS client against the fake Qwen server, agent and tool spans from `@arizeai/openinference-core`, session / user /
 * metadata / tags from its context helpers; exported by the OTel JS SDK over OTLP/HTTP JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, JS_SDK_TRACES_ONLY, otlpHttpEnv } from './support/client-run.js';
import { one, type Row, runNodeClient, tree } from './support/scenario.js';
import { ANSWER, QUESTION, RESULT, searchCall } from './support/search-agent.js';

const CALL = searchCall(1);

describe('@arizeai/openinference-instrumentation-openai (JS) → OTel JS SDK → OTLP/HTTP JSON', () => {
  const run = clientRun({
    fixture: 'openinference-openai-js',
    spans: 4,
    npm: ['openai', '@arizeai/openinference-instrumentation-openai', '@arizeai/openinference-core'],
    client: (s) =>
      runNodeClient('openinference-openai.ts', otlpHttpEnv(s, 'openinference-js-agent', JS_SDK_TRACES_ONLY)),
  });

  it('one trace: AGENT › LLM, TOOL, LLM with session, user, metadata and tags', () => {
    assert.equal(
      tree(run.spans),
      [
        'AGENT search_agent',
        '  LLM OpenAI Chat Completions',
        '  TOOL search_web',
        '  LLM OpenAI Chat Completions',
      ].join('\n'),
    );
    const [t] = run.traces;
    assert.ok(t && run.traces.length === 1);
    assert.deepEqual(
      [t.name, t.state, t.experiment_name, t.session_id, t.user_id],
      ['search_agent', 'OK', 'openinference-js-agent', 'session-42', 'user-7'],
    );
    assert.deepEqual(t.metadata, { tenant: 'acme' });
    assert.deepEqual([(t.tags as Row).qwen, (t.tags as Row).interop], ['true', 'true']);
    assert.deepEqual([t.request_preview, t.response_preview], [QUESTION, ANSWER]);
  });

  it('LLM spans: messages, tool call, tool result, model, provider; usage as the instrumentation reports it', () => {
    const [toolTurn, answerTurn] = run.spans.filter((r) => r.span_type === 'LLM');
    assert.ok(toolTurn && answerTurn);
    assert.deepEqual(toolTurn.output_messages, [{ role: 'assistant', content: '', tool_calls: [CALL] }]);
    assert.deepEqual(
      [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
      ['61', '17', '78'],
    );
    assert.deepEqual((answerTurn.input_messages as Row[]).slice(-2), [
      { role: 'assistant', content: '', tool_calls: [CALL] },
      { role: 'tool', content: RESULT, tool_call_id: 'call_1' },
    ]);
    assert.deepEqual(answerTurn.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.equal(answerTurn.outputs, ANSWER);
    for (const chat of [toolTurn, answerTurn]) {
      assert.deepEqual([chat.model, chat.provider], ['qwen-plus-latest', 'openai']);
    }
    // The JS instrumentation does not read the include_usage chunk of a stream: the streamed call has no usage.
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], [null, null]);
    assert.equal(run.traces[0]?.total_tokens, '78');
  });

  it('AGENT and TOOL spans: inputs and outputs', () => {
    const agent = one(run.spans, 'search_agent', 'AGENT');
    assert.deepEqual([agent.inputs, agent.outputs], [QUESTION, ANSWER]);
    const tool = one(run.spans, 'search_web', 'TOOL');
    assert.deepEqual([tool.inputs, tool.outputs], [QUESTION, RESULT]);
  });

  it('names the agent and the tool (traceAgent / traceTool set no agent.name / tool.name: the span name)', () => {
    assert.equal(one(run.spans, 'search_agent', 'AGENT').agent_name, 'search_agent');
    assert.equal(one(run.spans, 'search_web', 'TOOL').tool_name, 'search_web');
  });
});
