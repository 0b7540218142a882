/**
 * Targeted checks of the framework conventions (OpenInference, Traceloop, Vercel AI, Langfuse, Google ADK) called
 * directly, for the rules the golden fixtures do not isolate: detection, helper edge cases, spellings, precedence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatList, labelTags } from '../../mapper/flat-messages.js';
import { googleAdk } from '../../mapper/google-adk.js';
import { langfuse } from '../../mapper/langfuse.js';
import { openinference } from '../../mapper/openinference.js';
import { traceloop } from '../../mapper/traceloop.js';
import { vercelAi } from '../../mapper/vercel-ai.js';
import type { Attributes, SpanInput } from '../../otlp/model.js';
import { spanInput } from '../support/span-input.js';

function input(attributes: Attributes, name = 'span', scope = 'test'): SpanInput {
  return spanInput(attributes, { span: { name }, scope });
}

const ALL = [openinference, traceloop, vercelAi, langfuse, googleAdk];

describe('detection', () => {
  it('a plain GenAI span belongs to none of the framework conventions', () => {
    const span = input({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'gen_ai.usage.input_tokens': 3,
    });
    for (const c of ALL) assert.equal(c.map(span), null, c.name);
  });

  it('generic session.id / user.id / metadata alone do not mark a span as OpenInference or Langfuse', () => {
    const span = input({ 'session.id': 's', 'user.id': 'u', metadata: '{"a":1}', 'tool.name': 't' });
    assert.equal(openinference.map(span), null);
    assert.equal(langfuse.map(span), null);
  });

  it('Google ADK is recognized by its scope, its attribute prefix or gen_ai.system alone', () => {
    assert.ok(googleAdk.map(input({}, 'invocation', 'gcp.vertex.agent')));
    assert.ok(googleAdk.map(input({ 'gcp.vertex.agent.event_id': 'e' })));
    assert.ok(googleAdk.map(input({ 'gen_ai.system': 'gcp.vertex.agent' })));
    assert.equal(googleAdk.map(input({ 'gen_ai.system': 'openai' })), null);
  });

  it('Traceloop is recognized by indexed gen_ai.prompt keys but not by a packed gen_ai.prompt JSON value', () => {
    assert.ok(traceloop.map(input({ 'gen_ai.prompt.0.content': 'hi' })));
    assert.equal(traceloop.map(input({ 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' })), null);
  });
});

describe('flattened lists and tags', () => {
  it('keeps index order, closes holes and ignores non-indexed keys under the prefix', () => {
    const attrs = { 'p.10.a': 'ten', 'p.2.a': 'two', 'p.0.a': 'zero', 'p.foo': 'x', 'other.0.a': 'no' };
    assert.deepEqual(flatList(attrs, 'p.'), [{ a: 'zero' }, { a: 'two' }, { a: 'ten' }]);
    assert.deepEqual(flatList(attrs, 'q.'), []);
  });

  it('turns labels into {label: "true"}, dropping empty ones', () => {
    assert.deepEqual(labelTags(['a', 'b', 'a', '']), { a: 'true', b: 'true' });
    assert.deepEqual(labelTags('["x"]'), { x: 'true' });
    assert.equal(labelTags([]), null);
    assert.equal(labelTags(''), null);
  });
});

describe('OpenInference', () => {
  it('prefers the explicit request / response model names over llm.model_name', () => {
    const f = openinference.map(
      input({
        'llm.model_name': 'alias',
        'llm.request.model_name': 'gpt-4o',
        'llm.response.model_name': 'gpt-4o-2024-08-06',
      }),
    );
    assert.equal(f?.request_model, 'gpt-4o');
    assert.equal(f?.response_model, 'gpt-4o-2024-08-06');
  });

  it('reads legacy function-call messages and llm.system when llm.provider is absent', () => {
    const f = openinference.map(
      input({
        'llm.system': 'Anthropic',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.function_call_name': 'lookup',
        'llm.output_messages.0.message.function_call_arguments_json': '{"q":1}',
      }),
    );
    assert.equal(f?.provider, 'anthropic');
    assert.deepEqual(f?.output_messages, [
      { role: 'assistant', content: '', tool_calls: [{ id: null, name: 'lookup', arguments: { q: 1 } }] },
    ]);
  });

  it('keeps a non-object invocation_parameters value whole', () => {
    const f = openinference.map(input({ 'llm.invocation_parameters': 'temperature=1' }));
    assert.deepEqual(f?.request_params, { invocation_parameters: 'temperature=1' });
  });
});

describe('Traceloop', () => {
  it('spells capitalised gen_ai.system values as GenAI providers and ignores framework names', () => {
    const provider = (system: string) =>
      traceloop.map(input({ 'llm.request.type': 'chat', 'gen_ai.system': system }))?.provider;
    assert.equal(provider('OpenAI'), 'openai');
    assert.equal(provider('VertexAI'), 'gcp.vertex_ai');
    assert.equal(provider('Watsonx'), 'ibm.watsonx.ai');
    assert.equal(provider('AWS'), 'aws.bedrock');
    assert.equal(provider('crewai'), undefined);
  });

  it('entity names fill tool_name / agent_name only on tool / agent spans', () => {
    const task = traceloop.map(input({ 'traceloop.span.kind': 'task', 'traceloop.entity.name': 'prep' }));
    assert.equal(task?.tool_name, undefined);
    assert.equal(task?.agent_name, undefined);
  });
});

describe('Vercel AI', () => {
  it('normalizes provider ids to GenAI provider names', () => {
    const provider = (id: string) => vercelAi.map(input({ 'ai.model.provider': id }))?.provider;
    assert.equal(provider('openai.responses'), 'openai');
    assert.equal(provider('anthropic.messages'), 'anthropic');
    assert.equal(provider('google.generative-ai'), 'gcp.gemini');
    assert.equal(provider('google.vertex.anthropic.messages'), 'gcp.vertex_ai');
    assert.equal(provider('azure-openai.chat'), 'azure.ai.openai');
    assert.equal(provider('mistral.chat'), 'mistral_ai');
    assert.equal(provider('xai.chat'), 'x_ai');
    assert.equal(provider(''), undefined);
  });

  it('takes the operation from operation.name, then the span name, when ai.operationId is absent', () => {
    const byName = vercelAi.map(input({ 'ai.toolCall.name': 'f' }, 'ai.toolCall'));
    assert.equal(byName?.span_type, 'TOOL');
    const byOperationName = vercelAi.map(
      input({ 'operation.name': 'ai.embed my-fn', 'ai.value': '"x"' }, 'whatever'),
    );
    assert.equal(byOperationName?.span_type, 'EMBEDDING');
  });

  it('gives no type to operations it does not know', () => {
    assert.equal(vercelAi.map(input({ 'ai.operationId': 'ai.generateImage' }))?.span_type, undefined);
  });
});

describe('Langfuse', () => {
  it('adds disjoint detail buckets to input / output', () => {
    const f = langfuse.map(
      input({
        'langfuse.observation.type': 'generation',
        'langfuse.observation.usage_details': JSON.stringify({
          input: 5,
          input_audio: 2,
          input_cache_creation: 4,
          output: 3,
          output_audio: 1,
        }),
      }),
    );
    assert.equal(f?.input_tokens, 11);
    assert.equal(f?.output_tokens, 4);
    assert.equal(f?.cache_write_tokens, 4);
    assert.equal(f?.cache_read_tokens, undefined);
    assert.equal(f?.total_tokens, undefined);
  });

  it('a generation whose input is a chat request is a CHAT_MODEL, and its messages are read', () => {
    const f = langfuse.map(
      input({
        'langfuse.observation.type': 'generation',
        'langfuse.observation.input': JSON.stringify({
          system: 'be nice',
          messages: [{ role: 'user', content: 'x' }],
        }),
      }),
    );
    assert.equal(f?.span_type, 'CHAT_MODEL');
    assert.deepEqual(f?.input_messages, [
      { role: 'system', content: 'be nice' },
      { role: 'user', content: 'x' },
    ]);
  });
});

describe('Google ADK', () => {
  it("treats ADK's '<not specified>' tool call id as absent", () => {
    const f = googleAdk.map(
      input({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'f',
        'gen_ai.tool.call.id': '<not specified>',
        'gcp.vertex.agent.tool_call_args': '{}',
      }),
    );
    assert.equal(f?.tool_call_id, undefined);
    assert.equal(f?.tool_name, 'f');
    assert.deepEqual(f?.inputs, {});
  });

  it('a thought-only model turn keeps the thought as a reasoning part, not as reply text', () => {
    const f = googleAdk.map(
      input(
        {
          'gcp.vertex.agent.llm_response': JSON.stringify({
            content: { role: 'model', parts: [{ text: 'hmm', thought: true }] },
          }),
        },
        'call_llm',
      ),
    );
    assert.deepEqual(f?.output_messages, [
      { role: 'assistant', content: '', parts: [{ type: 'reasoning', content: 'hmm' }] },
    ]);
  });
});
