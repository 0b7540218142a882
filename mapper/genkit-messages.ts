/**
 * Firebase Genkit messages (genkit's MessageSchema: {role: 'system' | 'user' | 'model' | 'tool', content: Part[]},
 * Part one of {text}, {toolRequest: {name, ref, input}}, {toolResponse: {name, ref, output}}, {reasoning},
 * {media: {url, contentType}}, {data}, {custom}, {resource}) → ChatMessage[], through the GenAI parts shape so text /
 * tool-call / tool-result handling is the shared normalizer's. `model` is the assistant; reasoning stays a part.
 */
import { normalizeMessage } from './genai-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, str } from './values.js';

type JsonObject = { [key: string]: Json };

function part(p: Json): Json {
  if (!isObject(p)) return p;
  if (typeof p.text === 'string') return { type: 'text', content: p.text };
  if (isObject(p.toolRequest)) {
    const t = p.toolRequest;
    return { type: 'tool_call', id: t.ref ?? null, name: t.name ?? null, arguments: t.input ?? null };
  }
  if (isObject(p.toolResponse)) {
    const t = p.toolResponse;
    return { type: 'tool_call_response', id: t.ref ?? null, response: t.output ?? null };
  }
  if (typeof p.reasoning === 'string') return { type: 'reasoning', content: p.reasoning };
  return p;
}

/** One Genkit message; [] when it is not one. */
export function genkitMessage(m: Json, finishReason: string | null = null): ChatMessage[] {
  if (!isObject(m) || typeof m.role !== 'string') return [];
  const role = m.role === 'model' ? 'assistant' : m.role;
  const content = Array.isArray(m.content)
    ? m.content
    : typeof m.content === 'string'
      ? [{ text: m.content }]
      : [];
  const built: JsonObject = { role, parts: content.map(part) };
  if (finishReason) built.finish_reason = finishReason;
  return normalizeMessage(built, role);
}

/** The messages of a Genkit model / generate request ({messages: [...]}), or null. */
export function genkitRequestMessages(input: Json | undefined): ChatMessage[] | null {
  if (!isObject(input) || !Array.isArray(input.messages)) return null;
  const out = input.messages.flatMap((m) => genkitMessage(m));
  return out.length ? out : null;
}

/**
 * The reply of a Genkit model / generate response: {message, finishReason} (Genkit ≥ 0.9), else the first of
 * {candidates: [{message, finishReason}]} (0.5); null when there is none.
 */
export function genkitResponseMessages(output: Json | undefined): ChatMessage[] | null {
  if (!isObject(output)) return null;
  let out: ChatMessage[] = [];
  if (isObject(output.message)) out = genkitMessage(output.message, str(output.finishReason));
  else if (Array.isArray(output.candidates) && isObject(output.candidates[0])) {
    const c = output.candidates[0];
    out = genkitMessage(c.message ?? null, str(c.finishReason));
  }
  return out.length ? out : null;
}
