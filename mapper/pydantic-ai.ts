/**
 * Pydantic AI's own OpenTelemetry instrumentation (pydantic_ai/capabilities/instrumentation.py,
 * models/instrumented.py; what Logfire's instrument_pydantic_ai turns on), current and older versions. Its chat
 * spans are plain GenAI semconv (read by genai-current.ts); this convention adds what only Pydantic AI's own keys
 * hold: the agent run's conversation and answer, older versions' tool payloads, and their message lists.
 *
 * A span is Pydantic AI's when its scope is `pydantic-ai`, or it carries pydantic_ai.all_messages or
 * all_messages_events (Logfire's pre-2025 run span), or logfire.msg beside agent_name / tool_arguments.
 *
 * Precedence: above genai (current) in the registry. On an agent run span gen_ai.system_instructions stands alone
 * (the conversation is in pydantic_ai.all_messages), so GenAI alone would make the system prompt the run's only
 * message and its request preview; this convention reports the whole conversation instead. On chat spans it
 * reports nothing GenAI does not (it returns only the fields of the keys below).
 *
 * Per column, first present wins:
 * - span_type       AGENT for the run span (named `agent run` / `invoke_agent …`, or holding the run's messages);
 *                   TOOL for `running tool` / `execute_tool …` spans with tool_arguments or tool_response.
 * - input_messages  run span: gen_ai.system_instructions (a system message) + pydantic_ai.all_messages (GenAI
 *                   parts) > all_messages_events (v1: GenAI event dicts) without the final answer.
 *                   Chat spans of v1: the `events` attribute (GenAI event dicts) without gen_ai.choice.
 * - output_messages run span: the conversation's last message when it is the assistant's (the answer).
 *                   v1 chat spans: the gen_ai.choice events of `events`.
 * - inputs          tool_arguments (decoded) > prompt (0.x run spans) > input > {system_instructions, messages}.
 * - outputs         tool_response (decoded) > final_result (decoded when JSON) > {messages: [answer]}.
 * - request_model   model_name (the run span's; 'no-model' is none) > model (0.x).
 * - request_params  model_config (0.x, a JSON object) > model_settings.
 * - agent_name      gen_ai.agent.name > agent_name.   tool_name / tool_call_id  gen_ai.tool.name / .call.id.
 * - tokens          gen_ai.aggregated_usage.input_tokens / output_tokens (the run's own usage; trace totals still
 *                   come from the chat spans, store/trace-aggregate.ts).
 */

import type { Attributes, AttrValue, SpanInput } from '../otlp/model.js';
import { present } from './flat-messages.js';
import { compact, firstInt } from './genai-common.js';
import { normalizeMessage, normalizeMessages, systemMessage } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, jsonish, jsonValue, str } from './values.js';

const SCOPE = 'pydantic-ai';
const ALL_MESSAGES = 'pydantic_ai.all_messages';
const ALL_MESSAGES_EVENTS = 'all_messages_events';

function isPydanticAi(input: SpanInput): boolean {
  if (input.scope.name === SCOPE) return true;
  const a = input.span.attributes;
  // Exact keys: lookups, not a walk over every attribute of every span.
  if (a[ALL_MESSAGES] !== undefined || a[ALL_MESSAGES_EVENTS] !== undefined) return true;
  return (
    a['logfire.msg'] !== undefined &&
    (a.agent_name !== undefined || a.tool_arguments !== undefined || a.tool_response !== undefined)
  );
}

/** One GenAI event dict of Logfire's v1 lists ({'event.name', role, content, tool_calls, id, message}). */
function eventMessages(e: Json): ChatMessage[] {
  if (!isObject(e)) return [];
  const name = str(e['event.name']);
  if (name === 'gen_ai.choice') {
    const msgs = normalizeMessage(isObject(e.message) ? e.message : {}, 'assistant');
    const finish = str(e.finish_reason);
    const last = msgs[msgs.length - 1];
    if (last && finish) last.finish_reason = finish;
    return msgs;
  }
  const role = str(e.role) ?? name?.replace(/^gen_ai\.|\.message$/g, '') ?? 'user';
  if (role === 'tool') {
    const m = normalizeMessage({ ...e, role: 'tool', tool_call_id: e.tool_call_id ?? e.id ?? null }, 'tool');
    return m;
  }
  return normalizeMessage({ ...e, role }, role);
}

function eventList(v: AttrValue | undefined): { input: ChatMessage[]; output: ChatMessage[] } | null {
  const d = jsonish(v);
  if (!Array.isArray(d)) return null;
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  for (const e of d) {
    const into = isObject(e) && e['event.name'] === 'gen_ai.choice' ? output : input;
    into.push(...eventMessages(e));
  }
  return { input, output };
}

/** The run's conversation split into what led to the answer and the answer (its last message, the assistant's). */
function splitAnswer(messages: ChatMessage[]): { input: ChatMessage[]; output: ChatMessage[] } {
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant' && (last.content !== '' || last.parts))
    return { input: messages.slice(0, -1), output: [last] };
  return { input: messages, output: [] };
}

function runMessages(a: Attributes): { input: ChatMessage[]; output: ChatMessage[]; raw: Json | undefined } {
  const system = systemMessage(jsonish(a['gen_ai.system_instructions']));
  const current = a[ALL_MESSAGES];
  if (present(current)) {
    const raw = jsonish(current);
    const split = splitAnswer(normalizeMessages(raw) ?? []);
    return { input: system ? [system, ...split.input] : split.input, output: split.output, raw };
  }
  const events = a[ALL_MESSAGES_EVENTS];
  if (present(events)) {
    const list = eventList(events);
    const split = splitAnswer([...(list?.input ?? []), ...(list?.output ?? [])]);
    return { input: split.input, output: split.output, raw: jsonish(events) };
  }
  return { input: system ? [system] : [], output: [], raw: undefined };
}

function spanType(input: SpanInput): SpanType | null {
  const a = input.span.attributes;
  const name = input.span.name;
  if (
    present(a[ALL_MESSAGES]) ||
    present(a[ALL_MESSAGES_EVENTS]) ||
    name === 'agent run' ||
    (name.startsWith('invoke_agent') && str(a['gen_ai.operation.name']) !== 'chat')
  )
    return 'AGENT';
  if (
    name === 'running tool' ||
    name.startsWith('running tool:') ||
    present(a.tool_arguments) ||
    present(a.tool_response)
  )
    return 'TOOL';
  return null;
}

function nonEmptyList(list: ChatMessage[]): ChatMessage[] | null {
  return list.length ? list : null;
}

export const pydanticAi: Convention = {
  name: 'pydantic_ai',
  map(input: SpanInput): MappedFields | null {
    if (!isPydanticAi(input)) return null;
    const a = input.span.attributes;
    const type = spanType(input);
    const modelName = str(a.model_name);
    const config = jsonish(a.model_config) ?? jsonish(a.model_settings);
    const common = {
      span_type: type,
      request_model: modelName !== 'no-model' ? (modelName ?? str(a.model)) : str(a.model),
      request_params: isObject(config) ? (config as Record<string, Json>) : null,
      agent_name: str(a['gen_ai.agent.name']) ?? str(a.agent_name),
    };
    if (type === 'AGENT') {
      const run = runMessages(a);
      const systemRaw = jsonish(a['gen_ai.system_instructions']);
      const finalResult = a.final_result;
      let inputs: Json | undefined = present(a.prompt)
        ? a.prompt
        : present(a.input)
          ? jsonish(a.input)
          : undefined;
      if (inputs === undefined && run.raw !== undefined)
        inputs =
          systemRaw !== undefined
            ? { system_instructions: systemRaw, messages: run.raw }
            : { messages: run.raw };
      return compact({
        ...common,
        input_messages: nonEmptyList(run.input),
        output_messages: nonEmptyList(run.output),
        inputs,
        outputs: present(finalResult) ? jsonish(finalResult) : undefined,
        input_tokens: firstInt(a, 'gen_ai.aggregated_usage.input_tokens'),
        output_tokens: firstInt(a, 'gen_ai.aggregated_usage.output_tokens'),
      });
    }
    // v1 chat spans kept their messages in an `events` attribute (Logfire's event_mode='attributes').
    const events = present(a.events) ? eventList(a.events) : null;
    return compact({
      ...common,
      input_messages: events ? nonEmptyList(events.input) : null,
      output_messages: events ? nonEmptyList(events.output) : null,
      inputs: present(a.tool_arguments)
        ? jsonValue(a.tool_arguments)
        : present(a.input)
          ? jsonish(a.input)
          : undefined,
      outputs: present(a.tool_response) ? jsonValue(a.tool_response) : undefined,
      tool_name: type === 'TOOL' ? str(a['gen_ai.tool.name']) : null,
      tool_call_id: type === 'TOOL' ? str(a['gen_ai.tool.call.id']) : null,
    });
  },
};
