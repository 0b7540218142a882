/**
 * OTel GenAI semantic conventions, current form (semconv ≥ 1.37: gen_ai.provider.name, parts-based
 * gen_ai.input.messages / gen_ai.output.messages, gen_ai.system_instructions).
 *
 * Precedence inside this convention, per column (first present wins):
 * - span_type      gen_ai.operation.name (chat→CHAT_MODEL, text_completion/generate_content→LLM,
 *                  embeddings→EMBEDDING, retrieval→RETRIEVER, execute_tool→TOOL, create_agent/invoke_agent→AGENT,
 *                  invoke_workflow→WORKFLOW, agent_step→CHAIN (Vercel AI SDK 7), an upper-case MLflow span type
 *                  name → that type (MLflow's GenAI-semconv export)); any other value → null (no opinion).
 * - provider       gen_ai.provider.name (lower-cased; framework names such as "autogen" are ignored).
 * - request_model  gen_ai.request.model.   response_model  gen_ai.response.model.
 * - input_messages gen_ai.system_instructions (a leading {role:'system'} message) + gen_ai.input.messages; span
 *                  attributes over the same keys on `gen_ai.client.inference.operation.details` events (each key
 *                  from the first such event carrying it: latest-experimental instrumentations send one event per
 *                  key, e.g. the input when the span starts and the output when it ends).
 * - output_messages gen_ai.output.messages (span, then that event).
 * - inputs         gen_ai.tool.call.arguments (decoded once, JSON string literals included) > {query: gen_ai.retrieval.query.text}
 *                  > {system_instructions?, messages} (the raw decoded values; the raw string when not valid JSON).
 * - outputs        gen_ai.tool.call.result (decoded once, JSON string literals included) > {documents: gen_ai.retrieval.documents} > {messages}.
 * - tokens         gen_ai.usage.input_tokens / output_tokens / total_tokens (non-standard, when sent) /
 *                  cache_read.input_tokens / cache_creation.input_tokens / reasoning.output_tokens.
 * - finish_reasons gen_ai.response.finish_reasons > the output messages' finish_reason.
 * - request_params gen_ai.request.* except model (key without the prefix, e.g. temperature, choice.count)
 *                  + tools (gen_ai.tool.definitions) + output_type (gen_ai.output.type)
 *                  + dimension_count (gen_ai.embeddings.dimension.count) + retrieval_top_k (gen_ai.retrieval.top_k)
 *                  + data_source_id (gen_ai.data_source.id).
 * - agent_name     gen_ai.agent.name > gen_ai.agent.id.
 * - session_id     on a span with gen_ai.conversation.id: langfuse.session.id > session.id > gen_ai.conversation.id
 *                  (an explicit session outranks a conversation id; the same order whichever convention reads it).
 * - tool_name / tool_call_id  gen_ai.tool.name / gen_ai.tool.call.id.
 * - response_id    gen_ai.response.id.   error_type  error.type (only on spans this convention recognizes).
 */
import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import { compact, firstInt, nonEmpty, operationType, providerName, sessionId } from './genai-common.js';
import { finishReasonsOf, normalizeMessages, systemMessage } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields } from './types.js';
import { jsonish, jsonValue, str, strList } from './values.js';

/** The event that carries content when an instrumentation records it on events instead of span attributes. */
export const OPERATION_DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
] as const;

/**
 * Content attributes: the span's own, else the operation-details events'. In the latest experimental mode an
 * instrumentation may add one such event per key (Strands: one for gen_ai.input.messages when the span starts, one
 * for gen_ai.output.messages when it ends), so each key is taken from the first event that carries it.
 */
function contentAttributes(input: SpanInput): Attributes {
  const attrs = input.span.attributes;
  const events = input.span.events;
  const out: Attributes = {};
  for (const k of CONTENT_KEYS) {
    let v = attrs[k];
    if (v === undefined || v === null || v === '') {
      v = undefined;
      for (const e of events) {
        if (e.name !== OPERATION_DETAILS_EVENT) continue;
        const ev = e.attributes[k];
        if (ev !== undefined && ev !== null && ev !== '') {
          v = ev;
          break;
        }
      }
    }
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  }
  return out;
}

const REQUEST_PREFIX = 'gen_ai.request.';

/** request_params entries that come from attributes outside gen_ai.request.*: [param, attribute]. */
const EXTRA_PARAMS: readonly (readonly [string, string])[] = [
  ['tools', 'gen_ai.tool.definitions'],
  ['output_type', 'gen_ai.output.type'],
  ['dimension_count', 'gen_ai.embeddings.dimension.count'],
  ['retrieval_top_k', 'gen_ai.retrieval.top_k'],
  ['data_source_id', 'gen_ai.data_source.id'],
];

function requestParams(attrs: Attributes): Record<string, Json> | null {
  const params: Record<string, Json> = {};
  // One pass over the attributes instead of a withPrefix copy. A '__proto__' suffix is skipped: in that copy it hit
  // the prototype setter and never became a key.
  for (const key in attrs) {
    if (!key.startsWith(REQUEST_PREFIX)) continue;
    const k = key.slice(REQUEST_PREFIX.length);
    const v = attrs[key] as AttrValue;
    if (k === 'model' || k === '__proto__' || v === null || v === '') continue;
    params[k] = jsonish(v) as Json;
  }
  for (const [name, key] of EXTRA_PARAMS) {
    const v = attrs[key];
    if (v !== undefined && v !== null && v !== '') params[name] = jsonish(v) as Json;
  }
  return nonEmpty(params);
}

/** A decoded content value; an empty list counts as absent (empty values are null). */
function decodedContent(v: AttrValue | undefined): Json | undefined {
  const d = jsonish(v);
  return Array.isArray(d) && d.length === 0 ? undefined : d;
}

/** The chat content: normalized messages plus the raw values for inputs / outputs. */
function chatContent(attrs: Attributes) {
  const rawIn = decodedContent(attrs['gen_ai.input.messages']);
  const rawOut = decodedContent(attrs['gen_ai.output.messages']);
  const rawSystem = decodedContent(attrs['gen_ai.system_instructions']);
  const system = systemMessage(rawSystem);
  const inMsgs = normalizeMessages(rawIn);
  const inputMessages: ChatMessage[] | null =
    system || inMsgs ? [...(system ? [system] : []), ...(inMsgs ?? [])] : null;
  const outputMessages = normalizeMessages(rawOut, 'assistant');

  let inputs: Json | undefined;
  // Not valid JSON: keep the raw text in inputs (nothing is lost) and report no messages.
  if (typeof rawIn === 'string') inputs = rawIn;
  else if (rawIn !== undefined || rawSystem !== undefined) {
    const env: Record<string, Json> = {};
    if (rawSystem !== undefined) env.system_instructions = rawSystem;
    if (rawIn !== undefined) env.messages = rawIn;
    inputs = env;
  }
  let outputs: Json | undefined;
  if (typeof rawOut === 'string') outputs = rawOut;
  else if (rawOut !== undefined) outputs = { messages: rawOut };
  return { inputMessages, outputMessages, inputs, outputs };
}

export const genaiCurrent: Convention = {
  name: 'genai',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    const chat = chatContent(contentAttributes(input));
    const toolArgs = a['gen_ai.tool.call.arguments'];
    const toolResult = a['gen_ai.tool.call.result'];
    const query = str(a['gen_ai.retrieval.query.text']);
    const documents = a['gen_ai.retrieval.documents'];

    let inputs = chat.inputs;
    // Tool arguments / results are JSON text by the spec; a JSON string literal (MLflow's export) decodes once.
    if (toolArgs !== undefined && toolArgs !== null && toolArgs !== '') inputs = jsonValue(toolArgs);
    else if (query !== null) inputs = { query };
    let outputs = chat.outputs;
    if (toolResult !== undefined && toolResult !== null && toolResult !== '') outputs = jsonValue(toolResult);
    else if (documents !== undefined && documents !== null && documents !== '') {
      const d = jsonish(documents);
      outputs = typeof d === 'string' ? d : { documents: d ?? null };
    }

    const fields: MappedFields = compact({
      span_type: operationType(a['gen_ai.operation.name']),
      provider: providerName(a['gen_ai.provider.name']),
      request_model: str(a['gen_ai.request.model']),
      response_model: str(a['gen_ai.response.model']),
      response_id: str(a['gen_ai.response.id']),
      finish_reasons: strList(a['gen_ai.response.finish_reasons']) ?? finishReasonsOf(chat.outputMessages),
      input_tokens: firstInt(a, 'gen_ai.usage.input_tokens'),
      output_tokens: firstInt(a, 'gen_ai.usage.output_tokens'),
      total_tokens: firstInt(a, 'gen_ai.usage.total_tokens'),
      cache_read_tokens: firstInt(
        a,
        'gen_ai.usage.cache_read.input_tokens',
        'gen_ai.usage.cache_read_input_tokens',
      ),
      cache_write_tokens: firstInt(
        a,
        'gen_ai.usage.cache_creation.input_tokens',
        'gen_ai.usage.cache_creation_input_tokens',
      ),
      reasoning_tokens: firstInt(a, 'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens'),
      input_messages: chat.inputMessages,
      output_messages: chat.outputMessages,
      inputs,
      outputs,
      request_params: requestParams(a),
      tool_name: str(a['gen_ai.tool.name']),
      tool_call_id: toolCallId(a['gen_ai.tool.call.id']),
      agent_name: str(a['gen_ai.agent.name']) ?? str(a['gen_ai.agent.id']),
      session_id:
        str(a['gen_ai.conversation.id']) === null ? null : sessionId(a, a['gen_ai.conversation.id']),
    });
    if (Object.keys(fields).length === 0) return null;
    const errorType = str(a['error.type']);
    if (errorType !== null) fields.error_type = errorType;
    return fields;
  },
};

/** Google ADK writes the placeholder '<not specified>' when a tool call has no id: that is no id. */
function toolCallId(v: AttrValue | undefined): string | null {
  const id = str(v);
  return id === '<not specified>' ? null : id;
}
