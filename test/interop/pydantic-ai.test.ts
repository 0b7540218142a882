/**
 * Pydantic AI (pydantic-ai-slim) with its own OpenTelemetry instrumentation (Agent.instrument_all, what Logfire
 * turns on) on the fake Qwen server, exported over OTLP/HTTP protobuf (python/pydantic_ai_agent.py), run twice:
 * the library's current instrumentation and its version 2 (`agent run` / `running tool` spans, tool_arguments /
 * tool_response keys). The agent run span keeps its conversation in pydantic_ai.all_messages and the answer in
 * final_result; the rows must show them, and the trace's previews must be the question and the answer (not the
 * system prompt that gen_ai.system_instructions holds beside them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { ofTrace, one, tree } from './support/scenario.js';
import { ANSWER, QUESTION, RESULT, SYSTEM_PROMPT as SYSTEM, searchCall } from './support/search-agent.js';

describe('Pydantic AI instrumentation (current and version 2) → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'pydantic-ai',
    spans: 8,
    programs: 2,
    async client(s, python) {
      const env = (version?: string) =>
        otlpHttpEnv(s, 'pydantic-ai-agent', version ? { PYDANTIC_AI_INSTRUMENTATION_VERSION: version } : {});
      await runPython(python, 'pydantic_ai_agent.py', env());
      await s.waitForSpans(4);
      await runPython(python, 'pydantic_ai_agent.py', env('2'), 'pydantic_ai_agent.py (version 2)');
    },
  });

  it('two traces: AGENT › CHAT_MODEL, TOOL, CHAT_MODEL', () => {
    assert.deepEqual(
      run.traces.map((t) => [t.name, t.state, t.experiment_name]),
      [
        ['invoke_agent search_agent', 'OK', 'pydantic-ai-agent'],
        ['agent run', 'OK', 'pydantic-ai-agent'],
      ],
    );
    assert.equal(
      tree(ofTrace(run.spans, run.traces[0]!.trace_id as string)),
      [
        'AGENT invoke_agent search_agent',
        '  CHAT_MODEL chat qwen-plus-latest',
        '  TOOL execute_tool search_web',
        '  CHAT_MODEL chat qwen-plus-latest',
      ].join('\n'),
    );
    assert.equal(
      tree(ofTrace(run.spans, run.traces[1]!.trace_id as string)),
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
      const t = run.traces[index]!;
      const CALL = searchCall(index + 1);
      const rows = ofTrace(run.spans, t.trace_id as string);
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
