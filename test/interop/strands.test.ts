/**
 * Strands Agents (strands-agents) with its native OpenTelemetry spans (StrandsTelemetry, OTLP/HTTP protobuf) on the
 * fake Qwen server (python/strands_agent.py), run in its default mode (GenAI ≤ 1.36 message events holding Bedrock
 * blocks) and in its latest-semconv mode (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: one
 * operation-details event per content key). Both must give the same rows: AGENT › CHAIN cycles › CHAT_MODEL and
 * TOOL, with the question, the tool call, its result and the answer, and previews that are the question and the
 * final answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, runPython } from './support/client-run.js';
import { all, ofTrace, one, type Row, tree } from './support/scenario.js';
import { ANSWER, QUESTION, RESULT, SYSTEM_PROMPT as SYSTEM, searchCall } from './support/search-agent.js';

describe('Strands Agents native spans (default and latest GenAI semconv) → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'strands-agents',
    spans: 12,
    programs: 2,
    async client(s, python) {
      // The exporter's base endpoint (it appends /v1/traces itself), as Strands' own setup reads it.
      const env = (extra: Record<string, string> = {}) =>
        s.env({ OTEL_EXPORTER_OTLP_ENDPOINT: s.httpEndpoint, OTEL_SERVICE_NAME: 'strands-agent', ...extra });
      await runPython(python, 'strands_agent.py', env());
      await s.waitForSpans(6);
      const latest = env({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' });
      await runPython(python, 'strands_agent.py', latest, 'strands_agent.py (latest semconv)');
    },
  });

  for (const [label, index] of [
    ['default mode', 0],
    ['latest semconv mode', 1],
  ] as const) {
    it(`${label}: AGENT › CHAIN cycles › CHAT_MODEL, TOOL`, () => {
      assert.equal(run.traces.length, 2);
      assert.equal(
        tree(ofTrace(run.spans, run.traces[index]!.trace_id as string)),
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
      const t = run.traces[index]!;
      const CALL = searchCall(index + 1);
      const rows = ofTrace(run.spans, t.trace_id as string);
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
