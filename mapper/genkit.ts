/**
 * Firebase Genkit (`genkit` on npm, @genkit-ai/core tracing/instrumentation): every action and step is a span of
 * the `genkit-tracer` scope with `genkit:*` attributes — genkit:type (action, util, flowStep, …),
 * genkit:metadata:subtype (the action type: model, tool, flow, …), genkit:name, genkit:path, genkit:input /
 * genkit:output (JSON-encoded), genkit:state, genkit:sessionId. A span is Genkit when it has genkit:name,
 * genkit:type or genkit:path (Genkit sets the name and path on every span it makes; direct look-ups rather than a
 * scan of every key, since every span of every convention passes this test).
 * No other convention reads these keys, so nothing here competes with another convention.
 *
 * Span types (subtype first, then genkit:type):
 *   model, background-model → CHAT_MODEL (Genkit models take messages); tool, tool.v2 → TOOL; agent → AGENT;
 *   flow, prompt, executable-prompt → CHAIN; embedder → EMBEDDING; retriever → RETRIEVER; reranker → RERANKER;
 *   evaluator → EVALUATOR; genkit:type util (the `generate` step wrapping model and tool calls, as the Vercel AI
 *   SDK's ai.generateText) and flowStep (ai.run) → CHAIN; anything else → null (no opinion).
 *   A flow is a CHAIN, not an AGENT: Genkit says which actions are agents (the agent action type).
 *
 * Precedence inside this convention, per column (first present wins):
 * - inputs / outputs  genkit:input / genkit:output, decoded once (a JSON string literal becomes its text).
 * - input_messages    model and util spans: the request's messages (role model → assistant; toolRequest → tool
 *                     call, toolResponse → a tool message, reasoning kept as a part; see genkit-messages.ts).
 * - output_messages   model and util spans: the response's message (> its first candidate's, Genkit 0.5) with
 *                     the response's finishReason.
 * - finish_reasons    the response's finishReason (> the first candidate's).
 * - request_model     model and embedder spans: genkit:name without its plugin prefix ("googleai/gemini-2.5-flash"
 *                     → gemini-2.5-flash); util spans: the request's `model` likewise.
 * - response_model / response_id  model spans: `model` / `id` of the provider's raw response (output.raw).
 * - provider          the plugin prefix of that model name, spelled as in GenAI semconv where it names a provider
 *                     (googleai → gcp.gemini, vertexai → gcp.vertex_ai, …); other plugin names as they are.
 * - tokens            model spans only (a generate step reports only its last model call's usage): the response's
 *                     usage — inputTokens, outputTokens, totalTokens, thoughtsTokens → reasoning,
 *                     cachedContentTokens → cache_read.
 * - request_params    model spans: the request's config keys (temperature, maxOutputTokens, …) + tools.
 * - tool_name         genkit:name on tool spans.   agent_name  genkit:name on agent spans.
 * - session_id        genkit:sessionId (Genkit chat sessions).
 * genkit:path, genkit:key, genkit:state, genkit:isRoot and genkit:metadata:* other than subtype stay in
 * `attributes`.
 */

import type { AttrValue, SpanInput } from '../otlp/model.js';
import { present } from './flat-messages.js';
import { compact, nonEmpty } from './genai-common.js';
import { finishReasonsOf } from './genai-messages.js';
import { genkitRequestMessages, genkitResponseMessages } from './genkit-messages.js';
import type { Convention, Json, MappedFields, SpanType } from './types.js';
import { int, isObject, jsonValue, lookup, str } from './values.js';

type JsonObject = { [key: string]: Json };

const SUBTYPES: Record<string, SpanType> = {
  model: 'CHAT_MODEL',
  'background-model': 'CHAT_MODEL',
  tool: 'TOOL',
  'tool.v2': 'TOOL',
  agent: 'AGENT',
  flow: 'CHAIN',
  prompt: 'CHAIN',
  'executable-prompt': 'CHAIN',
  embedder: 'EMBEDDING',
  retriever: 'RETRIEVER',
  reranker: 'RERANKER',
  evaluator: 'EVALUATOR',
};
const TYPES: Record<string, SpanType> = { util: 'CHAIN', flowStep: 'CHAIN' };

/** Genkit plugin names whose provider has another spelling in GenAI semconv. */
const PROVIDERS: Record<string, string> = {
  googleai: 'gcp.gemini',
  'google-genai': 'gcp.gemini',
  vertexai: 'gcp.vertex_ai',
  xai: 'x_ai',
  mistral: 'mistral_ai',
  awsbedrock: 'aws.bedrock',
  bedrock: 'aws.bedrock',
};

function decoded(v: AttrValue | undefined): Json | undefined {
  return present(v) ? jsonValue(v) : undefined;
}

/** "plugin/model" → [plugin, model]; a name without a plugin prefix is the model alone. */
function splitModel(name: string | null): [string | null, string | null] {
  if (name === null) return [null, null];
  const slash = name.indexOf('/');
  return slash > 0 ? [name.slice(0, slash), name.slice(slash + 1) || null] : [null, name];
}

function provider(plugin: string | null): string | null {
  const p = plugin?.trim().toLowerCase();
  return p ? (lookup(PROVIDERS, p) ?? p) : null;
}

function usage(output: Json | undefined): MappedFields {
  const u = isObject(output) && isObject(output.usage) ? output.usage : null;
  if (!u) return {};
  return compact({
    input_tokens: int(u.inputTokens),
    output_tokens: int(u.outputTokens),
    total_tokens: int(u.totalTokens),
    reasoning_tokens: int(u.thoughtsTokens),
    cache_read_tokens: int(u.cachedContentTokens),
  });
}

function requestParams(input: Json | undefined): Record<string, Json> | null {
  if (!isObject(input)) return null;
  const params: JsonObject = isObject(input.config) ? { ...input.config } : {};
  if (Array.isArray(input.tools) && input.tools.length) params.tools = input.tools;
  return nonEmpty(params);
}

function finishReason(output: Json | undefined): string | null {
  if (!isObject(output)) return null;
  const first = Array.isArray(output.candidates) ? output.candidates[0] : undefined;
  return str(output.finishReason) ?? (isObject(first) ? str(first.finishReason) : null);
}

export const genkit: Convention = {
  name: 'genkit',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (a['genkit:name'] === undefined && a['genkit:type'] === undefined && a['genkit:path'] === undefined)
      return null;
    const subtype = str(a['genkit:metadata:subtype']);
    const type = str(a['genkit:type']);
    const spanType = lookup(SUBTYPES, subtype) ?? lookup(TYPES, type) ?? null;
    const name = str(a['genkit:name']);
    const inputs = decoded(a['genkit:input']);
    const outputs = decoded(a['genkit:output']);
    const isModel = spanType === 'CHAT_MODEL';
    const chat = isModel || type === 'util';
    const outMessages = chat ? genkitResponseMessages(outputs) : null;
    const modelName =
      isModel || spanType === 'EMBEDDING' ? name : chat && isObject(inputs) ? str(inputs.model) : null;
    const [plugin, model] = splitModel(modelName);
    const raw = isModel && isObject(outputs) && isObject(outputs.raw) ? outputs.raw : null;
    const finish = chat ? finishReason(outputs) : null;
    return compact({
      span_type: spanType,
      inputs,
      outputs,
      input_messages: chat ? genkitRequestMessages(inputs) : null,
      output_messages: outMessages,
      finish_reasons: finish !== null ? [finish] : finishReasonsOf(outMessages),
      request_model: model,
      response_model: raw ? str(raw.model) : null,
      response_id: raw ? str(raw.id) : null,
      provider: provider(plugin),
      ...(isModel ? usage(outputs) : {}),
      request_params: isModel ? requestParams(inputs) : null,
      tool_name: spanType === 'TOOL' ? name : null,
      agent_name: spanType === 'AGENT' ? name : null,
      session_id: str(a['genkit:sessionId']),
    });
  },
};
