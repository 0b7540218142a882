/**
 * OpenInference flattened chat messages → ChatMessage[]:
 *   <prefix>N.message.{role, content, name, tool_call_id,
 *                      contents.K.message_content.{type, text, image.image.url, …},
 *                      tool_calls.J.tool_call.{id, function.name, function.arguments},
 *                      function_call_name, function_call_arguments_json (legacy function calling)}
 * plus the completions-API lists llm.prompts / llm.choices. Each message is rebuilt as an OpenAI-style object and
 * handed to the shared normalizer, so text / tool-call / tool-result handling is the same as for every convention.
 */

import type { Attributes } from '../otlp/model.js';
import { flatList, roleOf } from './flat-messages.js';
import { compact } from './genai-common.js';
import { isEmptyMessage, normalizeMessage } from './genai-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, str, strList } from './values.js';

type JsonObject = { [key: string]: Json };

/** One message_content item → a part the shared normalizer understands (text joins, the rest stays verbatim). */
function contentPart(mc: JsonObject): Json {
  const type = str(mc.type)?.toLowerCase() ?? (typeof mc.text === 'string' ? 'text' : null);
  // Reasoning text is not reply text: keep it as a part, in the GenAI shape ({type, content}).
  if (type === 'reasoning') return { type: 'reasoning', content: str(mc.text) ?? '' };
  if (type === 'text') return { type: 'text', text: typeof mc.text === 'string' ? mc.text : '' };
  return mc;
}

function toolCall(item: Json): Json | null {
  const tc = isObject(item) && isObject(item.tool_call) ? item.tool_call : null;
  if (!tc) return null;
  const fn = isObject(tc.function) ? tc.function : {};
  return { id: tc.id ?? null, function: { name: fn.name ?? null, arguments: fn.arguments ?? null } };
}

function oiMessage(item: Json, defaultRole: string): ChatMessage[] {
  const m = isObject(item) && isObject(item.message) ? item.message : null;
  if (!m) return [];
  const content: Json[] = [];
  if (typeof m.content === 'string') content.push({ type: 'text', text: m.content });
  else if (m.content !== undefined && m.content !== null)
    content.push({ type: 'text', text: JSON.stringify(m.content) });
  if (Array.isArray(m.contents)) {
    for (const c of m.contents)
      if (isObject(c) && isObject(c.message_content)) content.push(contentPart(c.message_content));
  }
  const toolCalls = Array.isArray(m.tool_calls) ? m.tool_calls.map(toolCall).filter((t) => t !== null) : [];
  const legacyCall =
    m.function_call_name !== undefined
      ? { name: m.function_call_name, arguments: m.function_call_arguments_json ?? null }
      : undefined;
  const built = compact({
    role: roleOf(m.role) ?? defaultRole,
    content,
    tool_calls: toolCalls.length ? toolCalls : undefined,
    function_call: legacyCall,
    name: m.name,
    tool_call_id: m.tool_call_id,
  }) as JsonObject;
  return normalizeMessage(built, defaultRole);
}

/**
 * Messages of `<prefix>N.message.*` (llm.input_messages. / llm.output_messages.), or null when there are none.
 * An empty message is dropped: some instrumentations set `…N.message.role` of a message they have no content for
 * (OpenInference's LangChain instrumentation on a stray role-only entry).
 */
export function oiMessages(attrs: Attributes, prefix: string, defaultRole: string): ChatMessage[] | null {
  const out = flatList(attrs, prefix)
    .flatMap((item) => oiMessage(item, defaultRole))
    .filter((m) => !isEmptyMessage(m));
  return out.length ? out : null;
}

/**
 * Completions-API text lists as messages: llm.prompts.N.prompt.text (or the older plain string list llm.prompts)
 * → user messages; llm.choices.N.completion.text → assistant messages.
 */
export function oiPromptMessages(attrs: Attributes): ChatMessage[] | null {
  const nested = flatList(attrs, 'llm.prompts.').map((p) =>
    isObject(p) && isObject(p.prompt) ? str(p.prompt.text) : null,
  );
  const texts = nested.some((t) => t !== null) ? nested : (strList(attrs['llm.prompts']) ?? []);
  const out = texts.filter((t): t is string => t !== null).map((t) => ({ role: 'user', content: t }));
  return out.length ? out : null;
}

export function oiChoiceMessages(attrs: Attributes): ChatMessage[] | null {
  const out = flatList(attrs, 'llm.choices.')
    .map((c) => (isObject(c) && isObject(c.completion) ? str(c.completion.text) : null))
    .filter((t): t is string => t !== null)
    .map((t) => ({ role: 'assistant', content: t }));
  return out.length ? out : null;
}
