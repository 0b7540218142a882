/**
 * Chat messages inside request / response payloads (as MLflow records them in mlflow.spanInputs / spanOutputs):
 * OpenAI chat requests {messages}, chat.completion responses {choices:[{message, finish_reason}]}, completions
 * {choices:[{text}]}, Responses API {output:[items]}, Anthropic {system, messages} / {role, content, stop_reason}.
 * Anything that does not look like one of these gives null: inputs / outputs still hold the payload.
 */
import { normalizeMessage, normalizeMessages, systemMessage } from './genai-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, str } from './values.js';

const looksLikeMessage = (m: Json): boolean => isObject(m) && typeof m.role === 'string';

/** Messages of a chat request payload, or null. */
export function chatRequestMessages(inputs: Json | undefined): ChatMessage[] | null {
  if (Array.isArray(inputs)) return inputs.every(looksLikeMessage) ? normalizeMessages(inputs) : null;
  if (!isObject(inputs)) return null;
  const list = Array.isArray(inputs.messages)
    ? inputs.messages
    : Array.isArray(inputs.input)
      ? inputs.input
      : null;
  if (!list?.some(looksLikeMessage)) return null;
  const messages = normalizeMessages(list) ?? [];
  // Anthropic keeps the system prompt beside the messages; OpenAI Responses calls it `instructions`.
  const system = systemMessage(inputs.system ?? inputs.instructions);
  const out = system ? [system, ...messages] : messages;
  return out.length ? out : null;
}

/** Messages of a chat response payload, or null. */
export function chatResponseMessages(outputs: Json | undefined): ChatMessage[] | null {
  if (Array.isArray(outputs))
    return outputs.every(looksLikeMessage) ? normalizeMessages(outputs, 'assistant') : null;
  if (!isObject(outputs)) return null;
  let out: ChatMessage[] = [];
  if (Array.isArray(outputs.choices)) {
    for (const c of outputs.choices) {
      if (!isObject(c)) continue;
      const finish = c.finish_reason ?? null;
      if (isObject(c.message))
        out.push(...normalizeMessage({ ...c.message, finish_reason: finish }, 'assistant'));
      else if (typeof c.text === 'string')
        out.push(...normalizeMessage({ role: 'assistant', content: c.text, finish_reason: finish }));
    }
  } else if (outputs.type === 'message' && typeof outputs.role === 'string') {
    out = normalizeMessage(outputs, 'assistant');
  } else if (Array.isArray(outputs.output) && outputs.object === 'response') {
    out = normalizeMessages(outputs.output, 'assistant') ?? [];
  } else if (Array.isArray(outputs.messages)) {
    out = normalizeMessages(outputs.messages, 'assistant') ?? [];
  } else if (isObject(outputs.message) && looksLikeMessage(outputs.message)) {
    out = normalizeMessage(outputs.message, 'assistant');
  }
  return out.length ? out : null;
}

/** Sampling parameters of a chat request payload, named like gen_ai.request.* (OpenAI / Anthropic spellings). */
const REQUEST_PARAMS: Record<string, string> = {
  temperature: 'temperature',
  max_tokens: 'max_tokens',
  max_completion_tokens: 'max_tokens',
  max_output_tokens: 'max_tokens',
  top_p: 'top_p',
  top_k: 'top_k',
  frequency_penalty: 'frequency_penalty',
  presence_penalty: 'presence_penalty',
  seed: 'seed',
  n: 'choice.count',
  stop: 'stop_sequences',
  stop_sequences: 'stop_sequences',
};

export function chatRequestParams(inputs: Json | undefined): Record<string, Json> | null {
  if (!isObject(inputs) || chatRequestMessages(inputs) === null) return null;
  const out: Record<string, Json> = {};
  for (const [key, name] of Object.entries(REQUEST_PARAMS)) {
    const v = inputs[key];
    if (v === undefined || v === null || v === '') continue;
    out[name] = name === 'stop_sequences' && typeof v === 'string' ? [v] : v;
  }
  return Object.keys(out).length ? out : null;
}

/**
 * Model / id of a chat payload: the request's `model`, the response's `model` and `id`. A payload is a chat
 * payload by its shape — a `messages` / `input` list, a `choices` / `output` / `content` list — even when that
 * list is empty (a request whose messages were not recorded, a response with no choices still names its model).
 */
const isList = (v: Json | undefined) => Array.isArray(v);

export function chatRequestModel(inputs: Json | undefined): string | null {
  if (!isObject(inputs)) return null;
  return isList(inputs.messages) || isList(inputs.input) || chatRequestMessages(inputs) !== null
    ? str(inputs.model)
    : null;
}

export function chatResponseMeta(outputs: Json | undefined): { model: string | null; id: string | null } {
  if (!isObject(outputs)) return { model: null, id: null };
  const shaped =
    isList(outputs.choices) ||
    isList(outputs.output) ||
    (isList(outputs.content) && typeof outputs.role === 'string') ||
    chatResponseMessages(outputs) !== null;
  return shaped ? { model: str(outputs.model), id: str(outputs.id) } : { model: null, id: null };
}
