/**
 * OpenLLMetry / Traceloop (traceloop/openllmetry, opentelemetry-semantic-conventions-ai SpanAttributes).
 * A span is Traceloop when it has a traceloop.* key, an OpenLLMetry llm.* key (llm.request.type,
 * llm.usage.total_tokens, llm.request.functions, …) or flattened gen_ai.prompt.N.* / gen_ai.completion.N.* keys.
 *
 * Precedence inside this convention, per column (first present wins):
 * - span_type       traceloop.span.kind (workflow→WORKFLOW, task→TASK, agent→AGENT, tool→TOOL)
 *                   > llm.request.type (chat→CHAT_MODEL, completion→LLM, embedding→EMBEDDING, rerank→RERANKER)
 *                   > UNKNOWN when either says 'unknown' (loses to any other convention's type).
 * - inputs          traceloop.entity.input (JSON-encoded by the SDK: decoded once, scalars included; invalid JSON
 *                   kept as the raw text) > {messages: the gen_ai.prompt.N objects as sent}.
 * - outputs         traceloop.entity.output > {messages: the gen_ai.completion.N objects as sent}.
 * - input_messages  gen_ai.prompt.N.{role, content, tool_call_id, tool_calls.J.{id, name, arguments}}; content
 *                   that is JSON of a parts list is read as parts.
 * - output_messages gen_ai.completion.N.{role, content, finish_reason, tool_calls.J.*, function_call.*}.
 * - finish_reasons  the completions' finish_reason > llm.response.finish_reason > llm.response.stop_reason.
 * - tokens          gen_ai.usage.prompt_tokens / completion_tokens, llm.usage.total_tokens,
 *                   gen_ai.usage.cache_read_input_tokens / cache_creation_input_tokens.
 * - provider        gen_ai.system, capitalised by OpenLLMetry ("OpenAI" → openai, "MistralAI" → mistral_ai,
 *                   "Bedrock"/"AWS" → aws.bedrock, "VertexAI" → gcp.vertex_ai, "Watsonx" → ibm.watsonx.ai; others
 *                   lower-cased; framework names ignored).
 * - request_model / response_model  gen_ai.request.model / gen_ai.response.model.
 * - request_params  tools ← llm.request.functions (JSON list, or flattened N.{name, description, parameters}),
 *                   top_k, frequency_penalty, presence_penalty, stop_sequences (llm.chat.stop_sequences),
 *                   repetition_penalty (llm.request.repetition_penalty), stream (llm.is_streaming).
 * - tool_name       traceloop.entity.name on tool spans.   agent_name  traceloop.entity.name on agent spans.
 * - session_id / user_id  traceloop.association.properties.{session_id | sessionId} / {user_id | userId}.
 * - trace_metadata  the other traceloop.association.properties.* (prefix removed).
 * - trace_tags      traceloop.workflow.name under its own key.
 * traceloop.entity.path / version and traceloop.prompt.* are not mapped (kept in `attributes`).
 */

import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import {
  flatList,
  hasKeyMatching,
  indexedMessages,
  prefixedMetadata,
  prefixTest,
  present,
} from './flat-messages.js';
import { compact, firstInt, nonEmpty, providerName } from './genai-common.js';
import { finishReasonsOf } from './genai-messages.js';
import type { Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, jsonish, jsonValue, lookup, str } from './values.js';

const ASSOCIATION = 'traceloop.association.properties.';
const SESSION_KEYS = ['session_id', 'sessionId'];
const USER_KEYS = ['user_id', 'userId'];

const MARKERS = [
  'traceloop.',
  'llm.request.type',
  'llm.usage.total_tokens',
  'llm.request.functions',
  'llm.is_streaming',
  'llm.response.finish_reason',
  'llm.response.stop_reason',
] as const;
const isMarker = prefixTest(MARKERS);
const INDEXED = /^gen_ai\.(prompt|completion)\.\d+\./;
/** INDEXED.test, run only on keys with its 'p' / 'c' after `gen_ai.` (most spans have many other gen_ai.* keys). */
const isIndexed = (k: string) => {
  const c = k.charCodeAt(7);
  return (c === 0x70 || c === 0x63) && INDEXED.test(k);
};

const SPAN_KINDS: Record<string, SpanType> = {
  workflow: 'WORKFLOW',
  task: 'TASK',
  agent: 'AGENT',
  tool: 'TOOL',
};
const REQUEST_TYPES: Record<string, SpanType> = {
  chat: 'CHAT_MODEL',
  completion: 'LLM',
  embedding: 'EMBEDDING',
  rerank: 'RERANKER',
};

/** OpenLLMetry's capitalised gen_ai.system values whose semconv spelling is not just the lower-cased name. */
const PROVIDERS: Record<string, string> = {
  mistralai: 'mistral_ai',
  bedrock: 'aws.bedrock',
  aws: 'aws.bedrock',
  vertexai: 'gcp.vertex_ai',
  watsonx: 'ibm.watsonx.ai',
};

function provider(v: AttrValue | undefined): string | null {
  const s = str(v)?.trim().toLowerCase().replace(/\s+/g, '_');
  return s ? providerName(lookup(PROVIDERS, s) ?? s) : null;
}

function spanType(a: Attributes): SpanType | null {
  const kind = str(a['traceloop.span.kind'])?.trim().toLowerCase();
  const requestType = str(a['llm.request.type'])?.trim().toLowerCase();
  // An 'unknown' entity kind says nothing about an LLM call's request type, so that still decides.
  const known =
    (kind !== 'unknown' ? lookup(SPAN_KINDS, kind) : undefined) ?? lookup(REQUEST_TYPES, requestType);
  return known || (kind === 'unknown' || requestType === 'unknown' ? 'UNKNOWN' : null);
}

function tools(a: Attributes): Json | undefined {
  if (present(a['llm.request.functions'])) return jsonish(a['llm.request.functions']);
  const list = flatList(a, 'llm.request.functions.')
    .filter(isObject)
    .map((f) =>
      compact({ ...f, parameters: present(f.parameters as string) ? jsonish(f.parameters) : undefined }),
    );
  return list.length ? (list as Json[]) : undefined;
}

function requestParams(a: Attributes): Record<string, Json> | null {
  const keys: Record<string, string> = {
    top_k: 'llm.top_k',
    frequency_penalty: 'llm.frequency_penalty',
    presence_penalty: 'llm.presence_penalty',
    stop_sequences: 'llm.chat.stop_sequences',
    repetition_penalty: 'llm.request.repetition_penalty',
    stream: 'llm.is_streaming',
  };
  const params: Record<string, Json> = {};
  for (const [name, key] of Object.entries(keys)) if (present(a[key])) params[name] = a[key] as Json;
  const t = tools(a);
  if (t !== undefined) params.tools = t;
  return nonEmpty(params);
}

/** An entity attribute (JSON-encoded by the SDK), or {messages: the raw flattened list}. */
function entityValue(a: Attributes, key: string, listPrefix: string): Json | undefined {
  if (present(a[key])) return jsonValue(a[key]);
  const list = flatList(a, listPrefix);
  return list.length ? { messages: list } : undefined;
}

function firstAssociation(a: Attributes, keys: string[]): string | null {
  for (const k of keys) {
    const v = str(a[ASSOCIATION + k]);
    if (v !== null) return v;
  }
  return null;
}

export const traceloop: Convention = {
  name: 'traceloop',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (!hasKeyMatching(a, isMarker) && !hasKeyMatching(a, isIndexed)) return null;
    const type = spanType(a);
    const entityName = str(a['traceloop.entity.name']);
    const outputMessages = indexedMessages(a, 'gen_ai.completion.', 'assistant');
    const finishFallback = str(a['llm.response.finish_reason']) ?? str(a['llm.response.stop_reason']);
    const workflow = str(a['traceloop.workflow.name']);
    return compact({
      span_type: type,
      inputs: entityValue(a, 'traceloop.entity.input', 'gen_ai.prompt.'),
      outputs: entityValue(a, 'traceloop.entity.output', 'gen_ai.completion.'),
      input_messages: indexedMessages(a, 'gen_ai.prompt.', 'user'),
      output_messages: outputMessages,
      finish_reasons: finishReasonsOf(outputMessages) ?? (finishFallback !== null ? [finishFallback] : null),
      input_tokens: firstInt(a, 'gen_ai.usage.prompt_tokens'),
      output_tokens: firstInt(a, 'gen_ai.usage.completion_tokens'),
      total_tokens: firstInt(a, 'llm.usage.total_tokens'),
      cache_read_tokens: firstInt(a, 'gen_ai.usage.cache_read_input_tokens'),
      cache_write_tokens: firstInt(a, 'gen_ai.usage.cache_creation_input_tokens'),
      provider: provider(a['gen_ai.system']),
      request_model: str(a['gen_ai.request.model']),
      response_model: str(a['gen_ai.response.model']),
      request_params: requestParams(a),
      tool_name: type === 'TOOL' ? entityName : null,
      agent_name: type === 'AGENT' ? entityName : null,
      session_id: firstAssociation(a, SESSION_KEYS),
      user_id: firstAssociation(a, USER_KEYS),
      trace_metadata: nonEmpty(prefixedMetadata(a, ASSOCIATION, [...SESSION_KEYS, ...USER_KEYS])),
      trace_tags: workflow !== null ? { 'traceloop.workflow.name': workflow } : null,
    });
  },
};
