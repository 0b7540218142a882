/**
 * Microsoft AutoGen (autogen-core ≥ 0.4 telemetry, autogen_core/_telemetry):
 * - runtime spans from TraceHelper/MessageRuntimeTracingConfig, named `autogen <operation> <destination>`
 *   (operation: create, send, publish, receive, process, ack, intercept; destination `type.(key)-A` for an agent,
 *   `type.(source)-T` for a topic, or an intervention handler's class name), with messaging.operation,
 *   messaging.destination, messaging.message.type and, when content is recorded, a `message` attribute holding
 *   the JSON-serialized message;
 * - GenAI spans from _genai.py (create_agent / invoke_agent / execute_tool) with gen_ai.system="autogen".
 * `autogen` is a framework, never a provider: this convention never fills `provider`.
 *
 * Precedence inside this convention, per column (first present wins):
 * - span_type   gen_ai.operation.name on gen_ai.system="autogen" spans (as genai-current, which outranks this)
 *               > runtime `process` span whose destination is an agent (`…-A`) → AGENT
 *               > any other runtime span (create/send/publish/receive/ack/intercept, topic process) → CHAIN.
 * - agent_name  gen_ai.agent.name > gen_ai.agent.id > the agent type of a `process` span's destination, with the
 *               `_<uuid>` suffix AgentChat teams append removed.
 * - tool_name / tool_call_id  gen_ai.tool.name / gen_ai.tool.call.id.
 * - inputs      the decoded `message` payload (the raw string when not valid JSON), except on `ack` spans.
 * - outputs     the decoded `message` payload of `ack` spans (the RPC response being delivered).
 * - input_messages / output_messages  chat messages found in that payload (see payloadMessages): TextMessage,
 *               MultiModalMessage, StopMessage, HandoffMessage, ToolCallSummaryMessage, ThoughtEvent,
 *               ToolCallRequestEvent (tool_calls), ToolCallExecutionEvent / FunctionExecutionResult(Message)
 *               (role 'tool' messages), core LLM messages (System/User/AssistantMessage), FunctionCall, and the
 *               GroupChat* / Response / TaskResult wrappers around them. Type comes from the payload's `type`,
 *               else messaging.message.type, else the payload's shape.
 */

import type { AttrValue, SpanInput } from '../otlp/model.js';
import { operationType } from './genai-common.js';
import { resultText, toolArguments } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, jsonish, str } from './values.js';

type Obj = { [key: string]: Json };

const RUNTIME_SPAN = /^autogen (create|send|publish|receive|process|ack|intercept)(?: (.*))?$/;
const AGENT_DESTINATION = /^(.*)\.\((.*)\)-A$/;
const TEAM_SUFFIX = /_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Role of an AgentChat message: its `source` is the agent that produced it, or "user". */
function roleOf(source: string | null): string {
  return source === null || source === 'user' ? 'user' : 'assistant';
}

function message(role: string, content: string, extra: Partial<ChatMessage> = {}): ChatMessage {
  const m: ChatMessage = { role, content };
  for (const [k, v] of Object.entries(extra))
    if (v !== undefined && v !== null) (m as unknown as Obj)[k] = v as Json;
  return m;
}

function isFunctionCall(v: Json): v is Obj {
  return isObject(v) && typeof v.name === 'string' && 'arguments' in v;
}

function isFunctionResult(v: Json): v is Obj {
  return isObject(v) && 'call_id' in v && 'content' in v;
}

function toolCall(fc: Obj) {
  return { id: str(fc.id), name: str(fc.name) ?? '', arguments: toolArguments(fc.arguments) };
}

function toolResult(r: Obj): ChatMessage {
  return message('tool', resultText(r.content), {
    tool_call_id: str(r.call_id) ?? undefined,
    name: str(r.name) ?? undefined,
  });
}

/** Text and non-text parts of a MultiModalMessage / UserMessage content list. */
function contentParts(content: Json[]): { text: string; parts: Json[] } {
  let text = '';
  const parts: Json[] = [];
  for (const c of content) {
    if (typeof c === 'string') text += c;
    else parts.push(c);
  }
  return { text, parts };
}

/** Chat messages carried by one serialized AutoGen message (recursing through wrappers). */
export function payloadMessages(p: Json | undefined, typeHint: string | null = null): ChatMessage[] {
  if (Array.isArray(p)) return p.flatMap((x) => payloadMessages(x));
  if (!isObject(p)) return [];
  const type = str(p.type) ?? typeHint;
  const source = str(p.source);
  const name = source ?? undefined;
  const content = p.content;

  // Wrappers: GroupChatStart / TaskResult {messages}, GroupChatAgentResponse {response}, Response, GroupChatMessage
  // / GroupChatTermination {message}, GroupChatTeamResponse {result}.
  if (Array.isArray(p.messages)) return p.messages.flatMap((x) => payloadMessages(x));
  if (isObject(p.response)) return payloadMessages(p.response);
  if (isObject(p.result)) return payloadMessages(p.result);
  if ('chat_message' in p || 'inner_messages' in p)
    return [...payloadMessages(p.inner_messages ?? null), ...payloadMessages(p.chat_message ?? null)];
  if (isObject(p.message)) return payloadMessages(p.message);

  switch (type) {
    case 'SystemMessage':
      return [message('system', resultText(content))];
    case 'FunctionExecutionResultMessage':
    case 'ToolCallExecutionEvent':
      return Array.isArray(content) ? content.filter(isFunctionResult).map(toolResult) : [];
    case 'ToolCallRequestEvent':
      return Array.isArray(content)
        ? [message('assistant', '', { name, tool_calls: content.filter(isFunctionCall).map(toolCall) })]
        : [];
    case 'ThoughtEvent':
      return [
        message('assistant', '', { name, parts: [{ type: 'reasoning', content: resultText(content) }] }),
      ];
    case 'AssistantMessage': {
      const thought = str(p.thought);
      const parts = thought ? [{ type: 'reasoning', content: thought }] : undefined;
      if (Array.isArray(content))
        return [
          message('assistant', '', { name, tool_calls: content.filter(isFunctionCall).map(toolCall), parts }),
        ];
      return [message('assistant', resultText(content), { name, parts })];
    }
    case 'UserMessage':
      if (Array.isArray(content)) {
        const { text, parts } = contentParts(content);
        return [message('user', text, { name, parts: parts.length ? parts : undefined })];
      }
      return [message('user', resultText(content), { name })];
  }
  if (isFunctionCall(p)) return [message('assistant', '', { tool_calls: [toolCall(p)] })];
  if (isFunctionResult(p)) return [toolResult(p)];
  // TextMessage, StopMessage, HandoffMessage, ToolCallSummaryMessage, MultiModalMessage and other chat messages.
  if (typeof content === 'string') return [message(roleOf(source), content, { name })];
  if (Array.isArray(content)) {
    if (content.length && content.every(isFunctionResult)) return content.map(toolResult);
    if (content.length && content.every(isFunctionCall))
      return [message('assistant', '', { name, tool_calls: content.map(toolCall) })];
    const { text, parts } = contentParts(content);
    return [message(roleOf(source), text, { name, parts: parts.length ? parts : undefined })];
  }
  return [];
}

function agentType(destination: string | null): string | null {
  const m = destination ? AGENT_DESTINATION.exec(destination) : null;
  return m?.[1] ? m[1].replace(TEAM_SUFFIX, '') || m[1] : null;
}

/**
 * The message payload; AutoGen writes "No Message" when a handler returned nothing, and an empty object for
 * messages with no fields: neither is content.
 */
function payload(v: AttrValue | undefined): Json | undefined {
  if (v === undefined || v === null || v === '' || v === 'No Message') return undefined;
  const d = jsonish(v);
  if (isObject(d) && Object.keys(d).length === 0) return undefined;
  return d;
}

export const autogen: Convention = {
  name: 'autogen',
  map(input: SpanInput): MappedFields | null {
    const { span, scope } = input;
    const a = span.attributes;
    const isGenAi = str(a['gen_ai.system'])?.toLowerCase() === 'autogen';
    const runtime = RUNTIME_SPAN.exec(span.name);
    const fromScope = scope.name.startsWith('autogen ') && a['messaging.operation'] !== undefined;
    if (!isGenAi && !runtime && !fromScope) return null;

    const operation = runtime?.[1] ?? str(a['messaging.operation']);
    const destination = str(a['messaging.destination']) ?? runtime?.[2] ?? null;
    const processAgent = operation === 'process' ? agentType(destination) : null;

    let spanType: SpanType | null = isGenAi ? operationType(a['gen_ai.operation.name']) : null;
    if (spanType === null && (runtime || fromScope)) spanType = processAgent ? 'AGENT' : 'CHAIN';

    const raw = payload(a.message ?? a['messaging.message.body']);
    const messages = typeof raw === 'string' ? [] : payloadMessages(raw, str(a['messaging.message.type']));
    const isAck = operation === 'ack';

    const fields: MappedFields = {};
    if (spanType) fields.span_type = spanType;
    const agentName = str(a['gen_ai.agent.name']) ?? str(a['gen_ai.agent.id']) ?? processAgent;
    if (agentName) fields.agent_name = agentName;
    const toolName = str(a['gen_ai.tool.name']);
    if (toolName) fields.tool_name = toolName;
    const toolCallId = str(a['gen_ai.tool.call.id']);
    if (toolCallId) fields.tool_call_id = toolCallId;
    if (raw !== undefined) fields[isAck ? 'outputs' : 'inputs'] = raw;
    if (messages.length) fields[isAck ? 'output_messages' : 'input_messages'] = messages;
    const errorType = str(a['error.type']);
    if (errorType) fields.error_type = errorType;
    return fields;
  },
};
