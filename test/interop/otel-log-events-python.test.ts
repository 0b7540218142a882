/**
 * GenAI events sent as OTLP logs by the Python SDK's Events API (what the official OTel GenAI instrumentations use),
 * while the chat span carries no content: the span row shows the messages and the assessment all the same.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { one } from './support/scenario.js';

describe('opentelemetry-sdk (Python) Events API → OTLP logs', () => {
  const run = clientRun({
    fixture: 'otel-sdk-python-log-events',
    spans: 1,
    client: (s, python) =>
      runPython(
        python,
        'otel_sdk_genai_log_events.py',
        otlpHttpEnv(s, 'qwen-chat', {
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${s.httpEndpoint}/v1/logs`,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-tracebridge-experiment=log-events',
        }),
      ),
  });

  it('the chat span carries the messages sent as log events', () => {
    const chat = one(run.spans, 'chat qwen-plus-latest', 'CHAT_MODEL');
    assert.equal(chat.experiment_name, 'log-events');
    assert.deepEqual(chat.input_messages, [
      { role: 'system', content: 'You answer in one sentence.' },
      { role: 'user', content: 'What is new in Qwen 3?' },
    ]);
    assert.deepEqual(chat.output_messages, [
      { role: 'assistant', content: 'Hybrid thinking modes and MoE models.', finish_reason: 'stop' },
    ]);
    assert.equal(chat.input_tokens, '23');
    assert.deepEqual(chat.events, [], 'log events stay in genai_events, not in the span events column');
  });

  it('the evaluation result is an assessment, and the trace previews read the joined messages', async () => {
    const chat = one(run.spans, 'chat qwen-plus-latest', 'CHAT_MODEL');
    const assessments = chat.assessments as { name: string; score: number; label: string }[];
    assert.equal(assessments.length, 1);
    assert.equal(assessments[0]!.name, 'relevance');
    assert.equal(assessments[0]!.score, 0.8);
    assert.equal(assessments[0]!.label, 'relevant');
    const t = run.traces.find((r) => r.trace_id === chat.trace_id)!;
    assert.equal(t.request_preview, 'What is new in Qwen 3?');
    assert.equal(t.response_preview, 'Hybrid thinking modes and MoE models.');
    const events = await run.s.tdb.db.query<{ event_name: string }>(
      'SELECT event_name FROM genai_events WHERE trace_id = $1 ORDER BY time_unix_nano',
      [chat.trace_id],
    );
    assert.deepEqual(
      events.rows.map((e) => e.event_name),
      ['gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.choice', 'gen_ai.evaluation.result'],
    );
  });
});
