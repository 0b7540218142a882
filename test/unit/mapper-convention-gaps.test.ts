/**
 * Gaps inside the framework conventions tracebridge has (issue 19): OpenInference tool call ids inside the tool's
 * output, Vercel AI SDK cache tokens in provider metadata and spans known by operation.name alone, Langfuse SDK
 * trace keys, session precedence across conventions, MLflow models beside empty message lists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapSpan } from '../../mapper/index.js';
import type { Attributes } from '../../otlp/model.js';
import { traceRowFromSpans } from '../../store/trace-rows.js';
import { spanInput } from '../support/span-input.js';
import { spanRecord } from '../support/span-record.js';

const map = (attributes: Attributes, name = 'span') => mapSpan(spanInput(attributes, { span: { name } }));
const json = (v: unknown) => JSON.stringify(v);

describe('OpenInference LangChain tool spans: tool_call_id from the ToolMessage output', () => {
  it('a dumped ToolMessage', () => {
    const row = map({
      'openinference.span.kind': 'TOOL',
      'tool.name': 'weather',
      'output.value': json({ content: 'sunny', type: 'tool', tool_call_id: 'call_7', name: 'weather' }),
      'output.mime_type': 'application/json',
    });
    assert.equal(row.tool_call_id, 'call_7');
  });

  it('a serialized ToolMessage; a tool.id attribute still wins; not on other span kinds', () => {
    const serialized = json({
      lc: 1,
      type: 'constructor',
      id: ['langchain', 'schema', 'messages', 'ToolMessage'],
      kwargs: { content: 'sunny', type: 'tool', tool_call_id: 'call_8' },
    });
    assert.equal(
      map({ 'openinference.span.kind': 'TOOL', 'output.value': serialized }).tool_call_id,
      'call_8',
    );
    const withId = map({ 'openinference.span.kind': 'TOOL', 'tool.id': 'x', 'output.value': serialized });
    assert.equal(withId.tool_call_id, 'x');
    assert.equal(map({ 'openinference.span.kind': 'CHAIN', 'output.value': serialized }).tool_call_id, null);
  });
});

describe('Vercel AI SDK', () => {
  const call = (meta: unknown, extra: Attributes = {}) =>
    map({
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.usage.inputTokens': 100,
      'ai.response.providerMetadata': json(meta),
      ...extra,
    });
  const cache = (r: ReturnType<typeof map>) => [r.cache_read_tokens, r.cache_write_tokens];

  it('Anthropic cache tokens from provider metadata, incl. only the 5-minute / 1-hour breakdown', () => {
    assert.deepEqual(
      cache(call({ anthropic: { cacheCreationInputTokens: 30, cacheReadInputTokens: 12 } })),
      [12, 30],
    );
    const breakdown = {
      anthropic: {
        usage: {
          cache_read_input_tokens: 5,
          cache_creation: { ephemeral_5m_input_tokens: 7, ephemeral_1h_input_tokens: 4 },
        },
      },
    };
    assert.deepEqual(cache(call(breakdown)), [5, 11]);
  });

  it('Bedrock and OpenAI cache tokens; the SDK usage details win over provider metadata', () => {
    assert.deepEqual(
      cache(call({ bedrock: { usage: { cacheReadInputTokens: 9, cacheWriteInputTokens: 3 } } })),
      [9, 3],
    );
    assert.deepEqual(cache(call({ openai: { cachedPromptTokens: 64, reasoningTokens: 0 } })), [64, null]);
    const both = call(
      { anthropic: { cacheReadInputTokens: 12 } },
      { 'ai.usage.inputTokenDetails.cacheReadTokens': 20 },
    );
    assert.equal(both.cache_read_tokens, 20);
  });

  it('spans known from operation.name alone, without ai.operationId or other ai.* keys', () => {
    assert.equal(map({ 'operation.name': 'ai.embed.doEmbed my-fn' }, 'embed').span_type, 'EMBEDDING');
    assert.equal(map({ 'operation.name': 'ai.toolCall' }, 'search').span_type, 'TOOL');
    assert.equal(map({ 'operation.name': 'db.query' }).span_type, 'UNKNOWN');
  });
});

describe('Langfuse SDK trace keys on generic OTel spans', () => {
  const row = map({
    'langfuse.trace.name': 'checkout',
    'langfuse.user.id': 'u-1',
    'langfuse.trace.tags': ['beta'],
    'langfuse.tags': json(['legacy-tag']),
    'langfuse.trace.metadata.plan': 'pro',
    'langfuse.metadata': json({ region: 'eu', plan: 'free' }),
    'langfuse.metadata.tier': '2',
    'langfuse.trace.input': json({ question: 'Where is my order?' }),
    'langfuse.trace.output': 'It ships today.',
  });

  it('metadata, tags, user and previews', () => {
    assert.deepEqual(row.trace_metadata, { region: 'eu', plan: 'pro', tier: '2' });
    assert.deepEqual(row.trace_tags, {
      beta: 'true',
      'legacy-tag': 'true',
      'langfuse.trace.name': 'checkout',
    });
    assert.equal(row.user_id, 'u-1');
    assert.deepEqual([row.request_preview, row.response_preview], ['Where is my order?', 'It ships today.']);
  });

  it("trace.input / output are the trace's previews even beside the observation's own content", () => {
    const r = map({
      'langfuse.observation.input': json({ messages: [{ role: 'user', content: 'step input' }] }),
      'langfuse.trace.input': 'the real question',
    });
    assert.equal(r.request_preview, 'the real question');
  });

  it('langfuse.trace.name names the trace, whichever span carries it', () => {
    const base = { trace_id: 't'.repeat(32), experiment_id: '0', span_type: 'CHAIN', status: 'OK' };
    const time = (ns: number) => ({
      start_time: 1_704_067_200_000_000_000n,
      end_time: 1_704_067_201_000_000_000n,
      start_time_unix_nano: String(ns),
      end_time_unix_nano: String(ns + 10),
    });
    const rootSpan = spanRecord({ ...base, ...time(1), span_id: 'a'.repeat(16), name: 'POST /checkout' });
    const child = spanRecord({
      ...base,
      ...time(2),
      span_id: 'b'.repeat(16),
      parent_span_id: 'a'.repeat(16),
      name: 'agent',
      trace_tags: row.trace_tags,
    });
    assert.equal(traceRowFromSpans([rootSpan])?.name, 'POST /checkout');
    assert.equal(traceRowFromSpans([rootSpan, child])?.name, 'checkout');
  });
});

describe('sessions: langfuse.session.id > session.id > gen_ai.conversation.id', () => {
  it('whichever conventions read the span', () => {
    const genai = { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 'conv' };
    assert.equal(map(genai).session_id, 'conv');
    assert.equal(map({ ...genai, 'session.id': 'sess' }).session_id, 'sess');
    assert.equal(map({ ...genai, 'session.id': 'sess', 'langfuse.session.id': 'lf' }).session_id, 'lf');
    const oi = { 'openinference.span.kind': 'LLM', 'session.id': 'sess', 'langfuse.session.id': 'lf' };
    assert.equal(map(oi).session_id, 'lf');
  });
});

describe('MLflow: the model of a chat payload whose messages / choices are empty', () => {
  it('request and response models', () => {
    const row = map({
      'mlflow.spanType': '"CHAT_MODEL"',
      'mlflow.spanInputs': json({ model: 'qwen-plus', messages: [] }),
      'mlflow.spanOutputs': json({ id: 'chatcmpl-1', model: 'qwen-plus-0919', choices: [] }),
    });
    assert.equal(row.model, 'qwen-plus-0919');
    assert.equal(row.response_id, 'chatcmpl-1');
    const requestOnly = map({
      'mlflow.spanType': '"CHAT_MODEL"',
      'mlflow.spanInputs': json({ model: 'qwen-plus', messages: [] }),
    });
    assert.equal(requestOnly.model, 'qwen-plus');
  });

  it('a payload that is not a chat payload names no model', () => {
    const row = map({ 'mlflow.spanType': '"CHAIN"', 'mlflow.spanInputs': json({ model: 'x', k: 1 }) });
    assert.equal(row.model, null);
  });
});
