/**
 * CrewAI (python/crewai_crew.py, in its own venv: see requirements-crewai.txt): a crew of one agent with one tool
 * and one task on the fake Qwen server, traced by OpenInference (openinference-instrumentation-crewai for the crew,
 * task and tool steps, openinference-instrumentation-openai for the model calls) and exported over OTLP/HTTP
 * protobuf. CrewAI's own telemetry and tracing are off (CREWAI_DISABLE_TELEMETRY, CREWAI_DISABLE_TRACKING,
 * CREWAI_TRACING_ENABLED=false; not OTEL_SDK_DISABLED, which would also silence the client's own provider).
 * The kickoff must be a CHAIN and the task execution an AGENT with the task as question and the crew's answer,
 * the model calls LLM with model, usage and messages, the tool a TOOL with arguments and output; the rows must
 * also be those of the golden fixture test/fixtures/captured/crewai-openinference recorded from this client.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { answerFor } from './fake-model-server.js';
import { clientRun, otlpHttpEnv, runPython } from './support/client-run.js';
import { CREWAI_ENV } from './support/python.js';
import { all, CAPTURED_DIR, one, type Row, tree } from './support/scenario.js';

const QUESTION = 'What is new in Qwen3?';
const SYSTEM =
  'You are researcher. You are a helpful assistant, and you use search_web tool to find information.\n' +
  'Your personal goal is: Answer questions with search_web.';
// The user message CrewAI builds from the task; the fake model searches for it as it stands.
const PROMPT =
  `\nCurrent Task: ${QUESTION}\n\nThis is the expected criteria for your final answer: A short answer.\n` +
  'you MUST return the actual complete content as the final answer, not a summary.';
const RESULT = `Qwen3 search results for '${PROMPT}': hybrid thinking modes.`;
const ANSWER = answerFor(RESULT);
const CALL = { id: 'call_1', name: 'search_web', arguments: { query: PROMPT } };
// The kickoff span is named after the crew's random id.
const KICKOFF = /^Crew_[0-9a-f-]{36}\.kickoff$/;
const label = (r: Row) => `${r.span_type} ${(r.name as string).replace(KICKOFF, 'Crew_<id>.kickoff')}`;

describe('CrewAI + openinference-instrumentation-crewai / -openai → OTLP/HTTP protobuf', () => {
  const run = clientRun({
    fixture: 'crewai-openinference',
    spans: 5,
    venv: CREWAI_ENV,
    client: (s, python) =>
      runPython(
        python,
        'crewai_crew.py',
        otlpHttpEnv(s, 'crewai-crew', {
          CREWAI_DISABLE_TELEMETRY: 'true',
          CREWAI_DISABLE_TRACKING: 'true',
          CREWAI_TRACING_ENABLED: 'false',
        }),
      ),
  });

  it('one trace: CHAIN kickoff › AGENT task execution › LLM, TOOL, LLM', () => {
    assert.equal(run.traces.length, 1);
    assert.equal(
      tree(run.spans, label),
      [
        'CHAIN Crew_<id>.kickoff',
        '  AGENT researcher._execute_core',
        '    LLM ChatCompletion',
        '    TOOL search_web.run',
        '    LLM ChatCompletion',
      ].join('\n'),
    );
    for (const r of run.spans)
      assert.ok((r.conventions as string[]).includes('openinference'), r.name as string);
  });

  it('kickoff and agent: the task as the question, the crew answer, the agent by its role', () => {
    const kickoff = one(run.spans, KICKOFF, 'CHAIN');
    const agent = one(run.spans, 'researcher._execute_core', 'AGENT');
    for (const r of [kickoff, agent]) {
      assert.ok((r.conventions as string[]).includes('crewai'), r.name as string);
      assert.deepEqual(r.input_messages, [{ role: 'user', content: QUESTION }]);
      assert.deepEqual(r.output_messages, [{ role: 'assistant', content: ANSWER }]);
      assert.deepEqual([r.request_preview, r.response_preview], [QUESTION, ANSWER]);
    }
    assert.equal(agent.agent_name, 'researcher');
    assert.equal((agent.inputs as { agent: Row }).agent.role, 'researcher');
  });

  it('model calls: model, provider, usage, the prompt with the tool call and its result, the answer', () => {
    const [toolTurn, answerTurn] = all(run.spans, 'ChatCompletion', 'LLM');
    assert.ok(toolTurn && answerTurn);
    for (const r of [toolTurn, answerTurn])
      assert.deepEqual([r.model, r.provider], ['qwen-plus-latest', 'openai']);
    assert.deepEqual([toolTurn.input_tokens, toolTurn.output_tokens], ['61', '17']);
    assert.deepEqual([answerTurn.input_tokens, answerTurn.output_tokens], ['97', '23']);
    const prompt = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: PROMPT },
    ];
    assert.deepEqual(toolTurn.input_messages, prompt);
    assert.deepEqual(toolTurn.output_messages, [{ role: 'assistant', content: '', tool_calls: [CALL] }]);
    assert.deepEqual(answerTurn.input_messages, [
      ...prompt,
      { role: 'assistant', content: '', tool_calls: [CALL] },
      { role: 'tool', content: RESULT, tool_call_id: 'call_1', name: 'search_web' },
    ]);
    assert.deepEqual(answerTurn.output_messages, [{ role: 'assistant', content: ANSWER }]);
  });

  it('the tool: name, arguments and output; the trace: usage summed, previews as text', () => {
    const tool = one(run.spans, 'search_web.run', 'TOOL');
    assert.deepEqual([tool.tool_name, tool.inputs, tool.outputs], ['search_web', { query: PROMPT }, RESULT]);
    const [t] = run.traces;
    assert.ok(t);
    assert.deepEqual(
      [t.state, t.experiment_name, t.input_tokens, t.output_tokens, t.total_tokens],
      ['OK', 'crewai-crew', '158', '40', '198'],
    );
    assert.deepEqual([t.request_preview, t.response_preview], [QUESTION, ANSWER]);
  });

  it('the rows are those of the golden fixture recorded from this client (ids and times aside)', () => {
    const golden = JSON.parse(
      readFileSync(`${CAPTURED_DIR}crewai-openinference/expected-rows.json`, 'utf8'),
    ) as Record<string, Record<string, Row>>;
    const columns = (r: Row) => ({
      span: label(r),
      ...Object.fromEntries(
        ['span_type', 'status', 'model', 'provider', 'tool_name', 'tool_call_id', 'agent_name'].map((c) => [
          c,
          r[c],
        ]),
      ),
      tokens: ['input_tokens', 'output_tokens', 'total_tokens'].map((c) =>
        r[c] === null ? null : String(r[c]),
      ),
      messages: [r.input_messages, r.output_messages],
      previews: [r.request_preview, r.response_preview],
      conventions: r.conventions,
    });
    const byLabel = (a: object, b: object) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    const expected = Object.values(golden['000001-traces.json'] ?? {})
      .map(columns)
      .sort(byLabel);
    assert.deepEqual(run.spans.map(columns).sort(byLabel), expected);
  });
});
