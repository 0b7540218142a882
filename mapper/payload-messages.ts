/**
 * Chat messages inside a framework's input / output payload, for previews: the `{"messages": […]}` state of a
 * LangGraph graph or a LangChain chain as OpenInference (`input.value`) and OpenLLMetry (`traceloop.entity.*`)
 * record it, or a bare message list. Accepted message shapes, per message:
 * - LangChain serialized objects: {lc: 1, type: 'constructor', id: [..., 'HumanMessage'], kwargs: {content, …}};
 * - LangChain dumped messages: {type: 'human' | 'ai' | 'system' | 'tool' | …, content, tool_calls, …}, and
 *   messages_to_dict's {type, data: {content, tool_calls, …}};
 * - (role, text) pairs as LangGraph accepts them: ['user', 'What is …?'];
 * - role-keyed chat messages ({role, content} in any shape genai-messages.ts reads).
 * Anything else gives null, and the preview falls back to the payload as text.
 */
import { normalizeMessage } from './genai-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, str } from './values.js';

type JsonObject = { [key: string]: Json };

/** LangChain message types (the dumped `type`, the class name's prefix) → chat roles. */
const LANGCHAIN_ROLES: Record<string, string> = {
  human: 'user',
  humanmessage: 'user',
  humanmessagechunk: 'user',
  user: 'user',
  ai: 'assistant',
  aimessage: 'assistant',
  aimessagechunk: 'assistant',
  assistant: 'assistant',
  system: 'system',
  systemmessage: 'system',
  developer: 'developer',
  tool: 'tool',
  toolmessage: 'tool',
  function: 'tool',
  functionmessage: 'tool',
  chat: 'user',
  chatmessage: 'user',
};

function roleOf(v: Json | undefined): string | null {
  const s = str(v as Json)?.toLowerCase();
  return s ? (LANGCHAIN_ROLES[s] ?? null) : null;
}

/** One message of a payload, or null when it is not one. */
function payloadMessage(m: Json): ChatMessage[] | null {
  if (Array.isArray(m)) {
    // ['user', 'text'] / ('human', 'text').
    const role = m.length === 2 ? roleOf(m[0]) : null;
    return role && typeof m[1] === 'string' ? [{ role, content: m[1] }] : null;
  }
  if (!isObject(m)) return null;
  let body: JsonObject = m;
  let role: string | null = null;
  if (m.lc !== undefined && isObject(m.kwargs)) {
    // Serialized: the class name is the last element of `id`.
    body = m.kwargs;
    role = Array.isArray(m.id) ? roleOf(m.id[m.id.length - 1]) : null;
    role ??= roleOf(body.type) ?? roleOf(body.role);
  } else if (isObject(m.data) && typeof m.type === 'string') {
    // messages_to_dict: {type: 'human', data: {content, type, …}} (OpenInference's LangChain / LangGraph payloads).
    body = m.data;
    role = roleOf(m.type) ?? roleOf(body.type);
  } else if (typeof m.role === 'string') {
    role = roleOf(m.role) ?? m.role.toLowerCase();
  } else {
    role = roleOf(m.type);
  }
  if (role === null || (body.content === undefined && body.tool_calls === undefined)) return null;
  const { type: _type, role: _role, ...rest } = body;
  // LangChain tool calls are {name, args, id}: the shared normalizer reads `arguments`.
  if (Array.isArray(rest.tool_calls))
    rest.tool_calls = rest.tool_calls.map((tc) =>
      isObject(tc) && tc.arguments === undefined && tc.args !== undefined
        ? { ...tc, arguments: tc.args }
        : tc,
    );
  return normalizeMessage({ ...rest, role }, role);
}

/** LangChain's own serializations ({lc, kwargs}, messages_to_dict's {type, data}): never plain data. */
function isLangChainObject(m: JsonObject): boolean {
  return (m.lc !== undefined && isObject(m.kwargs)) || (typeof m.type === 'string' && isObject(m.data));
}

/** The messages of a payload (a message list, or an object with a `messages` list); null when it holds none. */
export function payloadMessages(v: Json | undefined): ChatMessage[] | null {
  // One LangChain message object (a chain's AIMessage, a tool's ToolMessage) is a conversation of one.
  if (isObject(v) && isLangChainObject(v)) return payloadMessage(v);
  const list = Array.isArray(v) ? v : isObject(v) && Array.isArray(v.messages) ? v.messages : null;
  if (!list || list.length === 0) return null;
  const out: ChatMessage[] = [];
  for (const m of list) {
    const ms = payloadMessage(m);
    // A list with something that is not a message is data, not a conversation.
    if (ms === null) return null;
    out.push(...ms);
  }
  return out.length ? out : null;
}
