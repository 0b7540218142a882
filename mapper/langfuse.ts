/**
 * Langfuse SDK OpenTelemetry attributes (langfuse-python langfuse/_client/attributes.py LangfuseOtelSpanAttributes,
 * @langfuse/core in JS; the Langfuse server also accepts langfuse.session.id / langfuse.user.id).
 * A span is Langfuse when it has a langfuse.* key; session.id / user.id are only read on such spans.
 * The SDK sends strings as they are and JSON-encodes anything else, so values are decoded with jsonish (JSON of an
 * object / array is decoded; any other text, including invalid JSON, stays the raw string).
 *
 * Precedence inside this convention, per column (first present wins):
 * - span_type       langfuse.observation.type: generation → CHAT_MODEL when its input holds chat messages, else
 *                   LLM; agent, tool, chain, retriever, embedding, evaluator, guardrail → their MLflow type;
 *                   span / event (generic units of work) → UNKNOWN (loses to any other convention's type).
 * - inputs          langfuse.observation.input > langfuse.trace.input (the trace's input, set on the span where
 *                   the SDK updated the trace — usually the root).
 * - outputs         langfuse.observation.output > langfuse.trace.output.
 * - input_messages  the observation input when it is a chat request (a message list, or {messages, system?}).
 * - output_messages the observation output when it is a chat response (a message, a message list, a
 *                   chat.completion) or, on a generation, plain text (one assistant message).
 * - finish_reasons  the output messages' finish_reason.
 * - request_model   langfuse.observation.model.name > langfuse.observation.model (older SDKs).
 * - request_params  langfuse.observation.model.parameters (keys of the decoded object).
 * - tokens          langfuse.observation.usage_details, either Langfuse's own buckets — {input, output, total,
 *                   input_<detail>, output_<detail>}, where every bucket is disjoint, so input = input + Σ input_*
 *                   and output = output + Σ output_*; cache_read ← input_* containing cache_read / cached,
 *                   cache_write ← input_* containing cache_creation / cache_write, reasoning ← output_* containing
 *                   reasoning — or a provider usage object as the Langfuse OpenAI wrapper sends it (prompt_tokens,
 *                   completion_tokens, total_tokens, prompt_tokens_details.cached_tokens,
 *                   completion_tokens_details.reasoning_tokens; input_tokens / output_tokens /
 *                   cache_read_input_tokens / cache_creation_input_tokens).
 * - session_id      langfuse.session.id > session.id.   user_id  langfuse.user.id > user.id.
 * - trace_tags      langfuse.trace.tags > langfuse.tags (older SDKs; each a list, JSON list or comma-separated
 *                   text): each label → {label: 'true'}; plus langfuse.trace.name, langfuse.release,
 *                   langfuse.version, langfuse.environment under their own keys. The trace row takes its name from
 *                   the langfuse.trace.name tag (store/trace-rows.ts), so any span may name its trace.
 * - trace_metadata  langfuse.trace.metadata.<key> > langfuse.trace.metadata > langfuse.metadata.<key> >
 *                   langfuse.metadata, per key (values decoded; a whole value → its keys, or `metadata` when it
 *                   is not an object).
 * - request_preview / response_preview  langfuse.trace.input / langfuse.trace.output as preview text (the
 *                   trace's own request and answer, set where the SDK updated the trace), over the span's content.
 * - agent_name / tool_name  the span name on agent / tool observations (Langfuse names the observation after
 *                   the agent or tool).
 * langfuse.observation.metadata.*, level, status_message, prompt.*, cost_details and completion_start_time are
 * not mapped (kept in `attributes`).
 *
 * Debatable precedence, and the rule taken:
 * - An explicit langfuse.observation.type against an OpenInference span kind on the same span: the OpenInference
 *   kind wins (OpenInference outranks this convention). The kind is set by the instrumentation that recorded the
 *   operation, and OpenInference then supplies that span's content too, so type and content come from one source;
 *   a Langfuse type added on top (Strands adds "span" when exporting to Langfuse) would claim e.g. a model call
 *   for a span whose content says otherwise. Langfuse's own ingestion ranks langfuse.* first; here only a span
 *   without an OpenInference kind takes the Langfuse type.
 * - langfuse.trace.input / output against the span's own content for the previews: the trace keys win (they are
 *   the trace's request and answer by the SDK's intent); inputs / outputs stay the observation's.
 * - langfuse.session.id over session.id over gen_ai.conversation.id, whichever convention reads the span.
 */

import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import {
  hasKeyMatching,
  labelTags,
  metadataObject,
  prefixedMetadata,
  prefixTest,
  present,
} from './flat-messages.js';
import { chatRequestMessages, chatResponseMessages } from './genai-chat-formats.js';
import { compact, nonEmpty } from './genai-common.js';
import { finishReasonsOf, normalizeMessage } from './genai-messages.js';
import { payloadPreview } from './preview.js';
import type { ChatMessage, Convention, Json, MappedFields, SpanType } from './types.js';
import { int, isObject, jsonish, lookup, str } from './values.js';

type JsonObject = { [key: string]: Json };
const isLangfuseKey = prefixTest(['langfuse.']);

const TYPES: Record<string, SpanType> = {
  agent: 'AGENT',
  tool: 'TOOL',
  chain: 'CHAIN',
  retriever: 'RETRIEVER',
  embedding: 'EMBEDDING',
  evaluator: 'EVALUATOR',
  guardrail: 'GUARDRAIL',
  span: 'UNKNOWN',
  event: 'UNKNOWN',
};
const TRACE_TAG_KEYS = [
  'langfuse.trace.name',
  'langfuse.release',
  'langfuse.version',
  'langfuse.environment',
];

function decoded(v: AttrValue | undefined): Json | undefined {
  return present(v) ? jsonish(v) : undefined;
}

/** Comma-separated text is how some non-SDK senders (e.g. Ruby clients) pass the tag list. */
function labels(raw: AttrValue | undefined): Record<string, string> {
  const list =
    typeof raw === 'string' && !raw.trimStart().startsWith('[') ? raw.split(',').map((t) => t.trim()) : raw;
  const tags: Record<string, string> = { ...(labelTags(list as AttrValue) ?? {}) };
  delete tags[''];
  return tags;
}

function traceTags(a: Attributes): Record<string, string> | null {
  const tags = { ...labels(a['langfuse.tags']), ...labels(a['langfuse.trace.tags']) };
  for (const k of TRACE_TAG_KEYS) {
    const v = str(a[k]);
    if (v !== null) tags[k] = v;
  }
  return nonEmpty(tags);
}

function traceMetadata(a: Attributes): Record<string, Json> | null {
  return nonEmpty({
    ...metadataObject(a['langfuse.metadata'], 'metadata'),
    ...prefixedMetadata(a, 'langfuse.metadata.'),
    ...metadataObject(a['langfuse.trace.metadata'], 'metadata'),
    ...prefixedMetadata(a, 'langfuse.trace.metadata.'),
  });
}

/** Sum of the numeric entries whose key passes `test`, or null when there are none. */
function sumWhere(u: JsonObject, test: (k: string) => boolean): number | null {
  let total: number | null = null;
  for (const [k, v] of Object.entries(u)) {
    const n = int(v as AttrValue);
    if (test(k) && n !== null) total = (total ?? 0) + n;
  }
  return total;
}

function langfuseBuckets(u: JsonObject): MappedFields {
  const inDetail = (k: string) => k.startsWith('input_');
  const outDetail = (k: string) => k.startsWith('output_');
  const plus = (a: number | null, b: number | null) =>
    a === null && b === null ? null : (a ?? 0) + (b ?? 0);
  return compact({
    input_tokens: plus(int(u.input as AttrValue), sumWhere(u, inDetail)),
    output_tokens: plus(int(u.output as AttrValue), sumWhere(u, outDetail)),
    total_tokens: int(u.total as AttrValue),
    cache_read_tokens: sumWhere(u, (k) => inDetail(k) && /cache_read|cached/.test(k)),
    cache_write_tokens: sumWhere(u, (k) => inDetail(k) && /cache_creation|cache_write/.test(k)),
    reasoning_tokens: sumWhere(u, (k) => outDetail(k) && k.includes('reasoning')),
  });
}

function providerUsage(u: JsonObject): MappedFields {
  const details = (k: string): JsonObject => (isObject(u[k]) ? (u[k] as JsonObject) : {});
  const n = (v: Json | undefined) => int(v as AttrValue);
  return compact({
    input_tokens: n(u.prompt_tokens) ?? n(u.input_tokens),
    output_tokens: n(u.completion_tokens) ?? n(u.output_tokens),
    total_tokens: n(u.total_tokens),
    cache_read_tokens: n(details('prompt_tokens_details').cached_tokens) ?? n(u.cache_read_input_tokens),
    cache_write_tokens: n(u.cache_creation_input_tokens),
    reasoning_tokens: n(details('completion_tokens_details').reasoning_tokens),
  });
}

function usage(v: AttrValue | undefined): MappedFields {
  const u = decoded(v);
  if (!isObject(u)) return {};
  return 'input' in u || 'output' in u || 'total' in u ? langfuseBuckets(u) : providerUsage(u);
}

function outputMessages(output: Json | undefined, isGeneration: boolean): ChatMessage[] | null {
  if (isObject(output) && typeof output.role === 'string') return normalizeMessage(output, 'assistant');
  const messages = chatResponseMessages(output);
  if (messages) return messages;
  if (isGeneration && typeof output === 'string' && output !== '')
    return [{ role: 'assistant', content: output }];
  return null;
}

export const langfuse: Convention = {
  name: 'langfuse',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (!hasKeyMatching(a, isLangfuseKey)) return null;
    const type = str(a['langfuse.observation.type'])?.trim().toLowerCase();
    const isGeneration = type === 'generation';
    const obsInput = decoded(a['langfuse.observation.input']);
    const obsOutput = decoded(a['langfuse.observation.output']);
    const inMessages = chatRequestMessages(obsInput);
    const outMessages = outputMessages(obsOutput, isGeneration);
    let spanType: SpanType | null = lookup(TYPES, type) ?? null;
    if (isGeneration) spanType = inMessages ? 'CHAT_MODEL' : 'LLM';
    const params = decoded(a['langfuse.observation.model.parameters']);
    return compact({
      span_type: spanType,
      inputs: obsInput ?? decoded(a['langfuse.trace.input']),
      outputs: obsOutput ?? decoded(a['langfuse.trace.output']),
      input_messages: inMessages,
      output_messages: outMessages,
      finish_reasons: finishReasonsOf(outMessages),
      request_model: str(a['langfuse.observation.model.name']) ?? str(a['langfuse.observation.model']),
      request_params: isObject(params) ? nonEmpty({ ...params }) : null,
      ...usage(a['langfuse.observation.usage_details']),
      request_preview: payloadPreview(decoded(a['langfuse.trace.input']), 'request'),
      response_preview: payloadPreview(decoded(a['langfuse.trace.output']), 'response'),
      session_id: str(a['langfuse.session.id']) ?? str(a['session.id']),
      user_id: str(a['langfuse.user.id']) ?? str(a['user.id']),
      trace_tags: traceTags(a),
      trace_metadata: traceMetadata(a),
      agent_name: type === 'agent' ? str(input.span.name) : null,
      tool_name: type === 'tool' ? str(input.span.name) : null,
    });
  },
};
