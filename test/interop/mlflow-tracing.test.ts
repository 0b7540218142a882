/**
 * mlflow-tracing 3.x exporting over OTLP (python/mlflow_agent.py: the seed article's APIs): @mlflow.trace with span
 * types, start_span blocks with set_inputs / set_outputs / set_attributes, update_current_trace(tags), an async
 * generator with output_reducer, mlflow.openai.autolog() around the openai client talking to the fake Qwen server,
 * and a tool that raises. The rows must read the way MLflow's trace UI presents the same program.
 *
 * Run twice: MLflow's own span format over OTLP/HTTP protobuf, and MLflow's GenAI-semconv translation
 * (MLFLOW_ENABLE_OTEL_GENAI_SEMCONV=true) over OTLP/gRPC with gzip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerFor, textOf } from './fake-model-server.js';
import { type ClientRun, clientRun, runPython } from './support/client-run.js';
import { one, type Row, type Scenario, tree } from './support/scenario.js';

const SEARCH_QUESTION = 'What is new in Qwen3?';
const STREAM_QUESTION = 'Stream me a haiku about tracing';
const CHAT_QUESTIONS = ['What is Qwen3?', 'BYE is not what I say: tell me a joke'];
const SEARCH_TOOL_CALL = { id: 'call_1', name: 'search_web', arguments: { query: SEARCH_QUESTION } };

interface Run extends ClientRun {
  /** The tool result the agent sent back to the model, and the model's final answer built from it. */
  toolResult: string;
  answer: string;
}

/**
 * Runs mlflow_agent.py once for the describe block it is called in (before / after hooks) and returns the state
 * its tests read. `exporter` gives the OTLP exporter variables for the scenario's bridge.
 */
function runMlflow(
  client: string,
  experiment: string,
  exporter: (s: Scenario) => Record<string, string>,
): Run {
  return clientRun({
    fixture: client,
    spans: 16,
    client: (s, python) =>
      runPython(
        python,
        'mlflow_agent.py',
        s.env({
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: `x-tracebridge-experiment=${experiment}`,
          ...exporter(s),
        }),
      ),
    afterRows(run) {
      const state = run as Run;
      state.toolResult = textOf(run.s.model.requests[4]?.messages.at(-1)?.content);
      state.answer = answerFor(state.toolResult);
    },
  }) as Run;
}

describe('mlflow-tracing → OTLP/HTTP protobuf (MLflow span format)', () => {
  const run = runMlflow('mlflow-tracing', 'qwen-agents', (s) => ({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${s.httpEndpoint}/v1/traces`,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  }));

  it('stores four traces with the span tree MLflow shows, in the experiment named by the header', () => {
    assert.equal(
      tree(run.spans),
      [
        'CHAIN main',
        '  CHAT_MODEL chatbot',
        '    CHAT_MODEL AsyncCompletions',
        '  CHAT_MODEL chatbot',
        '    CHAT_MODEL AsyncCompletions',
        'LLM predict',
        '  CHAT_MODEL AsyncCompletions',
        'AGENT search_agent',
        '  LLM get_tool_calls',
        '    CHAT_MODEL AsyncCompletions',
        '  TOOL invoke_tools',
        '    TOOL search_web',
        '  LLM reflect_tool_calls',
        '    CHAT_MODEL AsyncCompletions',
        'AGENT browse_agent',
        '  TOOL fetch_page',
      ].join('\n'),
    );
    assert.deepEqual(
      run.traces.map((t) => [t.name, t.state, t.span_count, t.experiment_name]),
      [
        ['main', 'OK', 5, 'qwen-agents'],
        ['predict', 'OK', 2, 'qwen-agents'],
        ['search_agent', 'OK', 7, 'qwen-agents'],
        ['browse_agent', 'ERROR', 2, 'qwen-agents'],
      ],
    );
    for (const s of run.spans) {
      assert.equal(s.scope_name, 'mlflow.tracing.provider');
      assert.deepEqual((s.resource_attributes as Row)['telemetry.sdk.name'], 'mlflow');
      assert.ok((s.conventions as string[]).includes('mlflow'), `${s.name} matched the mlflow convention`);
    }
  });

  it('autolog: chat completions carry the conversation, parameters, response and token usage', () => {
    const spans = run.spansOf('main');
    const [first, second] = spans.filter((r) => r.name === 'AsyncCompletions');
    assert.ok(first && second);
    const system = { role: 'system', content: 'You are Tony, a fun chatbot.' };
    const greeting = { role: 'assistant', content: 'Hello, what can I help you with today?' };
    assert.deepEqual(first.input_messages, [system, greeting, { role: 'user', content: CHAT_QUESTIONS[0] }]);
    assert.deepEqual(first.output_messages, [
      { role: 'assistant', content: `Qwen answers: ${CHAT_QUESTIONS[0]}`, finish_reason: 'stop' },
    ]);
    assert.deepEqual(second.input_messages, [
      system,
      greeting,
      { role: 'user', content: CHAT_QUESTIONS[0] },
      { role: 'assistant', content: `Qwen answers: ${CHAT_QUESTIONS[0]}` },
      { role: 'user', content: CHAT_QUESTIONS[1] },
    ]);
    for (const [i, chat] of [first, second].entries()) {
      assert.equal(chat.span_type, 'CHAT_MODEL');
      assert.equal(chat.model, 'qwen-plus-latest');
      assert.equal(chat.response_id, `chatcmpl-${i + 1}`);
      assert.deepEqual(chat.finish_reasons, ['stop']);
      assert.deepEqual(chat.request_params, { temperature: 0.7, max_tokens: 100 });
      assert.deepEqual([chat.input_tokens, chat.output_tokens, chat.total_tokens], ['24', '9', '33']);
      assert.equal(chat.request_preview, CHAT_QUESTIONS[i]);
      assert.equal(chat.response_preview, `Qwen answers: ${CHAT_QUESTIONS[i]}`);
    }
    const chatbot = spans.filter((r) => r.name === 'chatbot');
    assert.deepEqual(
      chatbot.map((r) => [(r.inputs as Row).user_query, r.outputs]),
      [
        [CHAT_QUESTIONS[0], 'Tony says: Qwen answers: What is Qwen3?'],
        [CHAT_QUESTIONS[1], 'Tony says: Qwen answers: BYE is not what I say: tel...'],
      ],
    );
    const t = run.traceOf('main');
    assert.deepEqual([t.input_tokens, t.output_tokens, t.total_tokens], ['48', '18', '66']);
    assert.deepEqual(JSON.parse(t.request_preview as string), { user_queries: CHAT_QUESTIONS });
  });

  it('streaming: output_reducer output, the SSE chunks as events, usage from the include_usage chunk', () => {
    const spans = run.spansOf('predict');
    const predict = one(spans, 'predict', 'LLM');
    const reply = `Qwen answers: ${STREAM_QUESTION}`;
    assert.deepEqual(predict.inputs, { query: STREAM_QUESTION });
    assert.equal(predict.outputs, reply);
    const chunks = (predict.events as { name: string }[]).map((e) => e.name);
    // role chunk, three content deltas, the finish chunk, the usage chunk
    assert.deepEqual(
      chunks,
      [0, 1, 2, 3, 4, 5].map((i) => `mlflow.chunk.item.${i}`),
    );
    const chat = one(spans, 'AsyncCompletions', 'CHAT_MODEL');
    assert.equal((chat.inputs as Row).stream, true);
    assert.deepEqual(chat.output_messages, [{ role: 'assistant', content: reply, finish_reason: 'stop' }]);
    assert.deepEqual([chat.input_tokens, chat.output_tokens, chat.total_tokens], ['24', '9', '33']);
    const t = run.traceOf('predict');
    assert.equal(t.request_preview, STREAM_QUESTION);
    assert.equal(t.response_preview, reply);
    assert.equal(t.total_tokens, '33');
  });

  it('function calling: tags, start_span inputs / outputs / attributes, tool calls and tool results', () => {
    const spans = run.spansOf('search_agent');
    const t = run.traceOf('search_agent');
    const tags = t.tags as Record<string, string>;
    assert.match(tags.date ?? '', /^\d{8}$/);
    assert.equal(tags.model, 'qwen-plus-latest');
    assert.deepEqual([t.input_tokens, t.output_tokens, t.total_tokens], ['158', '40', '198']);
    assert.equal(t.request_preview, SEARCH_QUESTION);
    assert.equal(t.response_preview, run.answer);

    const agent = one(spans, 'search_agent', 'AGENT');
    assert.deepEqual(agent.inputs, { query: SEARCH_QUESTION });
    assert.equal(agent.outputs, run.answer);

    const getToolCalls = one(spans, 'get_tool_calls', 'LLM');
    assert.deepEqual(getToolCalls.inputs, { query: SEARCH_QUESTION });
    assert.deepEqual(getToolCalls.outputs, {
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'search_web', arguments: JSON.stringify({ query: SEARCH_QUESTION }) },
        },
      ],
    });
    // MLflow JSON-encodes custom attribute values; `attributes` keeps them as sent.
    assert.equal((getToolCalls.attributes as Row).num_of_tool_calls, '1');

    const [toolTurn, answerTurn] = spans.filter((r) => r.name === 'AsyncCompletions');
    assert.ok(toolTurn && answerTurn);
    assert.equal(toolTurn.parent_span_id, getToolCalls.span_id);
    assert.deepEqual(toolTurn.output_messages, [
      { role: 'assistant', content: '', tool_calls: [SEARCH_TOOL_CALL], finish_reason: 'tool_calls' },
    ]);
    assert.deepEqual(toolTurn.finish_reasons, ['tool_calls']);
    assert.deepEqual(((toolTurn.request_params as Row).tools as Row[]).length, 1);
    assert.deepEqual([toolTurn.input_tokens, toolTurn.output_tokens], ['61', '17']);
    assert.equal(toolTurn.response_preview, `search_web(${JSON.stringify({ query: SEARCH_QUESTION })})`);

    const invokeTools = one(spans, 'invoke_tools', 'TOOL');
    assert.deepEqual(invokeTools.outputs, {
      tool_call_results: [{ role: 'tool', tool_call_id: 'call_1', content: run.toolResult }],
    });
    assert.equal((invokeTools.attributes as Row).num_of_tool_call_results, '1');
    const searchWeb = one(spans, 'search_web', 'TOOL');
    assert.equal(searchWeb.parent_span_id, invokeTools.span_id);
    assert.deepEqual(searchWeb.inputs, { query: SEARCH_QUESTION });
    assert.equal(searchWeb.outputs, run.toolResult);

    const reflect = one(spans, 'reflect_tool_calls', 'LLM');
    assert.deepEqual(reflect.outputs, { answer: run.answer });
    assert.equal(answerTurn.parent_span_id, reflect.span_id);
    assert.deepEqual((answerTurn.input_messages as Row[]).slice(-2), [
      { role: 'assistant', content: '', tool_calls: [SEARCH_TOOL_CALL] },
      { role: 'tool', content: run.toolResult, tool_call_id: 'call_1' },
    ]);
    assert.deepEqual(answerTurn.output_messages, [
      { role: 'assistant', content: run.answer, finish_reason: 'stop' },
    ]);
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], ['97', '23']);
  });

  it('names the agent of an AGENT span and the tool of a TOOL span (MLflow names them by the function)', () => {
    const spans = run.spansOf('search_agent');
    assert.equal(one(spans, 'search_agent', 'AGENT').agent_name, 'search_agent');
    assert.equal(one(spans, 'search_web', 'TOOL').tool_name, 'search_web');
    assert.equal(one(run.spansOf('browse_agent'), 'fetch_page', 'TOOL').tool_name, 'fetch_page');
  });

  it('a span that raises: ERROR status, the exception event, error type, and an ERROR trace', () => {
    const spans = run.spansOf('browse_agent');
    const message = 'fetch_page: connection refused for http://example.invalid/qwen3';
    for (const name of ['browse_agent', 'fetch_page']) {
      const s = one(spans, name);
      assert.equal(s.status, 'ERROR', name);
      assert.equal(s.status_message, `ConnectionError: ${message}`);
      assert.equal(s.error_type, 'ConnectionError');
      const [event] = s.events as { name: string; attributes: Row }[];
      assert.equal(event?.name, 'exception');
      assert.equal(event?.attributes['exception.type'], 'ConnectionError');
      assert.equal(event?.attributes['exception.message'], message);
      assert.match(String(event?.attributes['exception.stacktrace']), /Traceback/);
      assert.deepEqual(s.inputs, { url: 'http://example.invalid/qwen3' });
    }
    const t = run.traceOf('browse_agent');
    assert.equal(t.state, 'ERROR');
    assert.equal(t.error_count, 2);
    assert.equal(t.total_tokens, null);
  });
});

describe('mlflow-tracing → OTLP/gRPC gzip, MLFLOW_ENABLE_OTEL_GENAI_SEMCONV=true (GenAI semconv spans)', () => {
  const run = runMlflow('mlflow-tracing-genai-semconv', 'qwen-agents-semconv', (s) => ({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: s.grpcEndpoint,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true',
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
    MLFLOW_ENABLE_OTEL_GENAI_SEMCONV: 'true',
  }));

  it('stores the same four traces, typed from gen_ai.operation.name (MLflow writes its own type name for CHAIN)', () => {
    assert.equal(
      tree(run.spans),
      [
        'CHAIN CHAIN',
        '  CHAT_MODEL chat',
        '    CHAT_MODEL chat qwen-plus-latest',
        '  CHAT_MODEL chat',
        '    CHAT_MODEL chat qwen-plus-latest',
        'LLM generate_content',
        '  CHAT_MODEL chat qwen-plus-latest',
        'AGENT invoke_agent search_agent',
        '  LLM generate_content',
        '    CHAT_MODEL chat qwen-plus-latest',
        '  TOOL execute_tool invoke_tools',
        '    TOOL execute_tool search_web',
        '  LLM generate_content',
        '    CHAT_MODEL chat qwen-plus-latest',
        'AGENT invoke_agent browse_agent',
        '  TOOL execute_tool fetch_page',
      ].join('\n'),
    );
    assert.deepEqual(
      run.traces.map((t) => [t.name, t.state, t.experiment_name]),
      [
        ['CHAIN', 'OK', 'qwen-agents-semconv'],
        ['generate_content', 'OK', 'qwen-agents-semconv'],
        ['invoke_agent search_agent', 'OK', 'qwen-agents-semconv'],
        ['invoke_agent browse_agent', 'ERROR', 'qwen-agents-semconv'],
      ],
    );
  });

  it('chat spans: system instructions and messages, tool calls, usage; trace tags and token totals', () => {
    const spans = run.spansOf('invoke_agent search_agent');
    const [toolTurn, answerTurn] = spans.filter((r) => r.name === 'chat qwen-plus-latest');
    assert.ok(toolTurn && answerTurn);
    const system = {
      role: 'system',
      content: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
    };
    assert.deepEqual(toolTurn.input_messages, [system, { role: 'user', content: SEARCH_QUESTION }]);
    assert.deepEqual(toolTurn.output_messages, [
      { role: 'assistant', content: '', tool_calls: [SEARCH_TOOL_CALL], finish_reason: 'tool_calls' },
    ]);
    assert.deepEqual([toolTurn.model, toolTurn.response_id], ['qwen-plus-latest', 'chatcmpl-4']);
    assert.deepEqual(
      [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
      ['61', '17', '78'],
    );
    assert.deepEqual((answerTurn.input_messages as Row[]).at(-1), {
      role: 'tool',
      content: run.toolResult,
      tool_call_id: 'call_1',
    });
    assert.deepEqual(answerTurn.output_messages, [
      { role: 'assistant', content: run.answer, finish_reason: 'stop' },
    ]);

    const agent = one(spans, 'invoke_agent search_agent', 'AGENT');
    assert.equal(agent.agent_name, 'search_agent');
    const t = run.traces.find((r) => r.name === 'invoke_agent search_agent')!;
    assert.equal((t.tags as Row).model, 'qwen-plus-latest');
    assert.match(String((t.tags as Row).date), /^\d{8}$/);
    assert.deepEqual([t.input_tokens, t.output_tokens, t.total_tokens], ['158', '40', '198']);
    assert.equal(t.request_preview, SEARCH_QUESTION);
  });

  it('tool spans: arguments and result decoded once (the result is a JSON-encoded string)', () => {
    const spans = run.spansOf('invoke_agent search_agent');
    const searchWeb = one(spans, 'execute_tool search_web', 'TOOL');
    assert.equal(searchWeb.tool_name, 'search_web');
    assert.deepEqual(searchWeb.inputs, { query: SEARCH_QUESTION });
    assert.equal(searchWeb.outputs, run.toolResult);
    assert.equal(searchWeb.response_preview, run.toolResult);
  });

  it('a span that raises: ERROR status, exception event and error type on the tool and the agent', () => {
    const spans = run.spansOf('invoke_agent browse_agent');
    for (const name of ['invoke_agent browse_agent', 'execute_tool fetch_page']) {
      const s = one(spans, name);
      assert.equal(s.status, 'ERROR', name);
      assert.equal(s.error_type, 'ConnectionError');
      assert.equal((s.events as { name: string }[])[0]?.name, 'exception');
    }
    assert.equal(one(spans, 'execute_tool fetch_page').tool_name, 'fetch_page');
  });
});
