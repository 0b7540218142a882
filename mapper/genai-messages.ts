/**
 * Normalizes chat messages into the shared ChatMessage shape (types.ts).
 *
 * Accepted message shapes, detected per message (no convention flag needed):
 * - OTel GenAI parts-based ({role, parts: [{type: 'text' | 'tool_call' | 'tool_call_response' | …}], finish_reason}),
 * - OpenAI chat ({role, content: string | [{type:'text', text}], tool_calls: [{id, function:{name, arguments}}]}),
 * - Anthropic content blocks (text / tool_use / tool_result) and OpenAI Responses items (function_call / …_output),
 * - Gemini parts without `type` ({text}, {functionCall}, {functionResponse}); Bedrock blocks ({toolUse}, {toolResult}).
 * Text parts are joined with ''; a tool result becomes its own {role:'tool'} message; any other part (reasoning,
 * blob, file, uri, image_url, unknown types) is kept verbatim in `parts`.
 */
import type { ChatMessage, ChatToolCall, Json } from './types.js';
import { isObject, jsonish, str } from './values.js';

type JsonObject = { [key: string]: Json };

/** Tool-call arguments: JSON text is parsed; non-JSON text is kept as {_raw}; '' and absent become null. */
export function toolArguments(v: Json | undefined): Json {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as Json;
  } catch {
    return { _raw: v };
  }
}

/** A tool result as message text: strings as they are, anything else as compact JSON. */
export function resultText(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One message under construction: text and tool calls accumulate, tool results split off as 'tool' messages. */
class MessageBuilder {
  text = '';
  toolCalls: ChatToolCall[] = [];
  parts: Json[] = [];
  toolResults: ChatMessage[] = [];

  addToolCall(id: Json | undefined, name: Json | undefined, args: Json | undefined): void {
    this.toolCalls.push({
      id: str(id as Json),
      name: str(name as Json) ?? '',
      arguments: toolArguments(args),
    });
  }

  addToolResult(id: Json | undefined, result: Json | undefined, name?: Json): void {
    const m: ChatMessage = { role: 'tool', content: resultText(result) };
    const callId = str(id as Json);
    if (callId !== null) m.tool_call_id = callId;
    const n = str(name as Json);
    if (n !== null) m.name = n;
    this.toolResults.push(m);
  }

  /** Adds one content item: a typed part (GenAI, OpenAI, Anthropic, Responses) or an untyped Gemini part. */
  addItem(p: Json): void {
    if (typeof p === 'string') {
      this.text += p;
      return;
    }
    if (!isObject(p)) return;
    switch (p.type) {
      case 'text':
      case 'input_text':
      case 'output_text':
        this.text += textOf(p.content ?? p.text);
        return;
      case 'tool_call':
      case 'function_call':
      case 'tool_use':
        this.addToolCall(p.id ?? p.call_id, p.name, p.arguments ?? p.input);
        return;
      case 'tool_call_response':
        // A list of text blocks (Strands' latest mode sends Bedrock [{text}] results) is its text.
        this.addToolResult(p.id, flattenText(p.response !== undefined ? p.response : p.result));
        return;
      case 'function_call_output':
        this.addToolResult(p.call_id ?? p.id, p.output);
        return;
      case 'tool_result':
        this.addToolResult(p.tool_use_id ?? p.id, flattenText(p.content));
        return;
    }
    if (p.type === undefined) {
      // Gemini {text: '…'}; Azure AI Agents {text: {value: '…'}}.
      if (typeof p.text === 'string' || (isObject(p.text) && typeof p.text.value === 'string')) {
        this.text += textOf(p.text);
        return;
      }
      const fc = p.functionCall ?? p.function_call;
      if (isObject(fc)) {
        this.addToolCall(fc.id, fc.name, fc.args ?? fc.arguments);
        return;
      }
      const fr = p.functionResponse ?? p.function_response;
      if (isObject(fr)) {
        this.addToolResult(fr.id, fr.response, fr.name);
        return;
      }
      // AWS Bedrock Converse blocks (e.g. Strands Agents events): {toolUse}, {toolResult}.
      if (isObject(p.toolUse)) {
        this.addToolCall(p.toolUse.toolUseId, p.toolUse.name, p.toolUse.input);
        return;
      }
      if (isObject(p.toolResult)) {
        this.addToolResult(p.toolResult.toolUseId, flattenText(p.toolResult.content));
        return;
      }
    }
    this.parts.push(p);
  }

  build(
    role: string,
    extra: { name?: string | null; tool_call_id?: string | null; finish_reason?: string | null },
  ) {
    const out: ChatMessage[] = [];
    const hasBody = this.text !== '' || this.toolCalls.length > 0 || this.parts.length > 0;
    if (hasBody || this.toolResults.length === 0) {
      const m: ChatMessage = { role, content: this.text };
      if (this.toolCalls.length) m.tool_calls = this.toolCalls;
      if (extra.tool_call_id) m.tool_call_id = extra.tool_call_id;
      if (extra.name) m.name = extra.name;
      if (extra.finish_reason) m.finish_reason = extra.finish_reason;
      if (this.parts.length) m.parts = this.parts;
      out.push(m);
    }
    for (const t of this.toolResults) {
      if (!hasBody && extra.finish_reason && t === this.toolResults[this.toolResults.length - 1])
        t.finish_reason = extra.finish_reason;
      out.push(t);
    }
    return out;
  }
}

function textOf(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  // OpenAI Responses nests text as {value}; anything else is shown as JSON rather than dropped.
  if (isObject(v) && typeof v.value === 'string') return v.value;
  return JSON.stringify(v);
}

/** Anthropic tool_result content may be a list of text blocks: keep the text when that is all it holds. */
function flattenText(v: Json | undefined): Json | undefined {
  if (!Array.isArray(v) || v.length === 0) return v;
  if (
    v.every((b) => isObject(b) && (b.type === 'text' || b.type === undefined) && typeof b.text === 'string')
  )
    return v.map((b) => (b as JsonObject).text as string).join('');
  return v;
}

/** Normalizes one message object (any accepted shape); [] when it is not a message. */
export function normalizeMessage(m: Json, defaultRole = 'user'): ChatMessage[] {
  if (!isObject(m)) return [];
  const b = new MessageBuilder();
  const hasParts = Array.isArray(m.parts);
  const content = m.content;
  if (!hasParts && content === undefined && m.tool_calls === undefined && m.function_call === undefined) {
    // OpenAI Responses items are messages without a role wrapper ({type:'function_call', …}).
    if (typeof m.type === 'string' && m.role === undefined) {
      b.addItem(m);
      return b.build('assistant', {});
    }
    if (m.role === undefined) return [];
  }
  if (Array.isArray(m.parts)) for (const p of m.parts) b.addItem(p);
  if (typeof content === 'string') b.text += content;
  else if (Array.isArray(content)) for (const p of content) b.addItem(p);
  else if (isObject(content)) b.addItem(content);
  if (Array.isArray(m.tool_calls)) {
    for (const tc of m.tool_calls) {
      if (!isObject(tc)) continue;
      const fn = isObject(tc.function) ? tc.function : tc;
      b.addToolCall(tc.id, fn.name, fn.arguments);
    }
  }
  if (isObject(m.function_call)) b.addToolCall(null, m.function_call.name, m.function_call.arguments);
  const role = str(m.role) ?? defaultRole;
  return b.build(role, {
    name: str(m.name),
    tool_call_id: str(m.tool_call_id),
    finish_reason: str(m.finish_reason) ?? str(m.stop_reason),
  });
}

/**
 * A list of messages (a JSON string or a structured value) → ChatMessage[]; null when it is not a message list
 * (invalid JSON, a scalar, no message in it). Also accepts the {messages: […]} envelope.
 */
export function normalizeMessages(v: Json | undefined, defaultRole = 'user'): ChatMessage[] | null {
  const d = jsonish(v);
  const list = Array.isArray(d) ? d : isObject(d) && Array.isArray(d.messages) ? d.messages : null;
  if (!list) return null;
  // An empty message (a role with no content: a tool-call turn whose calls were not recorded) is not a message.
  const out: ChatMessage[] = [];
  for (const m of list) for (const n of normalizeMessage(m, defaultRole)) if (!isEmptyMessage(n)) out.push(n);
  return out.length ? out : null;
}

/**
 * gen_ai.system_instructions (an array of parts, JSON or structured) → one {role:'system'} message.
 * A plain non-JSON string is taken as the instruction text itself.
 */
export function systemMessage(v: Json | undefined): ChatMessage | null {
  const d = jsonish(v);
  if (d === undefined || d === null || d === '') return null;
  const b = new MessageBuilder();
  if (typeof d === 'string') {
    // A JSON-looking string that failed to parse is malformed content, not instruction text.
    const t = d.trimStart();
    if (t.startsWith('[') || t.startsWith('{')) return null;
    b.text = d;
  } else if (Array.isArray(d)) for (const p of d) b.addItem(p);
  else if (isObject(d)) b.addItem(d);
  else return null;
  const [m] = b.build('system', {});
  return m && (m.content !== '' || m.parts || m.tool_calls) ? m : null;
}

/** A message with nothing in it — no text, tool call, tool call id or other part — is not a message. */
export function isEmptyMessage(m: ChatMessage): boolean {
  return m.content === '' && !m.tool_calls?.length && !m.parts?.length && m.tool_call_id === undefined;
}

/** Finish reasons of output messages, in order (for spans that only report them inside the messages). */
export function finishReasonsOf(messages: ChatMessage[] | null): string[] | null {
  const out = (messages ?? []).map((m) => m.finish_reason).filter((r): r is string => typeof r === 'string');
  return out.length ? out : null;
}
