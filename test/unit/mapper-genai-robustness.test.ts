/**
 * Whatever arrives under the keys the GenAI / MLflow / AutoGen conventions read, mapping never throws, and
 * normalized messages never carry undefined values (they are stored as jsonb and compared with deepEqual).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mapSpan } from '../../mapper/index.js';
import type { Attributes, AttrValue, SpanInput } from '../../otlp/model.js';
import { spanInput } from '../support/span-input.js';

const KEYS = [
  'mlflow.spanType',
  'mlflow.spanInputs',
  'mlflow.spanOutputs',
  'mlflow.chat.tokenUsage',
  'mlflow.chat.tools',
  'mlflow.llm.model',
  'mlflow.traceTag.env',
  'session.id',
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.system',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.retrieval.documents',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'gen_ai.prompt',
  'message',
  'messaging.message.type',
];

const part = fc.oneof(
  fc.record({
    type: fc.constantFrom('text', 'tool_call', 'tool_call_response', 'reasoning', 'x'),
    content: fc.string(),
  }),
  fc.record({ type: fc.constant('tool_call'), id: fc.string(), name: fc.string(), arguments: fc.string() }),
  fc.record({ text: fc.string() }),
);
const message = fc.record(
  {
    role: fc.constantFrom('user', 'assistant', 'tool', 'system'),
    parts: fc.array(part, { maxLength: 3 }),
    content: fc.oneof(fc.string(), fc.array(part, { maxLength: 2 })),
    tool_calls: fc.array(
      fc.record({ id: fc.string(), function: fc.record({ name: fc.string(), arguments: fc.string() }) }),
      {
        maxLength: 2,
      },
    ),
    finish_reason: fc.string(),
    type: fc.constantFrom('TextMessage', 'ToolCallRequestEvent', 'AssistantMessage', 'message'),
    source: fc.string(),
  },
  { requiredKeys: [] },
);
const value: fc.Arbitrary<AttrValue> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.array(message, { maxLength: 3 }) as fc.Arbitrary<AttrValue>,
  fc.array(message, { maxLength: 3 }).map((m) => JSON.stringify(m)),
  fc.record({ messages: fc.array(message, { maxLength: 2 }) }).map((m) => JSON.stringify(m)),
  fc.jsonValue().map((j) => JSON.stringify(j)),
);

function input(attributes: Attributes, name: string): SpanInput {
  const events = [{ timeUnixNano: 1n, name: 'gen_ai.choice', attributes, droppedAttributesCount: 0 }];
  return spanInput(attributes, { span: { name, events }, scope: 'autogen runtime' });
}

function hasUndefined(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.some(hasUndefined);
  if (v && typeof v === 'object') return Object.values(v).some(hasUndefined);
  return false;
}

describe('GenAI / MLflow / AutoGen mapping robustness', () => {
  it('never throws and never emits undefined inside messages', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...KEYS), value),
        fc.constantFrom('chat', 'autogen process a.(b)-A', 'autogen ack x'),
        (attrs, name) => {
          const row = mapSpan(input(attrs, name));
          assert.equal(hasUndefined(row.input_messages), false);
          assert.equal(hasUndefined(row.output_messages), false);
          assert.equal(hasUndefined(row.inputs), false);
          assert.equal(hasUndefined(row.outputs), false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
