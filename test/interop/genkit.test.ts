/**
 * Firebase Genkit (js/genkit.ts): a flow with a tool loop on `@genkit-ai/compat-oai` against the fake Qwen server,
 * and a flow on an application-defined thinking model, traced by Genkit's own instrumentation and exported by the
 * OTel JS SDK over OTLP/HTTP protobuf.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, JS_SDK_TRACES_ONLY, otlpHttpEnv } from './support/client-run.js';
import { one, pick, type Row, runNodeClient, TRACE_TOTALS, tree } from './support/scenario.js';
import { QUESTION, searchCall, WEB_SEARCH } from './support/search-agent.js';

const { system: SYSTEM, result: SEARCH_RESULT, answer: ANSWER } = WEB_SEARCH;
const CALL = searchCall(1);
const MODEL_SPAN = 'qwen/qwen-plus-latest';

describe('Firebase Genkit → OTel JS SDK → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'genkit',
    spans: 9,
    npm: ['genkit', '@genkit-ai/compat-oai'],
    client: (s) => runNodeClient('genkit.ts', otlpHttpEnv(s, 'genkit-agent', JS_SDK_TRACES_ONLY)),
  });

  it('two traces named by their flows, previews as text, model usage summed', () => {
    assert.deepEqual(pick(run.traces, [...TRACE_TOTALS, 'request_preview', 'response_preview']), [
      ['searchAgent', 'OK', 'genkit-agent', '158', '40', '198', QUESTION, ANSWER],
      ['thinkAgent', 'OK', 'genkit-agent', '12', '30', '42', 'Is Qwen3 open source?', 'Yes.'],
    ]);
  });

  it('flows are CHAIN, generate steps CHAIN, model actions CHAT_MODEL, tools TOOL', () => {
    assert.equal(
      tree(run.spansOf('searchAgent')),
      [
        'CHAIN searchAgent',
        '  CHAIN generate',
        `    CHAT_MODEL ${MODEL_SPAN}`,
        '    TOOL search_web',
        '    CHAIN generate',
        `      CHAT_MODEL ${MODEL_SPAN}`,
      ].join('\n'),
    );
    for (const r of run.spans) assert.deepEqual(r.conventions, ['genkit'], r.name as string);
  });

  it('model actions: messages, tool call and result, model, provider, response id, usage, config', () => {
    const [toolTurn, answerTurn] = run.spansOf('searchAgent').filter((r) => r.name === MODEL_SPAN);
    assert.ok(toolTurn && answerTurn);
    assert.deepEqual(toolTurn.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.deepEqual(toolTurn.output_messages, [
      { role: 'assistant', content: '', tool_calls: [CALL], finish_reason: 'stop' },
    ]);
    const history = answerTurn.input_messages as Row[];
    assert.deepEqual(history.at(-2), { role: 'assistant', content: '', tool_calls: [CALL] });
    assert.deepEqual(history.at(-1), { role: 'tool', content: SEARCH_RESULT, tool_call_id: 'call_1' });
    assert.deepEqual(answerTurn.output_messages, [
      { role: 'assistant', content: ANSWER, finish_reason: 'stop' },
    ]);
    assert.deepEqual(
      [toolTurn.model, toolTurn.provider, toolTurn.response_id, toolTurn.finish_reasons],
      ['qwen-plus-latest', 'qwen', 'chatcmpl-1', ['stop']],
    );
    assert.deepEqual(
      [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
      ['61', '17', '78'],
    );
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], ['97', '23']);
    assert.equal((toolTurn.request_params as Row).temperature, 0.01);
    assert.equal(((toolTurn.request_params as Row).tools as Row[]).length, 1);
    assert.equal(answerTurn.response_preview, ANSWER);
  });

  it('the tool span: name, arguments, result', () => {
    const tool = one(run.spansOf('searchAgent'), 'search_web', 'TOOL');
    assert.equal(tool.tool_name, 'search_web');
    assert.deepEqual(tool.inputs, { query: QUESTION });
    assert.equal(tool.outputs, SEARCH_RESULT);
  });

  it('generate steps hold the conversation but no usage of their own (no double count)', () => {
    const [outer] = run.spansOf('searchAgent').filter((r) => r.name === 'generate');
    assert.ok(outer);
    assert.deepEqual(outer.input_messages, [SYSTEM, { role: 'user', content: QUESTION }]);
    assert.deepEqual(outer.output_messages, [{ role: 'assistant', content: ANSWER, finish_reason: 'stop' }]);
    assert.equal(outer.model, 'qwen-plus-latest');
    assert.equal(outer.input_tokens, null);
  });

  it('a thinking model: reasoning and cached tokens from its output, reasoning kept as a part', () => {
    const model = one(run.spansOf('thinkAgent'), 'local/reasoner', 'CHAT_MODEL');
    assert.deepEqual(
      [model.model, model.provider, model.reasoning_tokens, model.cache_read_tokens, model.total_tokens],
      ['reasoner', 'local', '18', '4', '42'],
    );
    assert.deepEqual(model.output_messages, [
      {
        role: 'assistant',
        content: 'Yes.',
        finish_reason: 'stop',
        parts: [{ type: 'reasoning', content: 'The user wants a one-word answer.' }],
      },
    ]);
  });
});
