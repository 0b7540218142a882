/**
 * Vercel AI SDK telemetry (ai.* attributes; content/docs/03-ai-sdk-core/60-telemetry.mdx and
 * packages/ai/src/telemetry). A span is Vercel AI when it has ai.operationId or another ai.* key the SDK emits, or
 * an operation.name starting with "ai." (a span recorded with neither inputs nor outputs may have nothing else).
 * The operation is ai.operationId, else the first word of operation.name ("ai.generateText my-fn"), else the name.
 * gen_ai.* attributes on the provider-call spans are left to the GenAI conventions.
 *
 * Span types:
 *   ai.generateText / ai.streamText / ai.generateObject / ai.streamObject → CHAIN. The outer call wraps one or
 *     more provider calls and the tool calls between them (a tool loop), so it is not itself one model call;
 *     its usage is the total of its steps.
 *   *.doGenerate / *.doStream → CHAT_MODEL (the provider receives messages); LLM when ai.prompt.format is 'prompt'
 *     (SDK ≤ 3 plain-prompt calls).
 *   ai.embed / ai.embedMany (+ .doEmbed) → EMBEDDING; ai.rerank (+ children) → RERANKER; ai.toolCall → TOOL;
 *   any other operation → null (no opinion).
 *
 * Precedence inside this convention, per column (first present wins):
 * - inputs          tool: ai.toolCall.args > ai.toolCall.input (JSON-encoded by the SDK, decoded once);
 *                   embed: ai.value > ai.values (each decoded); rerank: {documents: ai.documents (each decoded)};
 *                   provider call: {messages, tools, toolChoice} ← ai.prompt.messages / .tools / .toolChoice;
 *                   outer call: ai.prompt (decoded; invalid JSON kept as the raw text).
 * - outputs         tool: ai.toolCall.result > ai.toolCall.output; embed: ai.embedding > ai.embeddings;
 *                   rerank: {ranking: ai.ranking}; generation: the text alone when the reply is only text, else
 *                   {text, object, toolCalls, reasoning, files} ← ai.response.* (> ai.result.*, SDK ≤ 3).
 * - input_messages  ai.prompt.messages > ai.prompt {system, prompt, messages}.
 * - output_messages one assistant message: ai.response.reasoning (part) + ai.response.text + ai.response.toolCalls.
 * - finish_reasons  [ai.response.finishReason > ai.finishReason].
 * - request_model   ai.model.id.   response_model  ai.response.model.   response_id  ai.response.id.
 * - provider        ai.model.provider up to the first '.' ("openai.chat" → openai), with the SDK's provider ids
 *                   spelled as in GenAI semconv (google.generative-ai → gcp.gemini, google.vertex → gcp.vertex_ai,
 *                   amazon-bedrock → aws.bedrock, azure(-openai) → azure.ai.openai, mistral → mistral_ai).
 * - tokens          input ← ai.usage.inputTokens > promptTokens > tokens (embeddings); output ← outputTokens >
 *                   completionTokens; total ← totalTokens; cache_read ← inputTokenDetails.cacheReadTokens >
 *                   cachedInputTokens; cache_write ← inputTokenDetails.cacheWriteTokens; reasoning ←
 *                   outputTokenDetails.reasoningTokens > reasoningTokens. Cache counts a provider reports only in
 *                   ai.response.providerMetadata come last: cache_read ← anthropic.cacheReadInputTokens >
 *                   anthropic.usage.cache_read_input_tokens > bedrock.usage.cacheReadInputTokens >
 *                   openai.cachedPromptTokens; cache_write ← anthropic.cacheCreationInputTokens >
 *                   anthropic.usage.cache_creation_input_tokens > the sum of its 5-minute / 1-hour breakdown
 *                   (usage.cache_creation.ephemeral_5m / _1h_input_tokens) > bedrock.usage.cacheWriteInputTokens.
 * - request_params  ai.settings.<key> → <key>; tools ← ai.prompt.tools; tool_choice ← ai.prompt.toolChoice;
 *                   schema / schema_name / schema_description ← ai.schema*.
 * - tool_name / tool_call_id  ai.toolCall.name / ai.toolCall.id.
 * - trace_tags      ai.telemetry.metadata.<key> > ai.settings.runtimeContext.<key> > ai.settings.context.<key>
 *                  → <key> (non-string values as JSON; the context keys are not request_params) + ai.telemetry.functionId
 *                   under its own key.
 * - session_id / user_id  ai.telemetry.metadata.{sessionId | session_id} / {userId | user_id}, then the same keys
 *                  under ai.settings.runtimeContext.* / ai.settings.context.* (AI SDK 7's runtime context).
 */

import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import { hasKeyMatching, prefixedTags, prefixTest, present } from './flat-messages.js';
import { compact, firstInt, nonEmpty } from './genai-common.js';
import type { Convention, Json, MappedFields, SpanType } from './types.js';
import { int, isObject, jsonish, jsonValue, lookup, str, withPrefix } from './values.js';
import { promptMessageList, promptMessages, responseMessages, responseToolCalls } from './vercel-messages.js';

const MARKERS = [
  'ai.operationId',
  'ai.prompt',
  'ai.response.',
  'ai.result.',
  'ai.model.',
  'ai.usage.',
  'ai.toolCall.',
  'ai.telemetry.',
  'ai.settings.',
  'ai.value',
  'ai.embedding',
  'ai.documents',
  'ai.ranking',
] as const;
const isMarker = prefixTest(MARKERS);
const METADATA = 'ai.telemetry.metadata.';
/** AI SDK 7 replaced telemetry metadata with a runtime context, exported under ai.settings.(runtimeC|c)ontext. */
const CONTEXT_PREFIXES = ['ai.settings.runtimeContext.', 'ai.settings.context.'];
const METADATA_PREFIXES = [METADATA, ...CONTEXT_PREFIXES];
const GENERATIONS = ['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject'];

/** SDK provider ids whose GenAI semconv spelling differs from the id itself. */
const PROVIDERS: Record<string, string> = {
  'google.generative-ai': 'gcp.gemini',
  'google.vertex': 'gcp.vertex_ai',
  'amazon-bedrock': 'aws.bedrock',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  mistral: 'mistral_ai',
  xai: 'x_ai',
};

function operation(input: SpanInput): string {
  const a = input.span.attributes;
  const fromName = str(a['operation.name'])?.split(' ')[0];
  return str(a['ai.operationId']) ?? (fromName?.startsWith('ai.') ? fromName : input.span.name);
}

type Kind = 'generation' | 'call' | 'embed' | 'rerank' | 'tool' | null;

function kindOf(op: string): Kind {
  if (op === 'ai.toolCall') return 'tool';
  if (op.startsWith('ai.embed')) return 'embed';
  if (op.startsWith('ai.rerank')) return 'rerank';
  if (GENERATIONS.includes(op)) return 'generation';
  if (GENERATIONS.some((g) => op.startsWith(`${g}.do`))) return 'call';
  return null;
}

function spanType(kind: Kind, a: Attributes): SpanType | null {
  switch (kind) {
    case 'generation':
      return 'CHAIN';
    case 'call':
      return str(a['ai.prompt.format']) === 'prompt' ? 'LLM' : 'CHAT_MODEL';
    case 'embed':
      return 'EMBEDDING';
    case 'rerank':
      return 'RERANKER';
    case 'tool':
      return 'TOOL';
    default:
      return null;
  }
}

function provider(v: AttrValue | undefined): string | null {
  const id = str(v)?.trim().toLowerCase();
  if (!id) return null;
  const known = Object.keys(PROVIDERS).find((k) => id === k || id.startsWith(`${k}.`));
  return known ? (lookup(PROVIDERS, known) ?? null) : (id.split('.')[0] ?? null);
}

/** A value the SDK JSON-encodes (tool args / results, embeddings): decoded once, scalars included. */
function encoded(v: AttrValue | undefined): Json | undefined {
  if (!present(v)) return undefined;
  return Array.isArray(v) ? v.map((x) => jsonValue(x) as Json) : jsonValue(v);
}

function first(...values: (Json | undefined)[]): Json | undefined {
  return values.find((v) => v !== undefined);
}

function inputs(kind: Kind, a: Attributes): Json | undefined {
  switch (kind) {
    case 'tool':
      return first(encoded(a['ai.toolCall.args']), encoded(a['ai.toolCall.input']));
    case 'embed':
      return first(encoded(a['ai.value']), encoded(a['ai.values']));
    case 'rerank': {
      const docs = encoded(a['ai.documents']);
      return docs === undefined ? undefined : { documents: docs };
    }
    case 'call': {
      const call = compact({
        messages: present(a['ai.prompt.messages']) ? jsonish(a['ai.prompt.messages']) : undefined,
        tools: encoded(a['ai.prompt.tools']),
        toolChoice: present(a['ai.prompt.toolChoice']) ? jsonish(a['ai.prompt.toolChoice']) : undefined,
      });
      return Object.keys(call).length ? (call as Json) : undefined;
    }
    default:
      return present(a['ai.prompt']) ? jsonish(a['ai.prompt']) : undefined;
  }
}

function generationOutputs(a: Attributes): Json | undefined {
  const text = a['ai.response.text'] ?? a['ai.result.text'];
  const object = a['ai.response.object'] ?? a['ai.result.object'];
  const out = compact({
    text: present(text) ? text : undefined,
    object: present(object) ? jsonish(object) : undefined,
    toolCalls: responseToolCalls(a),
    reasoning: present(a['ai.response.reasoning']) ? a['ai.response.reasoning'] : undefined,
    files: present(a['ai.response.files']) ? jsonish(a['ai.response.files']) : undefined,
  });
  const keys = Object.keys(out);
  if (keys.length === 0) return undefined;
  return keys.length === 1 && keys[0] === 'text' ? (out.text as Json) : (out as Json);
}

function outputs(kind: Kind, a: Attributes): Json | undefined {
  switch (kind) {
    case 'tool':
      return first(encoded(a['ai.toolCall.result']), encoded(a['ai.toolCall.output']));
    case 'embed':
      return first(encoded(a['ai.embedding']), encoded(a['ai.embeddings']));
    case 'rerank': {
      const ranking = encoded(a['ai.ranking']);
      return ranking === undefined ? undefined : { ranking };
    }
    default:
      return generationOutputs(a);
  }
}

function requestParams(a: Attributes): Record<string, Json> | null {
  const params: Record<string, Json> = {};
  for (const [k, v] of Object.entries(withPrefix(a, 'ai.settings.'))) {
    if (present(v) && !k.startsWith('context.') && !k.startsWith('runtimeContext.')) params[k] = v;
  }
  const extra = {
    tools: encoded(a['ai.prompt.tools']),
    tool_choice: present(a['ai.prompt.toolChoice']) ? jsonish(a['ai.prompt.toolChoice']) : undefined,
    schema: present(a['ai.schema']) ? jsonish(a['ai.schema']) : undefined,
    schema_name: str(a['ai.schema.name']),
    schema_description: str(a['ai.schema.description']),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) params[k] = v;
  return nonEmpty(params);
}

type JsonObject = { [key: string]: Json };
const objectAt = (o: Json | undefined, key: string): JsonObject | null => {
  const v = isObject(o) ? o[key] : undefined;
  return isObject(v) ? v : null;
};
const count = (v: Json | undefined): number | null => int(v as AttrValue);
const sum = (...values: (number | null)[]): number | null =>
  values.every((v) => v === null) ? null : values.reduce<number>((t, v) => t + (v ?? 0), 0);

/**
 * Cache tokens some providers report only in their response metadata (ai.response.providerMetadata, JSON):
 * Anthropic {cacheReadInputTokens, cacheCreationInputTokens, usage: {cache_read_input_tokens,
 * cache_creation_input_tokens, cache_creation: {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}}};
 * Bedrock {usage: {cacheReadInputTokens, cacheWriteInputTokens}}; OpenAI {cachedPromptTokens}.
 */
function providerCacheTokens(a: Attributes): { read: number | null; write: number | null } {
  const meta = present(a['ai.response.providerMetadata']) ? jsonish(a['ai.response.providerMetadata']) : null;
  if (!isObject(meta)) return { read: null, write: null };
  const anthropic = objectAt(meta, 'anthropic');
  const anthropicUsage = objectAt(anthropic ?? undefined, 'usage');
  const breakdown = objectAt(anthropicUsage ?? undefined, 'cache_creation');
  const bedrockUsage = objectAt(objectAt(meta, 'bedrock') ?? undefined, 'usage');
  const openai = objectAt(meta, 'openai') ?? objectAt(meta, 'azure');
  const read =
    count(anthropic?.cacheReadInputTokens) ??
    count(anthropicUsage?.cache_read_input_tokens) ??
    count(bedrockUsage?.cacheReadInputTokens) ??
    count(openai?.cachedPromptTokens);
  const write =
    count(anthropic?.cacheCreationInputTokens) ??
    count(anthropicUsage?.cache_creation_input_tokens) ??
    sum(count(breakdown?.ephemeral_5m_input_tokens), count(breakdown?.ephemeral_1h_input_tokens)) ??
    count(bedrockUsage?.cacheWriteInputTokens);
  return { read, write };
}

function tokens(a: Attributes): MappedFields {
  const cached = providerCacheTokens(a);
  return compact({
    input_tokens: firstInt(a, 'ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'),
    output_tokens: firstInt(a, 'ai.usage.outputTokens', 'ai.usage.completionTokens'),
    total_tokens: firstInt(a, 'ai.usage.totalTokens'),
    cache_read_tokens:
      firstInt(a, 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens') ?? cached.read,
    cache_write_tokens: firstInt(a, 'ai.usage.inputTokenDetails.cacheWriteTokens') ?? cached.write,
    reasoning_tokens: firstInt(a, 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'),
  });
}

function traceTags(a: Attributes): Record<string, string> | null {
  // Later prefixes first, so telemetry metadata wins over the runtime context on a shared key.
  const tags = Object.assign({}, ...[...METADATA_PREFIXES].reverse().map((p) => prefixedTags(a, p)));
  const fn = str(a['ai.telemetry.functionId']);
  if (fn !== null) tags['ai.telemetry.functionId'] = fn;
  return nonEmpty(tags);
}

function metadataValue(a: Attributes, ...keys: string[]): string | null {
  for (const prefix of METADATA_PREFIXES) {
    for (const k of keys) {
      const v = str(a[prefix + k]);
      if (v !== null) return v;
    }
  }
  return null;
}

export const vercelAi: Convention = {
  name: 'vercel_ai',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (!hasKeyMatching(a, isMarker) && !str(a['operation.name'])?.startsWith('ai.')) return null;
    const kind = kindOf(operation(input));
    const finish = str(a['ai.response.finishReason']) ?? str(a['ai.finishReason']);
    const isGeneration = kind === 'generation' || kind === 'call';
    return compact({
      span_type: spanType(kind, a),
      inputs: inputs(kind, a),
      outputs: outputs(kind, a),
      input_messages: promptMessageList(a['ai.prompt.messages']) ?? promptMessages(a['ai.prompt']),
      output_messages: isGeneration ? responseMessages(a, finish) : null,
      finish_reasons: finish !== null ? [finish] : null,
      request_model: str(a['ai.model.id']),
      response_model: str(a['ai.response.model']),
      response_id: str(a['ai.response.id']),
      provider: provider(a['ai.model.provider']),
      ...tokens(a),
      request_params: requestParams(a),
      tool_name: str(a['ai.toolCall.name']),
      tool_call_id: str(a['ai.toolCall.id']),
      trace_tags: traceTags(a),
      session_id: metadataValue(a, 'sessionId', 'session_id'),
      user_id: metadataValue(a, 'userId', 'user_id'),
    });
  },
};
