/**
 * Per-span preview text. The trace row takes the root span's previews (or, when the root carries no content, the
 * first content-bearing span's request and the last one's response), so each span offers a candidate.
 * A preview is what a person would read: the user's request (the last user message; never a system prompt) and
 * the final answer as text (the last assistant message; never a tool result outside a TOOL span, never the JSON of
 * message objects).
 */

import { payloadMessages } from './payload-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, toText } from './values.js';

export const PREVIEW_MAX_CHARS = 1000;

const ANY_SURROGATE = /[\uD800-\uDFFF]/;

export function truncate(s: string | null, max = PREVIEW_MAX_CHARS): string | null {
  if (s === null) return null;
  // A string of at most `max` UTF-16 units has at most `max` code points: nothing to cut.
  if (s.length <= max) return s;
  if (!Number.isInteger(max) || max < 0) return sliceCodePoints(s, max);
  // Count code points, not UTF-16 units, so a preview never ends in half a surrogate pair. Without surrogates in
  // the first `max` units they are the first `max` code points (the common case: no walk, no code point array).
  if (!ANY_SURROGATE.test(s.slice(0, max))) return s.slice(0, max);
  const end = codePointsEnd(s, max);
  return end >= s.length ? s : s.slice(0, end);
}

/** The original, general form: any limit Array#slice accepts. */
function sliceCodePoints(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, max).join('');
}

/**
 * The UTF-16 index just past the first `count` code points of `s`, counted as Array.from(s) does: a valid pair is
 * one code point, a lone surrogate is one too.
 */
function codePointsEnd(s: string, count: number): number {
  let i = 0;
  for (let n = 0; n < count && i < s.length; n++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    i += pair ? 2 : 1;
  }
  return i;
}

/** Roles whose text is never the user's request: instructions to the model, not what was asked. */
const INSTRUCTION_ROLES = new Set(['system', 'developer']);

function lastWith(messages: ChatMessage[], ok: (role: string) => boolean): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.content !== '' && ok(m.role)) return m;
  }
  return undefined;
}

function toolCallsText(messages: ChatMessage[]): string | null {
  const withTools = messages.findLast((x) => x.tool_calls && x.tool_calls.length > 0);
  if (!withTools?.tool_calls) return null;
  return withTools.tool_calls.map((t) => `${t.name}(${toText(t.arguments)})`).join(', ');
}

/** The request in a conversation: the last user message, else the last non-instruction, non-tool message. */
function requestText(messages: ChatMessage[]): string | null {
  const m =
    lastWith(messages, (r) => r === 'user') ??
    lastWith(messages, (r) => !INSTRUCTION_ROLES.has(r) && r !== 'tool');
  return m ? m.content : toolCallsText(messages);
}

/**
 * The answer in a reply: the last assistant message, else the last message that is neither an instruction nor a
 * tool result. A tool result is the answer only of a TOOL span: elsewhere (an agent loop's step that ran tools)
 * it is an intermediate value, and the trace's final answer must not give way to it.
 */
function responseText(messages: ChatMessage[], isTool: boolean): string | null {
  const m =
    lastWith(messages, (r) => r === 'assistant') ??
    lastWith(messages, (r) => !INSTRUCTION_ROLES.has(r) && r !== 'tool') ??
    (isTool ? lastWith(messages, (r) => r === 'tool') : undefined);
  return m ? m.content : toolCallsText(messages);
}

/**
 * A payload as preview text. Unwraps the common single-key envelopes ({input: "…"}, {query: "…"}); a payload that
 * holds a conversation (LangGraph's {messages: […]}, a message list) gives its request / answer text, never the
 * JSON of message objects; anything else is its JSON.
 */
function valueText(v: Json | undefined, side: 'request' | 'response', isTool = false): string | null {
  if (v === undefined || v === null) return null;
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && typeof v[keys[0]!] === 'string') return v[keys[0]!] as string;
  }
  if (typeof v !== 'string') {
    const messages = payloadMessages(v);
    if (messages) return side === 'request' ? requestText(messages) : responseText(messages, isTool);
  }
  const t = toText(v);
  return t === '' ? null : t;
}

/** A payload (a value, not messages) as request / response preview text. */
export function payloadPreview(v: Json | undefined, side: 'request' | 'response'): string | null {
  return truncate(valueText(v, side));
}

/**
 * Messages, when the span has them, are the whole source: the payload then holds the same conversation raw, and
 * its JSON is no preview (a run whose messages are only its system prompt offers no request at all, so the trace
 * takes the first span that does).
 */
export function requestPreview(messages: ChatMessage[] | null, inputs: Json | undefined): string | null {
  if (messages && messages.length > 0) return truncate(requestText(messages));
  return truncate(valueText(inputs, 'request'));
}

export function responsePreview(
  messages: ChatMessage[] | null,
  outputs: Json | undefined,
  isTool = false,
): string | null {
  if (messages && messages.length > 0) return truncate(responseText(messages, isTool));
  return truncate(valueText(outputs, 'response', isTool));
}
