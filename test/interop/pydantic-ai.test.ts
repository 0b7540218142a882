/**
 * Pydantic AI (pydantic-ai-slim) with its own OpenTelemetry instrumentation (Agent.instrument_all, what Logfire
 * turns on) on the fake Qwen server, exported over OTLP/HTTP protobuf (python/pydantic_ai_agent.py), run twice:
 * the library's current instrumentation and its version 2 (`agent run` / `running tool` spans, tool_arguments /
 * tool_response keys). The agent run span keeps its conversation in pydantic_ai.all_messages and the answer in
 * final_result; the rows must show them, and the trace's previews must be the question and the answer (not the
 * system prompt that gen_ai.system_instructions holds beside them).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerFor } from './fake-model-server.js';
import { ensurePythonEnv, PYTHON_DIR, VENV_TIMEOUT_MS } from './support/python.js';
import {
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

describe('Pydantic AI instrumentation (current and version 2) → OTLP/HTTP protobuf', () => {
  let s: Scenario;
  let spans: Row[];
  let traces: Row[];

  before(
    async () => {
      const python = await ensurePythonEnv((m) => verbose(m));
      s = await startScenario();
      const env = (version?: string) =>
        s.env({
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${s.httpEndpoint}/v1/traces`,
          OTEL_SERVICE_NAME: 'pydantic-ai-agent',
          ...(version ? { PYDANTIC_AI_INSTRUMENTATION_VERSION: version } : {}),
        });
      const program = [join(PYTHON_DIR, 'pydantic_ai_agent.py')];
      await runClient('pydantic_ai_agent.py', python, program, env());
      await s.waitForSpans(4);
      await runClient('pydantic_ai_agent.py (version 2)', python, program, env('2'));
      spans = await s.waitForSpans(8);
      traces = await s.traces();
      verbose(tree(spans));
    },
    { timeout: VENV_TIMEOUT_MS + 2 * CLIENT_TIMEOUT_MS },
  );
  after(() => s?.finish('pydantic-ai'));

  it('two traces: AGENT › CHAT_MODEL, TOOL, CHAT_MODEL', () => {
    assert.deepEqual(
      traces.map((t) => [t.name, t.state, t.experiment_name]),
      [
        ['invoke_agent search_agent', 'OK', 'pydantic-ai-agent'],
        ['agent run', 'OK', 'pydantic-ai-agent'],
      ],
    );
    assert.equal(
      tree(ofTrace(spans, traces[0]!.trace_id as string)),
      [
        'AGENT invoke_agent search_agent',
        '  CHAT_MODEL chat qwen-plus-latest',
        '  TOOL execute_tool search_web',
        '  CHAT_MODEL chat qwen-plus-latest',
      ].join('\n'),
    );
    assert.equal(
      tree(ofTrace(spans, traces[1]!.trace_id as string)),
      [
        'AGENT agent run',
        '  CHAT_MODEL chat qwen-plus-latest',
        '  TOOL running tool',
        '  CHAT_MODEL chat qwen-plus-latest',
      ].join('\n'),
    );
  });

  for (const [label, index, agentName, toolName] of [
    ['current', 0, 'invoke_agent search_agent', 'execute_tool search_web'],
    ['version 2', 1, 'agent run', 'running tool'],
  ] as const) {
    it(`${label}: the agent run's conversation, answer, model and usage; the tool's arguments and result`, () => {
      const t = traces[index]!;
      const CALL = call(index + 1);
      const rows = ofTrace(spans, t.trace_id as string);
      const agent = one(rows, agentName, 'AGENT');
      assert.deepEqual(agent.input_messages, [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: '', tool_calls: [CALL], finish_reason: 'tool_call' },
        { role: 'tool', content: RESULT, tool_call_id: CALL.id },
      ]);
      assert.deepEqual(agent.output_messages, [
        { role: 'assistant', content: ANSWER, finish_reason: 'stop' },
      ]);
      assert.equal(agent.outputs, ANSWER);
      assert.deepEqual([agent.agent_name, agent.model], ['search_agent', 'qwen-plus-latest']);
      assert.deepEqual([agent.input_tokens, agent.output_tokens], ['158', '40']);
      assert.ok((agent.conventions as string[]).includes('pydantic_ai'));

      const tool = one(rows, toolName, 'TOOL');
      assert.deepEqual(
        [tool.tool_name, tool.tool_call_id, tool.inputs, tool.outputs],
        ['search_web', CALL.id, { query: QUESTION }, RESULT],
      );

      // Trace totals come from the chat spans, not also from the run's aggregate.
      assert.deepEqual([t.input_tokens, t.output_tokens], ['158', '40']);
      assert.equal(t.request_preview, QUESTION);
      assert.equal(t.response_preview, ANSWER);
    });
  }
});
