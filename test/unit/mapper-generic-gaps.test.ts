/**
 * Gaps inside conventions tracebridge has, in the GenAI conventions and the previews every convention shares
 * (issue 19): several operation-details events on one span, framework-specific operation names, previews a person
 * can read, empty messages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapSpan } from '../../mapper/index.js';
import type { Attributes, DecodedEvent } from '../../otlp/model.js';
import { spanInput } from '../support/span-input.js';

const DETAILS = 'gen_ai.client.inference.operation.details';
const QUESTION = 'What is the weather in Paris?';
const ANSWER = 'It is sunny in Paris, 21 °C.';
const TOOL_RESULT = '{"city":"Paris","sky":"sunny","celsius":21}';

function event(name: string, attributes: Attributes, time = 1n): DecodedEvent {
  return { name, timeUnixNano: time, attributes, droppedAttributesCount: 0 };
}

function map(attributes: Attributes, events: DecodedEvent[] = [], name = 'span') {
  return mapSpan(spanInput(attributes, { span: { name, events } }));
}

const json = (v: unknown) => JSON.stringify(v);
const text = (role: string, content: string) => ({ role, parts: [{ type: 'text', content }] });

describe('GenAI latest experimental mode: several operation-details events', () => {
  // Strands with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: one event per content key.
  const events = [
    event(DETAILS, { 'gen_ai.system_instructions': json([{ type: 'text', content: 'Be brief.' }]) }),
    event(DETAILS, { 'gen_ai.input.messages': json([text('user', QUESTION)]) }),
    event(
      DETAILS,
      { 'gen_ai.output.messages': json([{ ...text('assistant', ANSWER), finish_reason: 'end_turn' }]) },
      2n,
    ),
  ];

  it('merges system instructions, input and output messages from separate events', () => {
    const row = map({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather' }, events);
    assert.equal(row.span_type, 'AGENT');
    assert.deepEqual(row.input_messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: QUESTION },
    ]);
    assert.deepEqual(row.output_messages, [
      { role: 'assistant', content: ANSWER, finish_reason: 'end_turn' },
    ]);
    assert.deepEqual([row.request_preview, row.response_preview], [QUESTION, ANSWER]);
  });

  it('a span attribute still wins over the events for its key', () => {
    const row = map(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.input.messages': json([text('user', 'from the attribute')]),
      },
      events,
    );
    assert.deepEqual(row.input_messages?.at(-1), { role: 'user', content: 'from the attribute' });
    assert.equal(row.output_messages?.[0]?.content, ANSWER);
  });
});

describe('framework-specific gen_ai.operation.name values', () => {
  it("Strands' execute_event_loop_cycle is a CHAIN that keeps its messages", () => {
    const row = map({ 'gen_ai.operation.name': 'execute_event_loop_cycle' }, [
      event(DETAILS, { 'gen_ai.input.messages': json([text('user', QUESTION)]) }),
    ]);
    assert.equal(row.span_type, 'CHAIN');
    assert.deepEqual(row.input_messages, [{ role: 'user', content: QUESTION }]);
  });

  it("a framework convention's explicit type outranks the CHAIN guess", () => {
    const row = map({ 'gen_ai.operation.name': 'run_step', 'langfuse.observation.type': 'tool' });
    assert.equal(row.span_type, 'TOOL');
  });

  it('a model on such a span does not make it an LLM call', () => {
    assert.equal(
      map({ 'gen_ai.operation.name': 'agent_run', 'gen_ai.request.model': 'm' }).span_type,
      'CHAIN',
    );
  });
});

describe('previews a person can read', () => {
  it('a run whose messages are only its system prompt offers no request preview', () => {
    const row = map({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.system_instructions': json([{ type: 'text', content: 'You are a weather agent.' }]),
    });
    assert.equal(row.request_preview, null);
  });

  it("a loop step whose output is a tool result has no response preview; a TOOL span's is the result", () => {
    const toolResult = [
      { role: 'user', parts: [{ type: 'tool_call_response', id: 't1', response: TOOL_RESULT }] },
    ];
    const cycle = map({ 'gen_ai.operation.name': 'execute_event_loop_cycle' }, [
      event(DETAILS, { 'gen_ai.input.messages': json([text('user', QUESTION)]) }),
      event(DETAILS, { 'gen_ai.output.messages': json(toolResult) }, 2n),
    ]);
    assert.equal(cycle.output_messages?.[0]?.role, 'tool');
    assert.equal(cycle.response_preview, null);
    const tool = map({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather' }, [
      event(DETAILS, { 'gen_ai.output.messages': json([{ role: 'tool', parts: toolResult[0]!.parts }]) }),
    ]);
    assert.equal(tool.response_preview, TOOL_RESULT);
  });

  it('the final answer wins over a later tool result in the same reply', () => {
    const row = map({
      'gen_ai.operation.name': 'chat',
      'gen_ai.output.messages': json([
        text('assistant', ANSWER),
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: TOOL_RESULT }] },
      ]),
    });
    assert.equal(row.response_preview, ANSWER);
  });

  it('LangGraph state of LangChain message objects (OpenInference) previews as the question and the answer', () => {
    const lc = (cls: string, kwargs: Record<string, unknown>) => ({
      lc: 1,
      type: 'constructor',
      id: ['langchain', 'schema', 'messages', cls],
      kwargs,
    });
    const input = { messages: [lc('HumanMessage', { content: QUESTION, type: 'human' })] };
    const output = {
      messages: [
        lc('HumanMessage', { content: QUESTION, type: 'human' }),
        lc('AIMessage', {
          content: '',
          type: 'ai',
          tool_calls: [{ name: 'weather', args: { city: 'Paris' }, id: 't1', type: 'tool_call' }],
        }),
        lc('ToolMessage', { content: TOOL_RESULT, type: 'tool', tool_call_id: 't1' }),
        lc('AIMessage', { content: ANSWER, type: 'ai' }),
      ],
    };
    const row = map({
      'openinference.span.kind': 'CHAIN',
      'input.value': json(input),
      'input.mime_type': 'application/json',
      'output.value': json(output),
      'output.mime_type': 'application/json',
    });
    assert.deepEqual([row.request_preview, row.response_preview], [QUESTION, ANSWER]);
  });

  it('dumped LangChain messages and (role, text) pairs are read too; other JSON stays JSON', () => {
    const dumped = {
      messages: [
        { content: QUESTION, type: 'human', additional_kwargs: {}, id: 'm1' },
        { content: ANSWER, type: 'ai', additional_kwargs: {}, tool_calls: [], id: 'm2' },
      ],
    };
    const row = map({
      'openinference.span.kind': 'CHAIN',
      'input.value': json({ messages: [['user', QUESTION]] }),
      'output.value': json(dumped),
    });
    assert.deepEqual([row.request_preview, row.response_preview], [QUESTION, ANSWER]);
    const data = map({
      'openinference.span.kind': 'CHAIN',
      'input.value': json({ messages: [1, 2], k: 'v' }),
    });
    assert.equal(data.request_preview, json({ messages: [1, 2], k: 'v' }));
  });

  it("OpenInference's stray role-only message is not a message", () => {
    const row = map({
      'openinference.span.kind': 'LLM',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': QUESTION,
      'llm.input_messages.1.message.role': 'user',
      'llm.output_messages.0.message.role': 'assistant',
    });
    assert.deepEqual(row.input_messages, [{ role: 'user', content: QUESTION }]);
    assert.equal(row.output_messages, null);
    assert.equal(row.request_preview, QUESTION);
  });
});

describe('instructions beside a conversation another convention records', () => {
  it("gen_ai.system_instructions alone are completed by a lower convention's messages, and its inputs", () => {
    // A framework's agent run (Mastra, Pydantic AI, a Langfuse observation): GenAI instructions, the question in
    // the framework's own key.
    const row = map({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.system_instructions': 'You are a weather agent.',
      'langfuse.observation.input': json([{ role: 'user', content: QUESTION }]),
    });
    assert.deepEqual(row.input_messages, [
      { role: 'system', content: 'You are a weather agent.' },
      { role: 'user', content: QUESTION },
    ]);
    assert.deepEqual(row.inputs, [{ role: 'user', content: QUESTION }]);
    assert.equal(row.request_preview, QUESTION);
  });

  it('an instruction the lower convention repeats is not doubled; a full conversation above is not touched', () => {
    const system = { role: 'system', content: 'Be brief.' };
    const row = map({
      'gen_ai.system_instructions': 'Be brief.',
      'langfuse.observation.input': json([system, { role: 'user', content: QUESTION }]),
    });
    assert.deepEqual(row.input_messages, [system, { role: 'user', content: QUESTION }]);
    const full = map({
      'gen_ai.input.messages': json([text('user', 'from genai')]),
      'langfuse.observation.input': json([{ role: 'user', content: 'from langfuse' }]),
    });
    assert.deepEqual(full.input_messages, [{ role: 'user', content: 'from genai' }]);
  });
});

describe('empty GenAI messages', () => {
  it('a message with an empty text part and nothing else is not a message', () => {
    const row = map({
      'gen_ai.operation.name': 'chat',
      'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'text', content: '' }] }]),
    });
    assert.equal(row.output_messages, null);
  });
});
