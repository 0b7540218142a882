/**
 * Combines what several conventions said about one span. Precedence is the order of the `found` list (highest
 * first, see registry.ts): for each field the first non-null value wins; an explicit UNKNOWN span type loses to
 * any derived type; object-valued fields (tags, metadata, request params) merge key by key, higher precedence
 * winning per key.
 * One exception completes rather than picks: input messages that are only instructions (a system prompt, e.g.
 * gen_ai.system_instructions beside a framework's own record of the conversation) are completed by a lower
 * convention's conversation — its messages after the instructions (an instruction it repeats is not doubled) —
 * and the inputs then come from that convention too, so the raw form matches the conversation.
 */
import type { ChatMessage, MappedFields } from './types.js';

const INSTRUCTION_ROLES = new Set(['system', 'developer']);

function onlyInstructions(messages: ChatMessage[]): boolean {
  for (const m of messages) if (!INSTRUCTION_ROLES.has(m.role)) return false;
  return messages.length > 0;
}

function completed(instructions: ChatMessage[], conversation: ChatMessage[]): ChatMessage[] {
  const seen = new Set(instructions.map((m) => m.content));
  return [
    ...instructions,
    ...conversation.filter((m) => !(INSTRUCTION_ROLES.has(m.role) && seen.has(m.content))),
  ];
}

function isMergedObject(key: string): boolean {
  return key === 'trace_tags' || key === 'trace_metadata' || key === 'request_params';
}

export function mergeFields(found: MappedFields[]): MappedFields {
  const out: MappedFields = {};
  const o = out as Record<string, unknown>;
  for (const fields of found) {
    // Fields are plain objects a convention built (own keys only): for-in, no pair per key.
    for (const key in fields) {
      const value = (fields as Record<string, unknown>)[key];
      if (value === null || value === undefined) continue;
      if (isMergedObject(key)) {
        o[key] = { ...(value as object), ...((o[key] as object | undefined) ?? {}) };
      } else if (
        key === 'input_messages' &&
        out.input_messages &&
        onlyInstructions(out.input_messages) &&
        !onlyInstructions(value as ChatMessage[])
      ) {
        out.input_messages = completed(out.input_messages, value as ChatMessage[]);
        if (fields.inputs !== undefined && fields.inputs !== null) out.inputs = fields.inputs;
      } else if (key === 'span_type') {
        if (out.span_type === undefined || out.span_type === null || out.span_type === 'UNKNOWN')
          out.span_type = value as MappedFields['span_type'];
      } else if (!(key in o) || o[key] === null || o[key] === undefined) {
        o[key] = value;
      }
    }
  }
  return out;
}
