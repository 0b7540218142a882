/**
 * LiveKit Agents (livekit-agents: livekit/agents/telemetry/trace_types.py, voice/agent_activity.py, generation.py,
 * llm/llm.py). A span is LiveKit's when its scope is `livekit-agents` (every version's tracer) or it has one of a
 * few `lk.` marker keys (speech id, agent label, tool name, user input, chat context, LLM metrics). Content keys
 * carry a `pii` segment since 1.x (`lk.pii.user_input`); older versions used the same names without it
 * (`lk.user_input`, `lk.input_text`, `lk.response.text`, `lk.chat_ctx`, `lk.function_tool.arguments` /
 * `.output`): both are read, the `lk.pii.` name first. Recent versions also send GenAI semconv keys on llm_request / function_tool /
 * agent_turn spans (read by genai-current.ts); this convention adds what only the `lk.*` keys hold.
 *
 * Precedence: below the GenAI conventions (their keys are the provider's own request, this convention's the
 * pipeline's view of it) and above the older GenAI form and the heuristics.
 *
 * Span types by span name: agent_turn → AGENT; function_tool → TOOL; llm_request → CHAT_MODEL (one request to the
 * model, with its retries as llm_request_run children, typed LLM); llm_node (the pipeline node around the
 * requests) → LLM; tts_node, user_turn, user_speaking, agent_speaking, eou_detection (speech) → no type.
 *
 * Per column, first present wins:
 * - inputs          agent_turn: {user_input: lk.pii.user_input > lk.user_input > lk.input_text};
 *                   llm_node / llm_request: {chat_ctx: the decoded chat context};
 *                   function_tool: lk.pii.function_tool.arguments > lk.function_tool.arguments (decoded);
 *                   tts_node: {text: lk.pii.input_text > lk.input_text}; user_turn / eou_detection:
 *                   {transcript: lk.pii.user_transcript > lk.user_transcript}.
 * - outputs         agent_turn / llm_node: {text: lk.pii.response.text > lk.response.text, function_calls};
 *                   function_tool: lk.pii.function_tool.output > lk.function_tool.output (decoded when JSON).
 * - input_messages  llm_node / llm_request: the chat context's items (message → its role and text; function_call →
 *                   an assistant tool call; function_call_output → a tool message; config / handoff items skipped);
 *                   agent_turn: [{user: the user input}].
 * - output_messages agent_turn / llm_node: [{assistant: the response text, tool_calls: response.function_calls}].
 * - tokens          lk.llm_metrics (prompt_tokens, completion_tokens, total_tokens, prompt_cached_tokens,
 *                   cache_creation_tokens, reasoning_tokens) on the span that carries it (llm_request).
 * - tool_name / tool_call_id  lk.function_tool.name / lk.function_tool.id.   agent_name  lk.agent_label.
 * - error_type      'tool_error' when lk.function_tool.is_error is true.
 */

import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import { present } from './flat-messages.js';
import { compact, firstInt } from './genai-common.js';
import { resultText, toolArguments } from './genai-messages.js';
import type { ChatMessage, ChatToolCall, Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, jsonish, lookup, str } from './values.js';

const SCOPE = 'livekit-agents';
/** Keys that mark a LiveKit span sent under another scope name (a re-exporting collector): exact lookups. */
const MARKERS = [
  'lk.speech_id',
  'lk.agent_label',
  'lk.function_tool.name',
  'lk.pii.user_input',
  'lk.user_input',
  'lk.pii.chat_ctx',
  'lk.chat_ctx',
  'lk.llm_metrics',
];

const TYPES: Record<string, SpanType> = {
  agent_turn: 'AGENT',
  function_tool: 'TOOL',
  llm_request: 'CHAT_MODEL',
  llm_request_run: 'LLM',
  llm_node: 'LLM',
};

/** A content key under its `lk.pii.` name, else its pre-1.x `lk.` name(s). */
function lk(a: Attributes, name: string, ...older: string[]): AttrValue | undefined {
  for (const k of [`lk.pii.${name}`, `lk.${name}`, ...older.map((o) => `lk.${o}`)]) {
    const v = a[k];
    if (present(v)) return v;
  }
  return undefined;
}

function textOf(content: Json | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  // Message content is a list of strings and typed parts; cache breakpoints are markers, not content.
  return content.filter((c): c is string => typeof c === 'string').join('\n');
}

/** One chat-context item → messages. */
function itemMessages(item: Json): ChatMessage[] {
  if (!isObject(item)) return [];
  switch (item.type) {
    case 'message': {
      const role = str(item.role) ?? 'user';
      const parts = Array.isArray(item.content)
        ? item.content.filter((c) => isObject(c) && c.type !== 'cache_breakpoint')
        : [];
      const m: ChatMessage = { role, content: textOf(item.content) };
      if (parts.length) m.parts = parts;
      return [m];
    }
    case 'function_call':
      return [{ role: 'assistant', content: '', tool_calls: [toolCall(item)] }];
    case 'function_call_output': {
      const m: ChatMessage = { role: 'tool', content: resultText(item.output) };
      const id = str(item.call_id);
      if (id !== null) m.tool_call_id = id;
      const name = str(item.name);
      if (name !== null) m.name = name;
      return [m];
    }
    default:
      // agent_config_update, agent_handoff: the session's bookkeeping, not conversation.
      return [];
  }
}

function toolCall(c: { [key: string]: Json }): ChatToolCall {
  return { id: str(c.call_id) ?? str(c.id), name: str(c.name) ?? '', arguments: toolArguments(c.arguments) };
}

function chatContext(v: AttrValue | undefined): { raw: Json; messages: ChatMessage[] } | null {
  if (v === undefined) return null;
  const raw = jsonish(v);
  const items = isObject(raw) && Array.isArray(raw.items) ? raw.items : Array.isArray(raw) ? raw : null;
  if (raw === undefined) return null;
  return { raw, messages: items ? items.flatMap(itemMessages) : [] };
}

function response(a: Attributes): { outputs: Json | undefined; messages: ChatMessage[] } {
  const text = lk(a, 'response.text');
  const calls = jsonish(lk(a, 'response.function_calls'));
  const toolCalls = Array.isArray(calls) ? calls.filter(isObject).map(toolCall) : [];
  if (text === undefined && toolCalls.length === 0) return { outputs: undefined, messages: [] };
  const m: ChatMessage = { role: 'assistant', content: str(text) ?? '' };
  if (toolCalls.length) m.tool_calls = toolCalls;
  const outputs: { [key: string]: Json } = {};
  if (text !== undefined) outputs.text = text;
  if (Array.isArray(calls) && calls.length) outputs.function_calls = calls;
  return { outputs, messages: [m] };
}

function metricsTokens(a: Attributes): MappedFields {
  const m = jsonish(a['lk.llm_metrics']);
  if (!isObject(m)) return {};
  return compact({
    input_tokens: firstInt(m, 'prompt_tokens'),
    output_tokens: firstInt(m, 'completion_tokens'),
    total_tokens: firstInt(m, 'total_tokens'),
    cache_read_tokens: firstInt(m, 'prompt_cached_tokens'),
    cache_write_tokens: firstInt(m, 'cache_creation_tokens'),
    reasoning_tokens: firstInt(m, 'reasoning_tokens'),
  });
}

function contentFields(name: string, a: Attributes): MappedFields {
  switch (name) {
    case 'agent_turn': {
      const user = lk(a, 'user_input', 'input_text');
      const out = response(a);
      return {
        inputs: user !== undefined ? { user_input: user } : undefined,
        outputs: out.outputs,
        input_messages: user !== undefined ? [{ role: 'user', content: str(user) ?? '' }] : null,
        output_messages: out.messages.length ? out.messages : null,
      };
    }
    case 'llm_node':
    case 'llm_request': {
      const ctx = chatContext(lk(a, 'chat_ctx'));
      const out = response(a);
      return {
        inputs: ctx ? { chat_ctx: ctx.raw } : undefined,
        outputs: out.outputs,
        input_messages: ctx?.messages.length ? ctx.messages : null,
        output_messages: out.messages.length ? out.messages : null,
      };
    }
    case 'function_tool': {
      const args = lk(a, 'function_tool.arguments');
      const output = lk(a, 'function_tool.output');
      return {
        inputs: args !== undefined ? toolArguments(args) : undefined,
        outputs: output !== undefined ? jsonish(output) : undefined,
        tool_name: str(a['lk.function_tool.name']),
        tool_call_id: str(a['lk.function_tool.id']),
        error_type: a['lk.function_tool.is_error'] === true ? 'tool_error' : null,
      };
    }
    case 'tts_node': {
      const text = lk(a, 'input_text');
      return { inputs: text !== undefined ? { text } : undefined };
    }
    case 'user_turn':
    case 'eou_detection': {
      const transcript = lk(a, 'user_transcript');
      return { inputs: transcript !== undefined ? { transcript } : undefined };
    }
    default:
      return {};
  }
}

export const livekit: Convention = {
  name: 'livekit',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (input.scope.name !== SCOPE && !MARKERS.some((k) => a[k] !== undefined)) return null;
    const name = input.span.name;
    return compact({
      span_type: lookup(TYPES, name) ?? null,
      ...contentFields(name, a),
      ...metricsTokens(a),
      agent_name: str(a['lk.agent_label']),
    });
  },
};
