/**
 * MLflow-native span attributes (mlflow/tracing/constant.py: SpanAttributeKey), as MLflow's tracing SDK exports
 * them over OTLP. Every mlflow.span* / mlflow.chat.* / mlflow.llm.* value is JSON-encoded by the SDK and is decoded
 * exactly once (a JSON string whose text is itself JSON stays a string).
 *
 * Precedence inside this convention, per column (first present wins):
 * - span_type       mlflow.spanType, upper-cased when it is one of MLflow's span types (an explicit UNKNOWN is
 *                   kept and loses to any other convention's type); custom type names → null (no opinion).
 * - inputs/outputs  mlflow.spanInputs / mlflow.spanOutputs (decoded once; invalid JSON kept as the raw string).
 * - input_messages  the chat request inside spanInputs: {messages:[…]} (OpenAI / Anthropic format; Anthropic's
 *                   top-level `system` becomes a leading system message) or a bare list of messages.
 * - output_messages the chat response inside spanOutputs: chat.completion {choices:[{message, finish_reason}]}
 *                   > an Anthropic message {role, content:[blocks], stop_reason} > {messages:[…]} > {message}.
 * - finish_reasons  choices[].finish_reason / stop_reason of that response.
 * - tokens          mlflow.chat.tokenUsage {input_tokens, output_tokens, total_tokens, cache_read_input_tokens,
 *                   cache_creation_input_tokens}.
 * - request_model   mlflow.llm.model > the chat request's `model` (MLflow records the requested model), also when
 *                   its `messages` list is empty.
 * - response_model / response_id  `model` / `id` of the chat response in spanOutputs, also when its `choices`
 *                   list is empty.
 * - provider        mlflow.llm.provider (lower-cased).
 * - request_params  tools ← mlflow.chat.tools; sampling parameters of the chat request in spanInputs, named like
 *                   gen_ai.request.* (temperature, max_tokens ← max_tokens / max_completion_tokens /
 *                   max_output_tokens, top_p, top_k, frequency_penalty, presence_penalty, seed,
 *                   choice.count ← n, stop_sequences ← stop / stop_sequences).
 * - trace_tags      mlflow.traceTag.<key> → <key> (plain string values, set on the root span by MLflow's
 *                   OTLP span processor for the trace's tags, e.g. from update_current_trace(tags=…)).
 * - trace_metadata  mlflow.trace.session / mlflow.trace.user / other mlflow.trace.* metadata when sent as span
 *                   attributes, key kept as it is; mlflow.traceRequestId under its own key.
 * - session_id      session.id > mlflow.trace.session (MLflow copies trace metadata to these root attributes).
 * - user_id         user.id > mlflow.trace.user.
 * - agent_name / tool_name  on AGENT / TOOL spans: mlflow.spanFunctionName (the decorated function) > span name.
 * mlflow.spanFunctionName is otherwise not mapped: it is span-level (trace_metadata is trace-level) and stays in
 * `attributes`. session.id / user.id are only read on spans that carry mlflow.* attributes.
 */

import type { AttrValue, SpanInput } from '../otlp/model.js';
import { hasKeyMatching, prefixTest } from './flat-messages.js';
import {
  chatRequestMessages,
  chatRequestModel,
  chatRequestParams,
  chatResponseMessages,
  chatResponseMeta,
} from './genai-chat-formats.js';
import { compact, nonEmpty, providerName } from './genai-common.js';
import { finishReasonsOf } from './genai-messages.js';
import { type Convention, type Json, type MappedFields, SPAN_TYPES, type SpanType } from './types.js';
import { int, isObject, jsonValue, str } from './values.js';

const isMlflowKey = prefixTest(['mlflow.']);
const TAG_PREFIX = 'mlflow.traceTag.';
const TRACE_PREFIX = 'mlflow.trace.';
/** mlflow.trace.* span attributes that are not trace metadata (span-level bookkeeping). */
const NOT_METADATA = new Set(['mlflow.trace.intermediate_outputs']);

/** Decodes a JSON-encoded mlflow.* value once; '' and JSON null are absent. */
function decoded(v: AttrValue | undefined): Json | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const d = jsonValue(v);
  return d === null ? undefined : d;
}

/** A decoded value as a non-empty string (mlflow.llm.model is '"gpt-4o"' on the wire). */
function decodedStr(v: AttrValue | undefined): string | null {
  const d = decoded(v);
  return typeof d === 'string' || typeof d === 'number' ? str(d) : null;
}

function spanType(v: AttrValue | undefined): SpanType | null {
  const t = decodedStr(v)?.trim().toUpperCase();
  return t && (SPAN_TYPES as readonly string[]).includes(t) ? (t as SpanType) : null;
}

function tokenUsage(v: AttrValue | undefined): MappedFields {
  const u = decoded(v);
  if (!isObject(u)) return {};
  return compact({
    input_tokens: int(u.input_tokens),
    output_tokens: int(u.output_tokens),
    total_tokens: int(u.total_tokens),
    cache_read_tokens: int(u.cache_read_input_tokens),
    cache_write_tokens: int(u.cache_creation_input_tokens),
  });
}

function traceTags(attrs: Record<string, AttrValue>): Record<string, string> | null {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (!k.startsWith(TAG_PREFIX) || v === null || v === '') continue;
    const key = k.slice(TAG_PREFIX.length);
    if (key !== '') tags[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return nonEmpty(tags);
}

function traceMetadata(attrs: Record<string, AttrValue>): Record<string, Json> | null {
  const meta: Record<string, Json> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (!k.startsWith(TRACE_PREFIX) || NOT_METADATA.has(k) || v === null || v === '') continue;
    meta[k] = v;
  }
  const requestId = decodedStr(attrs['mlflow.traceRequestId']);
  if (requestId !== null) meta['mlflow.traceRequestId'] = requestId;
  return nonEmpty(meta);
}

export const mlflow: Convention = {
  name: 'mlflow',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (!hasKeyMatching(a, isMlflowKey)) return null;
    const inputs = decoded(a['mlflow.spanInputs']);
    const outputs = decoded(a['mlflow.spanOutputs']);
    const outputMessages = chatResponseMessages(outputs);
    const tools = decoded(a['mlflow.chat.tools']);
    const params = { ...(chatRequestParams(inputs) ?? {}), ...(tools !== undefined ? { tools } : {}) };
    const response = chatResponseMeta(outputs);
    const meta = traceMetadata(a);
    const type = spanType(a['mlflow.spanType']);
    // @mlflow.trace names agent and tool spans after the decorated function: that is the agent / tool name.
    const functionName = decodedStr(a['mlflow.spanFunctionName']) ?? input.span.name;
    return compact({
      span_type: type,
      agent_name: type === 'AGENT' ? functionName : null,
      tool_name: type === 'TOOL' ? functionName : null,
      inputs,
      outputs,
      input_messages: chatRequestMessages(inputs),
      output_messages: outputMessages,
      finish_reasons: finishReasonsOf(outputMessages),
      ...tokenUsage(a['mlflow.chat.tokenUsage']),
      request_model: decodedStr(a['mlflow.llm.model']) ?? chatRequestModel(inputs),
      response_model: response.model,
      response_id: response.id,
      provider: providerName(decodedStr(a['mlflow.llm.provider']) ?? undefined),
      request_params: nonEmpty(params),
      trace_tags: traceTags(a),
      trace_metadata: meta,
      session_id: decodedStr(a['session.id']) ?? decodedStr(a['mlflow.trace.session']),
      user_id: decodedStr(a['user.id']) ?? decodedStr(a['mlflow.trace.user']),
    });
  },
};
