/**
 * A LangGraph ReAct agent (create_react_agent on langchain-openai) traced by openinference-instrumentation-langchain,
 * exported over OTLP/HTTP protobuf (python/langgraph_agent.py). The graph's spans carry LangChain message objects
 * as their input / output payloads; the rows must show the model calls' messages and usage, the tool with its
 * call id, and previews that are the question and the final answer as text, not the JSON of message objects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { all, one, type Row } from './support/scenario.js';
import { ANSWER, QUESTION, SYSTEM_PROMPT as SYSTEM } from './support/search-agent.js';

describe('LangGraph + openinference-instrumentation-langchain → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'langgraph-openinference',
    spans: 15,
    client: (s, python) => runPython(python, 'langgraph_agent.py', otlpHttpEnv(s, 'langgraph-agent')),
  });

  it('one trace: the graph, its agent nodes with model calls, the tool', () => {
    assert.equal(run.traces.length, 1);
    const root = run.spans.find((r) => r.parent_span_id === null);
    assert.deepEqual([root?.name, root?.span_type], ['LangGraph', 'CHAIN']);
    assert.deepEqual(
      all(run.spans, 'agent').map((r) => r.span_type),
      ['AGENT', 'AGENT'],
    );
    assert.deepEqual(
      all(run.spans, 'ChatOpenAI').map((r) => r.span_type),
      ['LLM', 'LLM'],
    );
    assert.equal(one(run.spans, 'search_web').span_type, 'TOOL');
  });

  it('model calls: messages with the tool call and result, model and usage', () => {
    const [toolTurn, answerTurn] = all(run.spans, 'ChatOpenAI');
    assert.ok(toolTurn && answerTurn);
    assert.deepEqual(toolTurn.input_messages, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
    ]);
    assert.deepEqual((toolTurn.output_messages as Row[])[0]?.tool_calls, [
      { id: 'call_1', name: 'search_web', arguments: { query: QUESTION } },
    ]);
    assert.deepEqual((answerTurn.output_messages as Row[])[0]?.content, ANSWER);
    assert.equal(toolTurn.model, 'qwen-plus-latest');
    assert.deepEqual([toolTurn.input_tokens, toolTurn.output_tokens], ['61', '17']);
  });

  it('the tool: name, call id (from the ToolMessage it returned), arguments', () => {
    const tool = one(run.spans, 'search_web', 'TOOL');
    assert.equal(tool.tool_name, 'search_web');
    assert.equal(tool.tool_call_id, 'call_1');
  });

  it('previews are the question and the answer as text, for the trace and the agent nodes', () => {
    const [t] = run.traces;
    assert.ok(t);
    assert.equal(t.request_preview, QUESTION);
    assert.equal(t.response_preview, ANSWER);
    assert.deepEqual([t.input_tokens, t.output_tokens], ['158', '40']);
    const [, answerNode] = all(run.spans, 'agent');
    assert.equal(answerNode?.response_preview, ANSWER);
    const messageJson = run.spans.filter((r) =>
      /^[[{]"?(messages|type)"?/.test(String(r.response_preview ?? '')),
    );
    assert.deepEqual(
      messageJson.map((r) => r.name),
      [],
      'no preview is the JSON of LangChain message objects',
    );
  });
});
