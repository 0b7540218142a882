/**
 * openinference-instrumentation-openai (Python) on the `openai` client against the fake Qwen server, with
 * OpenInference's own @tracer.agent / @tracer.tool spans and using_attributes (session, user, metadata, tags),
 * exported over OTLP/HTTP protobuf (python/openinference_openai.py).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { one, type Row, tree } from './support/scenario.js';
import { ANSWER, QUESTION, RESULT, SYSTEM_PROMPT, searchCall } from './support/search-agent.js';

const SYSTEM = { role: 'system', content: SYSTEM_PROMPT };
const CALL = searchCall(1);

describe('openinference-instrumentation-openai (Python) → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'openinference-openai-python',
    spans: 4,
    client: (s, python) =>
      runPython(python, 'openinference_openai.py', otlpHttpEnv(s, 'openinference-py-agent')),
  });

  it('one trace: AGENT › LLM, TOOL, LLM with session, user, metadata and tags', () => {
    assert.equal(
      tree(run.spans),
      ['AGENT search_agent', '  LLM ChatCompletion', '  TOOL search_web', '  LLM ChatCompletion'].join('\n'),
    );
    const [t] = run.traces;
    assert.ok(t);
    assert.equal(run.traces.length, 1);
    assert.deepEqual(
      [t.name, t.state, t.experiment_name, t.session_id, t.user_id],
      ['search_agent', 'OK', 'openinference-py-agent', 'session-42', 'user-7'],
    );
    assert.deepEqual(t.metadata, { tenant: 'acme' });
    assert.deepEqual([(t.tags as Row).qwen, (t.tags as Row).interop], ['true', 'true']);
    for (const r of run.spans) {
      assert.deepEqual([r.session_id, r.user_id], ['session-42', 'user-7'], r.name as string);
      assert.ok((r.conventions as string[]).includes('openinference'));
    }
  });

  it('LLM spans: messages, tool calls, tool results, model, usage (streamed usage included)', () => {
    const [toolTurn, answerTurn] = run.spans.filter((r) => r.name === 'ChatCompletion');
    assert.ok(toolTurn && answerTurn);
    assert.deepEqual(toolTurn.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.deepEqual(toolTurn.output_messages, [{ role: 'assistant', content: '', tool_calls: [CALL] }]);
    assert.deepEqual(toolTurn.finish_reasons, ['tool_calls']);
    assert.deepEqual(
      [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
      ['61', '17', '78'],
    );
    assert.deepEqual((answerTurn.input_messages as Row[]).slice(2), [
      { role: 'assistant', content: '', tool_calls: [CALL] },
      { role: 'tool', content: RESULT, tool_call_id: 'call_1' },
    ]);
    assert.deepEqual(answerTurn.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.deepEqual(
      [answerTurn.input_tokens, answerTurn.output_tokens, answerTurn.total_tokens],
      ['97', '23', '120'],
    );
    assert.equal((answerTurn.request_params as Row).stream, true);
    assert.equal((answerTurn.events as { name: string }[])[0]?.name, 'First Token Stream Event');
    for (const chat of [toolTurn, answerTurn]) {
      assert.equal(chat.model, 'qwen-plus-latest');
      assert.equal(chat.provider, 'openai');
      assert.equal((chat.request_params as Row).temperature, 0.01);
    }
  });

  it('AGENT and TOOL spans: inputs, outputs, tool name; trace tokens and previews', () => {
    const agent = one(run.spans, 'search_agent', 'AGENT');
    assert.equal(agent.inputs, QUESTION);
    assert.equal(agent.outputs, ANSWER);
    const tool = one(run.spans, 'search_web', 'TOOL');
    assert.equal(tool.tool_name, 'search_web');
    assert.deepEqual(tool.inputs, { query: QUESTION });
    assert.equal(tool.outputs, RESULT);
    const [t] = run.traces;
    assert.deepEqual([t?.input_tokens, t?.output_tokens, t?.total_tokens], ['158', '40', '198']);
    assert.equal(t?.request_preview, QUESTION);
    assert.equal(t?.response_preview, ANSWER);
  });

  it('names the agent of the AGENT span (@tracer.agent(name=…) sets no agent.name attribute: the span name)', () => {
    assert.equal(one(run.spans, 'search_agent', 'AGENT').agent_name, 'search_agent');
  });
});
