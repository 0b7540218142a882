/**
 * Framework conventions of issue 19 on the shapes their real clients no longer send but older versions did (the
 * current shapes are pinned by the captured golden fixtures): Pydantic AI's instrumentation version 1
 * (all_messages_events, an `events` attribute) and 0.x keys, LiveKit's pre-1.x `lk.*` names (no `pii` segment).
 * Built from the instrumentations' sources (pydantic_ai/models/instrumented.py event_to_dict,
 * livekit/agents/telemetry/trace_types.py).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapSpan } from '../../mapper/index.js';
import type { Attributes } from '../../otlp/model.js';
import { spanInput } from '../support/span-input.js';

const QUESTION = 'What is new in Qwen3?';
const RESULT = 'Qwen3 search results: hybrid thinking modes.';
const ANSWER = 'Qwen3 adds hybrid thinking modes.';
const SYSTEM = 'Use search_web.';
const json = (v: unknown) => JSON.stringify(v);
const map = (attributes: Attributes, name: string, scope = '') =>
  mapSpan(spanInput(attributes, { span: { name }, scope }));

const v1Events = [
  { 'event.name': 'gen_ai.system.message', role: 'system', content: SYSTEM, 'gen_ai.message.index': 0 },
  { 'event.name': 'gen_ai.user.message', role: 'user', content: QUESTION, 'gen_ai.message.index': 0 },
  {
    'event.name': 'gen_ai.assistant.message',
    role: 'assistant',
    tool_calls: [
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'search_web', arguments: json({ query: QUESTION }) },
      },
    ],
    'gen_ai.message.index': 1,
  },
  { 'event.name': 'gen_ai.tool.message', role: 'tool', id: 'call_1', name: 'search_web', content: RESULT },
];
const CALL = { id: 'call_1', name: 'search_web', arguments: { query: QUESTION } };

describe('Pydantic AI, older instrumentation versions', () => {
  it('v1 agent run: all_messages_events and final_result give the conversation, the answer and previews', () => {
    const row = map(
      {
        model_name: 'gpt-4o',
        agent_name: 'search_agent',
        'logfire.msg': 'search_agent run',
        all_messages_events: json([
          ...v1Events,
          { 'event.name': 'gen_ai.assistant.message', role: 'assistant', content: ANSWER },
        ]),
        final_result: ANSWER,
        'gen_ai.usage.input_tokens': 158,
      },
      'agent run',
      'pydantic-ai',
    );
    assert.equal(row.span_type, 'AGENT');
    assert.deepEqual(row.input_messages, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: '', tool_calls: [CALL] },
      { role: 'tool', content: RESULT, tool_call_id: 'call_1', name: 'search_web' },
    ]);
    assert.deepEqual(row.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.deepEqual([row.outputs, row.model, row.agent_name], [ANSWER, 'gpt-4o', 'search_agent']);
    assert.deepEqual([row.request_preview, row.response_preview], [QUESTION, ANSWER]);
  });

  it('v1 chat span: the `events` attribute gives the request and the gen_ai.choice reply', () => {
    const row = map(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        events: json([
          ...v1Events.slice(0, 2),
          { 'event.name': 'gen_ai.choice', index: 0, message: { role: 'assistant', content: ANSWER } },
        ]),
      },
      'chat gpt-4o',
      'pydantic-ai',
    );
    assert.equal(row.span_type, 'CHAT_MODEL');
    assert.deepEqual(row.input_messages, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
    ]);
    assert.deepEqual(row.output_messages, [{ role: 'assistant', content: ANSWER }]);
  });

  it('0.x keys without the pydantic-ai scope: running tool with tool_arguments / tool_response, model, model_config', () => {
    const tool = map(
      {
        'logfire.msg': 'running tool: search_web',
        'gen_ai.tool.name': 'search_web',
        'gen_ai.tool.call.id': 'call_1',
        tool_arguments: json({ query: QUESTION }),
        tool_response: RESULT,
      },
      'running tool',
    );
    assert.deepEqual(
      [tool.span_type, tool.tool_name, tool.tool_call_id, tool.inputs, tool.outputs],
      ['TOOL', 'search_web', 'call_1', { query: QUESTION }, RESULT],
    );
    const run = map(
      {
        'logfire.msg': 'search_agent run prompt=What is new in Qwen3?',
        agent_name: 'search_agent',
        model: 'gpt-4o',
        model_config: json({ temperature: 0.2 }),
        prompt: QUESTION,
        final_result: json({ answer: ANSWER }),
      },
      'agent run',
    );
    assert.equal(run.span_type, 'AGENT');
    assert.deepEqual([run.model, run.request_params, run.inputs], ['gpt-4o', { temperature: 0.2 }, QUESTION]);
    assert.deepEqual(run.outputs, { answer: ANSWER }, 'structured output decoded');
    assert.deepEqual(
      [run.request_preview, run.response_preview],
      [QUESTION, ANSWER],
      'one-key envelope unwrapped',
    );
  });

  it('final_result and tool keys mean nothing without a Pydantic AI marker', () => {
    const row = map({ final_result: ANSWER, tool_response: RESULT }, 'step');
    assert.equal(row.conventions.includes('pydantic_ai'), false);
    assert.equal(row.outputs, null);
  });
});

describe('LiveKit Agents, pre-1.x key names (no pii segment)', () => {
  it('agent_turn: lk.user_input / lk.input_text and lk.response.text → AGENT with messages', () => {
    for (const key of ['lk.user_input', 'lk.input_text']) {
      const row = map({ [key]: QUESTION, 'lk.response.text': ANSWER, 'lk.speech_id': 's1' }, 'agent_turn');
      assert.equal(row.span_type, 'AGENT');
      assert.deepEqual(row.input_messages, [{ role: 'user', content: QUESTION }]);
      assert.deepEqual(row.output_messages, [{ role: 'assistant', content: ANSWER }]);
      assert.deepEqual([row.request_preview, row.response_preview], [QUESTION, ANSWER]);
    }
  });

  it('function_tool: lk.function_tool.* → TOOL with arguments, output, call id and an error type', () => {
    const row = map(
      {
        'lk.function_tool.id': 'call_1',
        'lk.function_tool.name': 'search_web',
        'lk.function_tool.arguments': json({ query: QUESTION }),
        'lk.function_tool.output': RESULT,
        'lk.function_tool.is_error': true,
      },
      'function_tool',
      'livekit-agents',
    );
    assert.deepEqual(
      [row.span_type, row.tool_name, row.tool_call_id, row.inputs, row.outputs, row.error_type],
      ['TOOL', 'search_web', 'call_1', { query: QUESTION }, RESULT, 'tool_error'],
    );
  });

  it('llm_request: lk.chat_ctx as messages, lk.llm_metrics as usage, retries kept in attributes', () => {
    const row = map(
      {
        'lk.chat_ctx': json({
          items: [
            { type: 'message', role: 'system', content: [SYSTEM, { type: 'cache_breakpoint' }] },
            { type: 'agent_config_update', instructions: SYSTEM },
            { type: 'message', role: 'user', content: [QUESTION] },
            {
              type: 'function_call',
              id: 'item_1/fnc_0',
              call_id: 'call_1',
              name: 'search_web',
              arguments: json({ query: QUESTION }),
            },
            {
              type: 'function_call_output',
              call_id: 'call_1',
              name: 'search_web',
              output: RESULT,
              is_error: false,
            },
          ],
        }),
        'lk.llm_metrics': json({
          prompt_tokens: 97,
          completion_tokens: 23,
          total_tokens: 120,
          prompt_cached_tokens: 8,
        }),
        'lk.retry_count': 1,
        'lk.response.text': ANSWER,
      },
      'llm_request',
      'livekit-agents',
    );
    assert.equal(row.span_type, 'CHAT_MODEL');
    assert.deepEqual(row.input_messages, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: '', tool_calls: [CALL] },
      { role: 'tool', content: RESULT, tool_call_id: 'call_1', name: 'search_web' },
    ]);
    assert.deepEqual(row.output_messages, [{ role: 'assistant', content: ANSWER }]);
    assert.deepEqual(
      [row.input_tokens, row.output_tokens, row.total_tokens, row.cache_read_tokens],
      [97, 23, 120, 8],
    );
    assert.equal(row.attributes['lk.retry_count'], 1);
  });

  it('speech spans: tts_node input text, user_turn transcript', () => {
    assert.deepEqual(map({ 'lk.input_text': ANSWER }, 'tts_node', 'livekit-agents').inputs, { text: ANSWER });
    assert.deepEqual(map({ 'lk.user_transcript': QUESTION }, 'user_turn', 'livekit-agents').inputs, {
      transcript: QUESTION,
    });
  });
});
