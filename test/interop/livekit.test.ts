/**
 * LiveKit Agents (livekit-agents with the OpenAI plugin) in text-only mode on the fake Qwen server, traced by its
 * native spans (scope `livekit-agents`, `lk.*` keys beside GenAI ones), exported over OTLP/HTTP protobuf
 * (python/livekit_agent.py, in its own venv: see requirements-livekit.txt). The agent turn must be an AGENT with
 * the user's input and the spoken answer, the pipeline's llm_node an LLM with the chat context, the provider's
 * request a CHAT_MODEL with usage, the function tool a TOOL with arguments, output and call id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { LIVEKIT_ENV } from './support/python.js';
import { all, one } from './support/scenario.js';
import { ANSWER, QUESTION, RESULT, SYSTEM_PROMPT as SYSTEM, searchCall } from './support/search-agent.js';

const CALL = searchCall(1);

describe('LiveKit Agents native spans (text mode) → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'livekit-agents',
    spans: 17,
    venv: LIVEKIT_ENV,
    client: (s, python) => runPython(python, 'livekit_agent.py', otlpHttpEnv(s, 'livekit-agent')),
  });

  it('one trace: WORKFLOW agent_session › AGENT agent_turn › LLM llm_node › CHAT_MODEL llm_request, TOOL', () => {
    assert.equal(run.traces.length, 1);
    const types = (name: string) => all(run.spans, name).map((r) => r.span_type);
    assert.deepEqual(types('agent_session'), ['WORKFLOW']);
    assert.deepEqual(types('agent_turn'), ['AGENT']);
    assert.deepEqual(types('llm_node'), ['LLM', 'LLM']);
    assert.deepEqual(types('llm_request'), ['CHAT_MODEL', 'CHAT_MODEL']);
    assert.deepEqual(types('function_tool'), ['TOOL']);
    for (const r of run.spans) assert.ok((r.conventions as string[]).includes('livekit'), r.name as string);
  });

  it('agent turn: the user input and the answer', () => {
    const turn = one(run.spans, 'agent_turn', 'AGENT');
    assert.deepEqual(turn.input_messages, [{ role: 'user', content: QUESTION }]);
    assert.deepEqual(turn.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.deepEqual([turn.request_preview, turn.response_preview], [QUESTION, ANSWER]);
    assert.equal(turn.agent_name, 'search_agent');
  });

  it('llm_node: the chat context as messages (instructions, question, tool call, tool output) and the reply', () => {
    const [first, second] = all(run.spans, 'llm_node');
    assert.ok(first && second);
    assert.deepEqual(first.input_messages, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
    ]);
    assert.deepEqual(first.output_messages, [{ role: 'assistant', content: '', tool_calls: [CALL] }]);
    assert.deepEqual(second.input_messages, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: '', tool_calls: [CALL] },
      { role: 'tool', content: RESULT, tool_call_id: 'call_1', name: 'search_web' },
    ]);
    assert.deepEqual(second.output_messages, [{ role: 'assistant', content: ANSWER }]);
  });

  it('llm_request: model and usage; function_tool: arguments, output, call id; trace totals and previews', () => {
    const [toolTurn, answerTurn] = all(run.spans, 'llm_request');
    assert.ok(toolTurn && answerTurn);
    assert.equal(toolTurn.model, 'qwen-plus-latest');
    assert.deepEqual([toolTurn.input_tokens, toolTurn.output_tokens], ['61', '17']);
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], ['97', '23']);
    const tool = one(run.spans, 'function_tool', 'TOOL');
    assert.deepEqual(
      [tool.tool_name, tool.tool_call_id, tool.inputs, tool.outputs],
      ['search_web', 'call_1', { query: QUESTION }, RESULT],
    );
    const [t] = run.traces;
    assert.ok(t);
    assert.deepEqual([t.input_tokens, t.output_tokens], ['158', '40']);
    assert.equal(t.request_preview, QUESTION);
    assert.equal(t.response_preview, ANSWER);
  });
});
