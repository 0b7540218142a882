/**
 * Whatever arrives under the keys the OpenInference / Traceloop / Vercel AI / Langfuse / Google ADK conventions
 * read — wrong types, invalid JSON, odd flattened indexes — mapping never throws and normalized messages never carry
 * undefined values (rows are stored as jsonb and compared with deepEqual).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { googleAdk } from '../../mapper/google-adk.js';
import { mapSpan } from '../../mapper/index.js';
import { langfuse } from '../../mapper/langfuse.js';
import { openinference } from '../../mapper/openinference.js';
import { traceloop } from '../../mapper/traceloop.js';
import { vercelAi } from '../../mapper/vercel-ai.js';
import type { Attributes, AttrValue, SpanInput } from '../../otlp/model.js';
import { spanInput } from '../support/span-input.js';

const KEYS = [
  'openinference.span.kind',
  'input.value',
  'input.mime_type',
  'output.value',
  'output.mime_type',
  'llm.input_messages.0.message.role',
  'llm.input_messages.0.message.content',
  'llm.input_messages.0.message.contents.0.message_content.type',
  'llm.input_messages.0.message.contents.0.message_content.text',
  'llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments',
  'llm.input_messages.1.message',
  'llm.output_messages.0.message.content',
  'llm.token_count.prompt',
  'llm.tools.0.tool.json_schema',
  'llm.invocation_parameters',
  'retrieval.documents.0.document.metadata',
  'embedding.embeddings.0.embedding.vector',
  'metadata',
  'tag.tags',
  'traceloop.span.kind',
  'traceloop.entity.input',
  'traceloop.association.properties.session_id',
  'gen_ai.prompt.0.role',
  'gen_ai.prompt.0.content',
  'gen_ai.prompt.0.tool_calls.0.arguments',
  'gen_ai.completion.0.content',
  'gen_ai.completion.1',
  'llm.request.functions',
  'llm.request.functions.0.parameters',
  'gen_ai.system',
  'ai.operationId',
  'ai.prompt',
  'ai.prompt.messages',
  'ai.prompt.tools',
  'ai.response.toolCalls',
  'ai.toolCall.args',
  'ai.values',
  'ai.model.provider',
  'ai.telemetry.metadata.sessionId',
  'langfuse.observation.type',
  'langfuse.observation.input',
  'langfuse.observation.output',
  'langfuse.observation.usage_details',
  'langfuse.trace.tags',
  'langfuse.trace.metadata',
  'gcp.vertex.agent.llm_request',
  'gcp.vertex.agent.llm_response',
  'gcp.vertex.agent.tool_call_args',
];

const scalar: fc.Arbitrary<AttrValue> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '{',
    '[',
    '{}',
    '[]',
    '""',
    'null',
    '[{"type":"text"}]',
    '{"role":"user"}',
    'LLM',
    'generation',
  ),
);
const structured: fc.Arbitrary<AttrValue> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(
    fc.constantFrom(
      'role',
      'content',
      'parts',
      'type',
      'text',
      'tool_calls',
      'contents',
      'messages',
      'input',
    ),
    tie('value'),
    { maxKeys: 4 },
  ),
})).value as fc.Arbitrary<AttrValue>;
const jsonText = structured.map((v) => JSON.stringify(v) ?? 'null');
const value = fc.oneof(structured, jsonText);

function llmSpan(attributes: Attributes, scope = 'x'): SpanInput {
  return spanInput(attributes, { span: { name: 'call_llm' }, scope });
}

function assertNoUndefined(v: unknown, path: string): void {
  assert.notEqual(v, undefined, path);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) assertNoUndefined(x, `${path}[${i}]`);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) assertNoUndefined(x, `${path}.${k}`);
}

describe('framework conventions robustness', () => {
  it('never throws and never emits undefined inside messages', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 10 }),
        fc.boolean(),
        (attrs, adkScope) => {
          const input = llmSpan(attrs, adkScope ? 'gcp.vertex.agent' : 'x');
          for (const c of [openinference, traceloop, vercelAi, langfuse, googleAdk]) {
            const fields = c.map(input);
            for (const list of [fields?.input_messages, fields?.output_messages])
              assertNoUndefined(list ?? [], `${c.name}.messages`);
          }
          const row = mapSpan(input);
          assertNoUndefined(row.input_messages, 'input_messages');
          assertNoUndefined(row.output_messages, 'output_messages');
        },
      ),
      { numRuns: 400 },
    );
  });
});
