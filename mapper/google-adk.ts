/**
 * Google Agent Development Kit (google/adk-python src/google/adk/telemetry/tracing.py; adk-js emits the same keys).
 * A span is ADK when its scope is gcp.vertex.agent, it has a gcp.vertex.agent.* key, or gen_ai.system is
 * "gcp.vertex.agent". ADK's gen_ai.* keys (operation name, agent / tool name, usage) are read by the GenAI
 * conventions too; this convention adds what only ADK's JSON payloads hold.
 *
 * Span types: gen_ai.operation.name invoke_agent → AGENT, execute_tool → TOOL; a span with a non-empty
 * gcp.vertex.agent.llm_request (or named call_llm) → CHAT_MODEL (Gemini requests are always content lists);
 * the runner's `invocation` span → CHAIN.
 *
 * Precedence inside this convention, per column (first present wins):
 * - inputs          gcp.vertex.agent.llm_request (decoded) > gcp.vertex.agent.tool_call_args (decoded) >
 *                   gcp.vertex.agent.data (send_data). ADK writes '{}' as llm_request / llm_response on tool spans,
 *                   so an empty llm_request / llm_response is absent (an empty tool_call_args is a call without
 *                   arguments and is kept).
 * - outputs         gcp.vertex.agent.llm_response > gcp.vertex.agent.tool_response. '<not serializable>' and
 *                   other non-JSON text is kept as the raw string.
 * - input_messages  llm_request.config.system_instruction (a system message) + llm_request.contents.
 * - output_messages llm_response.content (role model → assistant).
 *   Gemini parts: text joins into content; thought text → {type:'reasoning', content}; function_call →
 *   tool_calls; function_response → its own {role:'tool'} message; inline_data / file_data / code parts verbatim.
 *   snake_case (Python) and camelCase (JS) field names are both read.
 * - finish_reasons  [llm_response.finish_reason], lower-cased as ADK does for gen_ai.response.finish_reasons.
 * - tokens          llm_response.usage_metadata: prompt_token_count, candidates_token_count, total_token_count,
 *                   cached_content_token_count (cache read), thoughts_token_count (reasoning).
 * - request_model   llm_request.model > gen_ai.request.model.   response_model  llm_response.model_version.
 * - provider        from the model: gemini* → gcp.gen_ai (ADK may reach Gemini through AI Studio or Vertex AI, so
 *                   the generic Google spelling); a LiteLLM "provider/model" id → provider. gen_ai.system
 *                   ("gcp.vertex.agent") names the framework, never the provider.
 * - request_params  llm_request.config without system_instruction (temperature, tools, …).
 * - tool_name / tool_call_id  gen_ai.tool.name / gen_ai.tool.call.id on tool spans ('<not specified>' is absent).
 * - agent_name      gen_ai.agent.name on agent spans.
 * - session_id      gcp.vertex.agent.session_id > gen_ai.conversation.id.
 */

import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import { hasKeyMatching, prefixTest, present } from './flat-messages.js';
import { compact, firstInt, nonEmpty } from './genai-common.js';
import { normalizeMessage, systemMessage } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, jsonish, str } from './values.js';

type JsonObject = { [key: string]: Json };

const SCOPE = 'gcp.vertex.agent';
const isAdkKey = prefixTest([`${SCOPE}.`]);
const NOT_SPECIFIED = '<not specified>';

/** Reads a field by its Python (snake_case) or JS (camelCase) name. */
function field(o: JsonObject, snake: string): Json | undefined {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return o[snake] ?? o[camel];
}

/** A JSON payload attribute (decoded when it is JSON of an object / array; other text kept raw), or undefined. */
function payload(v: AttrValue | undefined): Json | undefined {
  return present(v) ? jsonish(v) : undefined;
}

/** llm_request / llm_response: '{}' is ADK's placeholder on spans that are not model calls, so it is absent. */
function llmPayload(v: AttrValue | undefined): Json | undefined {
  const d = payload(v);
  return isObject(d) && Object.keys(d).length === 0 ? undefined : d;
}

/** A Gemini part → a part the shared normalizer understands (thoughts are reasoning, not reply text). */
function geminiPart(p: Json): Json {
  if (isObject(p) && p.thought === true && typeof p.text === 'string')
    return { type: 'reasoning', content: p.text };
  return p;
}

function contentMessages(c: Json, defaultRole: string): ChatMessage[] {
  if (!isObject(c)) return [];
  const role = str(c.role)?.toLowerCase();
  const parts = Array.isArray(c.parts) ? c.parts.map(geminiPart) : [];
  return normalizeMessage(
    { role: role === 'model' ? 'assistant' : (role ?? defaultRole), parts },
    defaultRole,
  );
}

function requestMessages(req: JsonObject): ChatMessage[] | null {
  const config = isObject(req.config) ? req.config : {};
  const si = field(config, 'system_instruction');
  // system_instruction is text, a Content ({parts}) or a list of parts.
  const system = systemMessage(isObject(si) ? si.parts : si);
  const contents = Array.isArray(req.contents) ? req.contents.flatMap((c) => contentMessages(c, 'user')) : [];
  const out = system ? [system, ...contents] : contents;
  return out.length ? out : null;
}

function responseMessages(res: JsonObject, finish: string | null): ChatMessage[] | null {
  const out = contentMessages(res.content ?? null, 'assistant');
  const last = out[out.length - 1];
  if (last && finish !== null) last.finish_reason = finish;
  return out.length ? out : null;
}

function provider(model: string | null): string | null {
  const m = model?.toLowerCase();
  if (!m) return null;
  if (/(^|\/)gemini/.test(m)) return 'gcp.gen_ai';
  const slash = m.indexOf('/');
  return slash > 0 && !m.startsWith('projects/') ? m.slice(0, slash) : null;
}

function spanType(input: SpanInput, hasLlmRequest: boolean): SpanType | null {
  const op = str(input.span.attributes['gen_ai.operation.name']);
  if (op === 'invoke_agent') return 'AGENT';
  if (op === 'execute_tool') return 'TOOL';
  if (hasLlmRequest || input.span.name === 'call_llm') return 'CHAT_MODEL';
  if (input.span.name === 'invocation') return 'CHAIN';
  return null;
}

function llmFields(req: JsonObject | null, res: JsonObject | null, a: Attributes): MappedFields {
  const usage =
    res && isObject(field(res, 'usage_metadata')) ? (field(res, 'usage_metadata') as Attributes) : {};
  const finish = res ? (str(field(res, 'finish_reason') as AttrValue)?.toLowerCase() ?? null) : null;
  const config = req && isObject(req.config) ? { ...req.config } : {};
  delete config.system_instruction;
  delete config.systemInstruction;
  const model = (req && str(req.model as AttrValue)) ?? str(a['gen_ai.request.model']);
  return compact({
    input_messages: req ? requestMessages(req) : null,
    output_messages: res ? responseMessages(res, finish) : null,
    finish_reasons: finish ? [finish] : null,
    input_tokens: firstInt(usage, 'prompt_token_count', 'promptTokenCount'),
    output_tokens: firstInt(usage, 'candidates_token_count', 'candidatesTokenCount'),
    total_tokens: firstInt(usage, 'total_token_count', 'totalTokenCount'),
    cache_read_tokens: firstInt(usage, 'cached_content_token_count', 'cachedContentTokenCount'),
    reasoning_tokens: firstInt(usage, 'thoughts_token_count', 'thoughtsTokenCount'),
    request_model: model,
    response_model: res ? str(field(res, 'model_version') as AttrValue) : null,
    provider: provider(model),
    request_params: nonEmpty(config),
  });
}

export const googleAdk: Convention = {
  name: 'google_adk',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    const isAdk =
      input.scope.name === SCOPE || hasKeyMatching(a, isAdkKey) || str(a['gen_ai.system']) === SCOPE;
    if (!isAdk) return null;
    const request = llmPayload(a['gcp.vertex.agent.llm_request']);
    const response = llmPayload(a['gcp.vertex.agent.llm_response']);
    const type = spanType(input, request !== undefined);
    const callId = str(a['gen_ai.tool.call.id']);
    const llm =
      type === 'CHAT_MODEL'
        ? llmFields(isObject(request) ? request : null, isObject(response) ? response : null, a)
        : {};
    return compact({
      span_type: type,
      inputs: request ?? payload(a['gcp.vertex.agent.tool_call_args']) ?? payload(a['gcp.vertex.agent.data']),
      outputs: response ?? payload(a['gcp.vertex.agent.tool_response']),
      ...llm,
      tool_name: type === 'TOOL' ? str(a['gen_ai.tool.name']) : null,
      tool_call_id: type === 'TOOL' && callId !== NOT_SPECIFIED ? callId : null,
      agent_name: type === 'AGENT' ? str(a['gen_ai.agent.name']) : null,
      session_id: str(a['gcp.vertex.agent.session_id']) ?? str(a['gen_ai.conversation.id']),
    });
  },
};
