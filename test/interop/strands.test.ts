/**
 * Strands Agents (strands-agents) with its native OpenTelemetry spans (StrandsTelemetry, OTLP/HTTP protobuf) on the
 * fake Qwen server (python/strands_agent.py), run in its default mode (GenAI ≤ 1.36 message events holding Bedrock
 * blocks) and in its latest-semconv mode (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: one
 * operation-details event per content key). Both must give the same rows: AGENT › CHAIN cycles › CHAT_MODEL and
 * TOOL, with the question, the tool call, its result and the answer, and previews that are the question and the
 * final answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerFor } from './fake-model-server.js';
import { ensurePythonEnv, PYTHON_DIR, VENV_TIMEOUT_MS } from './support/python.js';
import {
  all,
  CLIENT_TIMEOUT_MS,
  ofTrace,
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
/** The fake server numbers tool calls over its life: the second run's call is call_2. */
const call = (n: number) => ({ id: `call_${n}`, name: 'search_web', arguments: { query: QUESTION } });

describe('Strands Agents native spans (default and latest GenAI semconv) → OTLP/HTTP protobuf', () => {
  let s: Scenario;
  let spans: Row[];
  let traces: Row[];

  before(
    async () => {
      const python = await ensurePythonEnv((m) => verbose(m));
      s = await startScenario();
      const env = (extra: Record<string, string> = {}) =>
        s.env({ OTEL_EXPORTER_OTLP_ENDPOINT: s.httpEndpoint, OTEL_SERVICE_NAME: 'strands-agent', ...extra });
      const program = [join(PYTHON_DIR, 'strands_agent.py')];
      await runClient('strands_agent.py', python, program, env());
      await s.waitForSpans(6);
      await runClient(
        'strands_agent.py (latest semconv)',
        python,
        program,
        env({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' }),
      );
      spans = await s.waitForSpans(12);
      traces = await s.traces();
      verbose(tree(spans));
    },
    { timeout: VENV_TIMEOUT_MS + 2 * CLIENT_TIMEOUT_MS },
  );
  after(() => s?.finish('strands-agents'));

  for (const [label, index] of [
    ['default mode', 0],
    ['latest semconv mode', 1],
  ] as const) {
    it(`${label}: AGENT › CHAIN cycles › CHAT_MODEL, TOOL`, () => {
      assert.equal(traces.length, 2);
      assert.equal(
        tree(ofTrace(spans, traces[index]!.trace_id as string)),
        [
          'AGENT invoke_agent search_agent',
          '  CHAIN execute_event_loop_cycle',
          '    CHAT_MODEL chat',
          '    TOOL execute_tool search_web',
          '  CHAIN execute_event_loop_cycle',
          '    CHAT_MODEL chat',
        ].join('\n'),
      );
    });

    it(`${label}: messages with the tool call and its result, tool payloads, usage, previews`, () => {
      const t = traces[index]!;
      const CALL = call(index + 1);
      const rows = ofTrace(spans, t.trace_id as string);
      const [toolTurn, answerTurn] = all(rows, 'chat', 'CHAT_MODEL');
      assert.ok(toolTurn && answerTurn);
      const strip = (ms: unknown) => (ms as Row[]).map(({ finish_reason: _f, name: _n, ...m }) => m);
      assert.deepEqual(strip(toolTurn.input_messages), [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: QUESTION },
      ]);
      assert.deepEqual(strip(toolTurn.output_messages), [
        { role: 'assistant', content: '', tool_calls: [CALL] },
      ]);
      assert.deepEqual(strip(answerTurn.input_messages), [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: '', tool_calls: [CALL] },
        { role: 'tool', content: RESULT, tool_call_id: CALL.id },
      ]);
      assert.deepEqual(strip(answerTurn.output_messages), [{ role: 'assistant', content: ANSWER }]);
      for (const chat of [toolTurn, answerTurn]) {
        assert.equal(chat.model, 'qwen-plus-latest');
        assert.equal(chat.provider, null, 'strands-agents is a framework, not a provider');
      }

      const tool = one(rows, 'execute_tool search_web', 'TOOL');
      assert.deepEqual(
        [tool.tool_name, tool.tool_call_id, tool.inputs, tool.outputs, tool.input_messages],
        ['search_web', CALL.id, { query: QUESTION }, RESULT, null],
      );

      const agent = one(rows, 'invoke_agent search_agent', 'AGENT');
      assert.equal(agent.agent_name, 'search_agent');
      assert.equal((agent.output_messages as Row[])[0]?.content, `${ANSWER}\n`);

      assert.deepEqual([t.input_tokens, t.output_tokens, t.total_tokens], ['158', '40', '198']);
      assert.equal(t.request_preview, QUESTION);
      assert.equal(t.response_preview, `${ANSWER}\n`);
    });
  }
});
