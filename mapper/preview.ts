/**
 * Per-span preview text. The trace row takes the root span's previews (or, when the root carries no content, the
 * first content-bearing span's request and the last one's response), so each span offers a candidate.
 * For chat content a preview is what a person would read: the last user message, the assistant's reply.
 */
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

function lastWithRole(messages: ChatMessage[], roles: string[]): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (roles.includes(m.role) && m.content !== '') return m;
  }
  return undefined;
}

function messagesText(messages: ChatMessage[] | null, roles: string[]): string | null {
  if (!messages || messages.length === 0) return null;
  const m =
    lastWithRole(messages, roles) ??
    lastWithRole(
      messages,
      messages.map((x) => x.role),
    );
  if (m) return m.content;
  const withTools = messages.findLast((x) => x.tool_calls && x.tool_calls.length > 0);
  if (withTools?.tool_calls)
    return withTools.tool_calls.map((t) => `${t.name}(${toText(t.arguments)})`).join(', ');
  return null;
}

/** Unwraps the common single-key envelopes ({input: "…"}, {query: "…"}, {messages: […]}) to their text. */
function valueText(v: Json | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && typeof v[keys[0]!] === 'string') return v[keys[0]!] as string;
  }
  const t = toText(v);
  return t === '' ? null : t;
}

export function requestPreview(messages: ChatMessage[] | null, inputs: Json | undefined): string | null {
  return truncate(messagesText(messages, ['user']) ?? valueText(inputs));
}

export function responsePreview(messages: ChatMessage[] | null, outputs: Json | undefined): string | null {
  return truncate(messagesText(messages, ['assistant']) ?? valueText(outputs));
}
