/**
 * Mastra (`@mastra/core` observability exported by `@mastra/otel-exporter`): spans carry GenAI semconv keys
 * (gen_ai.operation.name, gen_ai.agent.*, gen_ai.tool.*, gen_ai.usage.*, gen_ai.output.messages on model calls,
 * gen_ai.system_instructions on agent runs), read by the GenAI conventions, plus Mastra's own: mastra.span.type,
 * mastra.<type>.input / mastra.<type>.output (the content of spans that are not model or tool calls: agent runs,
 * model generations and steps, workflow runs and steps, chunks), mastra.metadata.<key>, mastra.tags. A span is
 * Mastra when it has mastra.span.type (the exporter sets it on every span; a look-up, not a scan of every key).
 * Below current GenAI: where both speak, the GenAI keys win.
 *
 * Span types (mastra.span.type; the GenAI operation name types most spans first): agent_run → AGENT,
 * workflow_run → WORKFLOW, workflow_step → TASK, model_inference → CHAT_MODEL, tool_call / mcp_tool_call /
 * provider_tool_call → TOOL, rag_embedding → EMBEDDING, model_generation / model_step (the agent's model loop and
 * its steps) and model_chunk, processor_run, workflow_conditional / _parallel / _loop → CHAIN; others → null.
 *
 * Precedence inside this convention, per column (first present wins):
 * - inputs / outputs  mastra.<type>.input / mastra.<type>.output (decoded once; text stays text).
 * - input_messages    the input when it is a chat request (a message list, or {messages}); an agent run's text
 *                     input → one user message (an agent is asked in the user's words).
 * - output_messages   the output's reply on agent runs, model generations and steps: {text, toolCalls:
 *                     [{toolCallId, toolName, args}]} → one assistant message.
 * - trace_metadata    mastra.metadata.<key> → <key> (decoded) on root spans only: Mastra copies the run's
 *                     metadata to every span and adds per-call entries (HTTP headers and bodies) below the root.
 * - trace_tags        mastra.tags (a JSON list, on the root): each label → {label: 'true'}.
 */

import type { Attributes, SpanInput } from '../otlp/model.js';
import { labelTags, prefixedMetadata, present } from './flat-messages.js';
import { chatRequestMessages } from './genai-chat-formats.js';
import { compact, nonEmpty } from './genai-common.js';
import { normalizeMessage } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, jsonish, lookup, str } from './values.js';

const TYPES: Record<string, SpanType> = {
  agent_run: 'AGENT',
  workflow_run: 'WORKFLOW',
  workflow_step: 'TASK',
  model_inference: 'CHAT_MODEL',
  tool_call: 'TOOL',
  mcp_tool_call: 'TOOL',
  provider_tool_call: 'TOOL',
  rag_embedding: 'EMBEDDING',
  model_generation: 'CHAIN',
  model_step: 'CHAIN',
  model_chunk: 'CHAIN',
  processor_run: 'CHAIN',
  workflow_conditional: 'CHAIN',
  workflow_parallel: 'CHAIN',
  workflow_loop: 'CHAIN',
};
const REPLIES = new Set(['agent_run', 'model_generation', 'model_step']);

function value(a: Attributes, key: string): Json | undefined {
  const v = a[key];
  return present(v) ? jsonish(v) : undefined;
}

function inputMessages(type: string | null, input: Json | undefined): ChatMessage[] | null {
  if (type === 'agent_run' && typeof input === 'string') return [{ role: 'user', content: input }];
  return chatRequestMessages(input);
}

/** {text, toolCalls} of a Mastra generation result → one assistant message; null when it has neither. */
function reply(output: Json | undefined): ChatMessage[] | null {
  if (!isObject(output)) return null;
  const calls = Array.isArray(output.toolCalls) ? output.toolCalls.filter(isObject) : [];
  const text = typeof output.text === 'string' ? output.text : '';
  if (text === '' && calls.length === 0) return null;
  return normalizeMessage({
    role: 'assistant',
    content: text,
    tool_calls: calls.map((c) => ({
      id: c.toolCallId ?? null,
      name: c.toolName ?? null,
      arguments: c.args ?? null,
    })),
  });
}

export const mastra: Convention = {
  name: 'mastra',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    const type = str(a['mastra.span.type']);
    if (type === null) return null;
    const inputs = value(a, `mastra.${type}.input`);
    const outputs = value(a, `mastra.${type}.output`);
    const isRoot = input.span.parentSpanId === '';
    return compact({
      span_type: lookup(TYPES, type) ?? null,
      inputs,
      outputs,
      input_messages: inputMessages(type, inputs),
      output_messages: REPLIES.has(type) ? reply(outputs) : null,
      trace_metadata: isRoot ? nonEmpty(prefixedMetadata(a, 'mastra.metadata.')) : null,
      trace_tags: isRoot ? labelTags(a['mastra.tags']) : null,
    });
  },
};
