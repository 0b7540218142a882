/**
 * The OpenAI Agents SDK (openai-agents) traced by openinference-instrumentation-openai-agents, exported over
 * OTLP/HTTP protobuf (python/openai_agents_handoff.py): a triage agent hands off to a search agent, which calls
 * search_web and answers. The rows must show both agents, the handoff, the model calls with their messages and
 * usage, the function tool with its arguments and result, and previews that are the question and the answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastUserText, type Script, toolAgentScript, USAGE } from './fake-model-server.js';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { all, one, type Row } from './support/scenario.js';
import { ANSWER, QUESTION, RESULT } from './support/search-agent.js';

/** Each offered tool is called once (the handoff without arguments, search_web with the question), then answered. */
const script: Script = (req, n) => {
  const called = new Set(req.messages.flatMap((m) => m.tool_calls?.map((c) => c.function.name) ?? []));
  const next = req.tools?.map((t) => t.function.name).find((name) => !called.has(name));
  if (next)
    return {
      content: '',
      toolCalls: [
        { name: next, arguments: next.startsWith('transfer_to_') ? {} : { query: lastUserText(req) } },
      ],
      ...USAGE.toolCall,
    };
  return toolAgentScript(req, n);
};

describe('OpenAI Agents SDK + openinference-instrumentation-openai-agents → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'openai-agents',
    spans: 11,
    script,
    client: (s, python) => runPython(python, 'openai_agents_handoff.py', otlpHttpEnv(s, 'openai-agents')),
  });

  it('one trace: both agents, the handoff, model calls and the function tool', () => {
    assert.equal(run.traces.length, 1);
    const types = (name: string) => all(run.spans, name).map((r) => r.span_type);
    assert.deepEqual(types('triage_agent'), ['AGENT']);
    assert.deepEqual(types('search_agent'), ['AGENT']);
    assert.deepEqual(types('handoff to search_agent'), ['TOOL']);
    assert.deepEqual(types('search_web'), ['TOOL']);
    assert.deepEqual(types('generation'), ['LLM', 'LLM', 'LLM']);
    for (const r of run.spans)
      assert.ok((r.conventions as string[]).includes('openinference'), r.name as string);
  });

  it('model calls: messages, the handoff and tool calls, model and usage', () => {
    const [triage, toolTurn, answerTurn] = all(run.spans, 'generation');
    assert.ok(triage && toolTurn && answerTurn);
    assert.deepEqual(triage.input_messages, [
      { role: 'system', content: 'Hand every question to the search agent.' },
      { role: 'user', content: QUESTION },
    ]);
    // The handoff is called with '{}': OpenInference records no arguments attribute for an empty object.
    assert.deepEqual((triage.output_messages as Row[])[0]?.tool_calls, [
      { id: 'call_1', name: 'transfer_to_search_agent', arguments: null },
    ]);
    assert.deepEqual((toolTurn.output_messages as Row[])[0]?.tool_calls, [
      { id: 'call_2', name: 'search_web', arguments: { query: QUESTION } },
    ]);
    assert.deepEqual(answerTurn.output_messages, [{ role: 'assistant', content: ANSWER }]);
    for (const r of [triage, toolTurn, answerTurn]) assert.equal(r.model, 'qwen-plus-latest');
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], ['97', '23']);
  });

  it('the function tool and the handoff; trace totals and previews', () => {
    const tool = one(run.spans, 'search_web', 'TOOL');
    assert.equal(tool.tool_name, 'search_web');
    assert.deepEqual(tool.inputs, { query: QUESTION });
    assert.equal(tool.outputs, RESULT);
    const handoff = one(run.spans, 'handoff to search_agent', 'TOOL');
    assert.deepEqual([handoff.inputs, handoff.outputs], ['triage_agent', 'search_agent']);
    const [t] = run.traces;
    assert.ok(t);
    assert.deepEqual([t.input_tokens, t.output_tokens], [String(61 + 61 + 97), String(17 + 17 + 23)]);
    assert.equal(t.request_preview, QUESTION);
    assert.equal(t.response_preview, ANSWER);
  });
});
