/**
 * OpenInference for JS (js/openinference-openai.ts): `@arizeai/openinference-instrumentation-openai` on the `openai`
 * JS client against the fake Qwen server, agent and tool spans from `@arizeai/openinference-core`, session / user /
 * metadata / tags from its context helpers; exported by the OTel JS SDK over OTLP/HTTP JSON.
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
const RESULT = `Qwen3 search results for '${QUESTION}': hybrid thinking modes.`;
const ANSWER = answerFor(RESULT);
const CALL = { id: 'call_1', name: 'search_web', arguments: { query: QUESTION } };

describe('@arizeai/openinference-instrumentation-openai (JS) → OTel JS SDK → OTLP/HTTP JSON', () => {
  let s: Scenario;
  let spans: Row[];
  let traces: Row[];

  before(
    async () => {
      requireNpmPackages([
        'openai',
        '@arizeai/openinference-instrumentation-openai',
        '@arizeai/openinference-core',
      ]);
      s = await startScenario();
      await runNodeClient(
        'openinference-openai.ts',
        s.env({
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${s.httpEndpoint}/v1/traces`,
          OTEL_SERVICE_NAME: 'openinference-js-agent',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
        }),
      );
      spans = await s.waitForSpans(4);
      traces = await s.traces();
      verbose(tree(spans));
    },
    { timeout: 240_000 },
  );
  after(() => s?.finish('openinference-openai-js'));

  it('one trace: AGENT › LLM, TOOL, LLM with session, user, metadata and tags', () => {
    assert.equal(
      tree(spans),
      [
        'AGENT search_agent',
        '  LLM OpenAI Chat Completions',
        '  TOOL search_web',
        '  LLM OpenAI Chat Completions',
      ].join('\n'),
    );
    const [t] = traces;
    assert.ok(t && traces.length === 1);
    assert.deepEqual(
      [t.name, t.state, t.experiment_name, t.session_id, t.user_id],
      ['search_agent', 'OK', 'openinference-js-agent', 'session-42', 'user-7'],
    );
    assert.deepEqual(t.metadata, { tenant: 'acme' });
    assert.deepEqual([(t.tags as Row).qwen, (t.tags as Row).interop], ['true', 'true']);
    assert.deepEqual([t.request_preview, t.response_preview], [QUESTION, ANSWER]);
  });

  it('LLM spans: messages, tool call, tool result, model, provider; usage as the instrumentation reports it', () => {
    const [toolTurn, answerTurn] = spans.filter((r) => r.span_type === 'LLM');
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
    assert.equal(traces[0]?.total_tokens, '78');
  });

  it('AGENT and TOOL spans: inputs and outputs', () => {
    const agent = one(spans, 'search_agent', 'AGENT');
    assert.deepEqual([agent.inputs, agent.outputs], [QUESTION, ANSWER]);
    const tool = one(spans, 'search_web', 'TOOL');
    assert.deepEqual([tool.inputs, tool.outputs], [QUESTION, RESULT]);
  });

  it('names the agent and the tool (traceAgent / traceTool set no agent.name / tool.name: the span name)', () => {
    assert.equal(one(spans, 'search_agent', 'AGENT').agent_name, 'search_agent');
    assert.equal(one(spans, 'search_web', 'TOOL').tool_name, 'search_web');
  });
});
