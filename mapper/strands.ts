/**
 * Strands Agents' native OpenTelemetry spans (strands/telemetry/tracer.py), in its default mode (GenAI ≤ 1.36
 * message events whose content is Bedrock Converse blocks as JSON text) and its latest-semconv mode
 * (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: parts-based messages on one
 * gen_ai.client.inference.operation.details event per key, read by genai-current.ts).
 *
 * A span is Strands' when its scope is `strands.telemetry.tracer` or gen_ai.system / gen_ai.provider.name is
 * "strands-agents" (a framework, never the provider).
 *
 * Precedence: above genai (current) and genai (older) in the registry, for what Strands means by its keys:
 * - span_type       gen_ai.operation.name execute_event_loop_cycle (one turn of the agent loop) → CHAIN; the other
 *                   operations (invoke_agent, chat, execute_tool) are typed by GenAI.
 * - input_messages / output_messages (default mode) the message events, each event's `content` (or a choice's
 *                   `message`) decoded as Bedrock blocks: text, toolUse → tool_calls, toolResult → a tool message
 *                   with its text; a cycle's gen_ai.choice `tool.result` is the tool messages that followed.
 *                   Plain-text content (the agent span's final choice) is the message text.
 * - tool spans      not a conversation: inputs = the arguments (gen_ai.tool.call.arguments > the
 *                   gen_ai.tool.message event's content), outputs = the result's text (gen_ai.tool.call.result >
 *                   the gen_ai.choice event's message; a list of {text} blocks becomes its text), and no messages
 *                   (an empty list, so the GenAI conventions' reading of those events as chat turns is not used).
 */

import type { AttrValue, DecodedEvent, SpanInput } from '../otlp/model.js';
import { compact } from './genai-common.js';
import { normalizeMessage } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields } from './types.js';
import { isObject, jsonish, jsonValue, lookup, str } from './values.js';

const SCOPE = 'strands.telemetry.tracer';
const FRAMEWORK = 'strands-agents';

const ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

function isStrands(input: SpanInput): boolean {
  const a = input.span.attributes;
  return (
    input.scope.name === SCOPE ||
    str(a['gen_ai.system']) === FRAMEWORK ||
    str(a['gen_ai.provider.name']) === FRAMEWORK
  );
}

/** Bedrock blocks as JSON text → one message (tool results split off as tool messages); plain text as it is. */
function blocksMessages(content: AttrValue | undefined, role: string): ChatMessage[] {
  if (content === undefined || content === null || content === '') return [];
  const d = jsonish(content);
  const blocks = Array.isArray(d) ? d : typeof d === 'string' ? d : [d];
  return normalizeMessage({ role, content: blocks as Json }, role).filter(
    (m) => m.content !== '' || m.tool_calls || m.parts || m.role === 'tool',
  );
}

function eventMessages(events: readonly DecodedEvent[]): { input: ChatMessage[]; output: ChatMessage[] } {
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  for (const e of events) {
    const role = lookup(ROLES, e.name);
    if (role !== undefined) input.push(...blocksMessages(e.attributes.content, role));
    else if (e.name === 'gen_ai.choice') {
      const msgs = blocksMessages(e.attributes.message, 'assistant');
      const finish = str(e.attributes.finish_reason);
      const last = msgs[msgs.length - 1];
      if (last && finish) last.finish_reason = finish;
      output.push(...msgs, ...blocksMessages(e.attributes['tool.result'], 'tool'));
    }
  }
  return { input, output };
}

/** A tool result: a list of {text} blocks is its text; anything else decoded once. */
function resultValue(v: AttrValue | undefined): Json | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const d = jsonValue(v);
  if (Array.isArray(d) && d.length > 0 && d.every((b) => isObject(b) && typeof b.text === 'string'))
    return d.map((b) => (b as { text: string }).text).join('');
  return d;
}

function toolFields(input: SpanInput): MappedFields {
  const a = input.span.attributes;
  const events = input.span.events;
  const argsEvent = events.find((e) => e.name === 'gen_ai.tool.message');
  const resultEvent = events.find((e) => e.name === 'gen_ai.choice');
  return {
    ...compact({
      inputs: jsonValue(a['gen_ai.tool.call.arguments'] ?? argsEvent?.attributes.content ?? undefined),
      outputs: resultValue(a['gen_ai.tool.call.result']) ?? resultValue(resultEvent?.attributes.message),
    }),
    input_messages: [],
    output_messages: [],
  };
}

export const strands: Convention = {
  name: 'strands',
  map(input: SpanInput): MappedFields | null {
    if (!isStrands(input)) return null;
    const op = str(input.span.attributes['gen_ai.operation.name']);
    if (op === 'execute_tool') return toolFields(input);
    const { input: inMsgs, output: outMsgs } = eventMessages(input.span.events);
    return compact({
      span_type: op === 'execute_event_loop_cycle' ? ('CHAIN' as const) : null,
      input_messages: inMsgs.length ? inMsgs : null,
      output_messages: outMsgs.length ? outMsgs : null,
    });
  },
};
