/**
 * A LangGraph ReAct agent (create_react_agent on langchain-openai) traced by openinference-instrumentation-langchain,
 * exported over OTLP/HTTP protobuf (python/langgraph_agent.py). The graph's spans carry LangChain message objects
 * as their input / output payloads; the rows must show the model calls' messages and usage, the tool with its
 * call id, and previews that are the question and the final answer as text, not the JSON of message objects.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerFor } from './fake-model-server.js';
import { ensurePythonEnv, PYTHON_DIR, VENV_TIMEOUT_MS } from './support/python.js';
import {
  all,
  CLIENT_TIMEOUT_MS,
  one,
  type Row,
  runClient,
  type Scenario,
  startScenario,
  tree,
  verbose,
} from './support/scenario.js';

const QUESTION = 'What is new in Qwen3?';
const SYSTEM = 'You are a helpful assistant, and you use search_web tool to find information.';
const RESULT = `Qwen3 search results for '${QUESTION}': hybrid thinking modes.`;
const ANSWER = answerFor(RESULT);

describe('LangGraph + openinference-instrumentation-langchain → OTLP/HTTP protobuf', () => {
  let s: Scenario;
  let spans: Row[];
  let traces: Row[];

  before(
    async () => {
      const python = await ensurePythonEnv((m) => verbose(m));
      s = await startScenario();
      await runClient(
        'langgraph_agent.py',
        python,
        [join(PYTHON_DIR, 'langgraph_agent.py')],
        s.env({
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${s.httpEndpoint}/v1/traces`,
          OTEL_SERVICE_NAME: 'langgraph-agent',
        }),
      );
      spans = await s.waitForSpans(15);
      traces = await s.traces();
      verbose(tree(spans));
    },
    { timeout: VENV_TIMEOUT_MS + CLIENT_TIMEOUT_MS },
  );
  after(() => s?.finish('langgraph-openinference'));

  it('one trace: the graph, its agent nodes with model calls, the tool', () => {
    assert.equal(traces.length, 1);
    const root = spans.find((r) => r.parent_span_id === null);
    assert.deepEqual([root?.name, root?.span_type], ['LangGraph', 'CHAIN']);
    assert.deepEqual(
      all(spans, 'agent').map((r) => r.span_type),
      ['AGENT', 'AGENT'],
    );
    assert.deepEqual(
      all(spans, 'ChatOpenAI').map((r) => r.span_type),
      ['LLM', 'LLM'],
    );
    assert.equal(one(spans, 'search_web').span_type, 'TOOL');
  });

  it('model calls: messages with the tool call and result, model and usage', () => {
    const [toolTurn, answerTurn] = all(spans, 'ChatOpenAI');
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
    const tool = one(spans, 'search_web', 'TOOL');
    assert.equal(tool.tool_name, 'search_web');
    assert.equal(tool.tool_call_id, 'call_1');
  });

  it('previews are the question and the answer as text, for the trace and the agent nodes', () => {
    const [t] = traces;
    assert.ok(t);
    assert.equal(t.request_preview, QUESTION);
    assert.equal(t.response_preview, ANSWER);
    assert.deepEqual([t.input_tokens, t.output_tokens], ['158', '40']);
    const [, answerNode] = all(spans, 'agent');
    assert.equal(answerNode?.response_preview, ANSWER);
    const messageJson = spans.filter((r) =>
      /^[[{]"?(messages|type)"?/.test(String(r.response_preview ?? '')),
    );
    assert.deepEqual(
      messageJson.map((r) => r.name),
      [],
      'no preview is the JSON of LangChain message objects',
    );
  });
});
