/**
 * Vercel AI SDK prompt / response content → ChatMessage[].
 *
 * Messages (ai.prompt.messages, and messages inside ai.prompt) are {role, content: string | parts}, with parts
 * {type: 'text' | 'reasoning' | 'tool-call' | 'tool-result' | 'image' | 'file', …}. Tool calls carry `input` (v5+)
 * or `args` (≤ v4); tool results carry `output` ({type: 'text' | 'json' | 'error-text' | 'error-json' | 'content',
 * value}, v5+) or `result` (≤ v4). Each tool result becomes its own {role: 'tool'} message.
 */

import type { Attributes, AttrValue } from '../otlp/model.js';
import { roleOf } from './flat-messages.js';
import { normalizeMessage, resultText } from './genai-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, jsonish, str } from './values.js';

type JsonObject = { [key: string]: Json };

/** A Vercel part → a part the shared normalizer understands; images, files and unknown parts stay verbatim. */
function part(p: Json): Json {
  if (!isObject(p)) return p;
  if (p.type === 'text') return { type: 'text', text: typeof p.text === 'string' ? p.text : '' };
  if (p.type === 'reasoning') return { type: 'reasoning', content: str(p.text) ?? '' };
  if (p.type === 'tool-call') return toolCallPart(p);
  return p;
}

function toolCallPart(p: JsonObject): Json {
  return {
    type: 'tool_call',
    id: p.toolCallId ?? null,
    name: p.toolName ?? null,
    arguments: p.input ?? p.args ?? null,
  };
}

/** A tool result's text: v5 `output` envelopes are unwrapped; ≤ v4 `result` values are shown as they are. */
function toolOutputText(p: JsonObject): string {
  const out = p.output;
  if (isObject(out) && typeof out.type === 'string' && 'value' in out) {
    const value = out.value as Json;
    if (out.type === 'content' && Array.isArray(value)) {
      const texts = value.map((v) => (isObject(v) && v.type === 'text' ? str(v.text) : null));
      if (texts.every((t) => t !== null)) return texts.join('');
    }
    return resultText(value);
  }
  return resultText(out !== undefined ? out : p.result);
}

function toolResultMessage(p: JsonObject): ChatMessage {
  const m: ChatMessage = { role: 'tool', content: toolOutputText(p) };
  const id = str(p.toolCallId);
  if (id !== null) m.tool_call_id = id;
  const name = str(p.toolName);
  if (name !== null) m.name = name;
  return m;
}

/** One Vercel message → ChatMessage[] (its tool results split off as 'tool' messages). */
export function vercelMessage(m: Json): ChatMessage[] {
  if (!isObject(m)) return [];
  const role = roleOf(m.role) ?? 'user';
  if (!Array.isArray(m.content)) return normalizeMessage({ role, content: m.content ?? '' }, role);
  const isResult = (p: Json) => isObject(p) && p.type === 'tool-result';
  const results = m.content.filter(isResult) as JsonObject[];
  const rest = m.content.filter((p) => !isResult(p)).map(part);
  const out = rest.length > 0 || results.length === 0 ? normalizeMessage({ role, content: rest }, role) : [];
  return [...out, ...results.map(toolResultMessage)];
}

function vercelMessages(list: Json | undefined): ChatMessage[] {
  return Array.isArray(list) ? list.flatMap(vercelMessage) : [];
}

/** ai.prompt ({system?, prompt?: string | messages, messages?}) → messages; null when it is not that shape. */
export function promptMessages(v: AttrValue | undefined): ChatMessage[] | null {
  const d = jsonish(v);
  if (!isObject(d)) return null;
  const out: ChatMessage[] = [];
  const system = str(d.system);
  if (system !== null) out.push({ role: 'system', content: system });
  if (typeof d.prompt === 'string') out.push({ role: 'user', content: d.prompt });
  else out.push(...vercelMessages(d.prompt));
  out.push(...vercelMessages(d.messages));
  return out.length ? out : null;
}

/** ai.prompt.messages (JSON array) → messages, or null. */
export function promptMessageList(v: AttrValue | undefined): ChatMessage[] | null {
  const out = vercelMessages(jsonish(v));
  return out.length ? out : null;
}

/** ai.response.toolCalls / ai.result.toolCalls decoded, or undefined when absent (the raw text when malformed). */
export function responseToolCalls(a: Attributes): Json | undefined {
  const v = a['ai.response.toolCalls'] ?? a['ai.result.toolCalls'];
  return v === undefined || v === null || v === '' ? undefined : jsonish(v);
}

/** The assistant reply of a generate/stream span: reasoning, text and tool calls in one message. */
export function responseMessages(a: Attributes, finishReason: string | null): ChatMessage[] | null {
  const text = str(a['ai.response.text'] ?? a['ai.result.text']);
  const reasoning = str(a['ai.response.reasoning']);
  const calls = responseToolCalls(a);
  const callParts = Array.isArray(calls) ? calls.filter(isObject).map(toolCallPart) : [];
  if (text === null && reasoning === null && callParts.length === 0) return null;
  const content: Json[] = [];
  if (reasoning !== null) content.push({ type: 'reasoning', content: reasoning });
  if (text !== null) content.push({ type: 'text', text });
  content.push(...callParts);
  return normalizeMessage({ role: 'assistant', content, finish_reason: finishReason }, 'assistant');
}
