/**
 * OTel GenAI semantic conventions, older forms (semconv ≤ 1.36): attributes and span events that the current
 * conventions deprecated. Keys that are still current (gen_ai.request.*, gen_ai.usage.input_tokens,
 * gen_ai.operation.name, …) are read by genai-current.ts, which outranks this file.
 *
 * Precedence inside this convention, per column (first present wins):
 * - provider        gen_ai.system (lower-cased; pre-1.37 names renamed to their gen_ai.provider.name spelling,
 *                   e.g. az.ai.openai → azure.ai.openai; framework values such as "autogen" are ignored).
 * - input_tokens    gen_ai.usage.prompt_tokens.   output_tokens  gen_ai.usage.completion_tokens.
 * - input_messages  message events, in event order: gen_ai.system.message / gen_ai.system.instruction,
 *                   gen_ai.user.message, gen_ai.assistant.message (with tool_calls), gen_ai.tool.message (id →
 *                   tool_call_id) > the gen_ai.prompt attribute of a gen_ai.content.prompt event
 *                   > a whole-JSON gen_ai.prompt span attribute.
 * - output_messages gen_ai.choice events (message, tool_calls, finish_reason; ordered by index)
 *                   > gen_ai.completion of a gen_ai.content.completion event > a gen_ai.completion span attribute.
 *   An event's body is read from its attributes (content, role, tool_calls, id, message, finish_reason, index),
 *   merged with the JSON object in `gen_ai.event.content` when an instrumentation packed the body there.
 * - inputs          {messages: [event bodies]} > the decoded gen_ai.prompt (the raw string when not valid JSON).
 * - outputs         {choices: [choice bodies]} > the decoded gen_ai.completion (raw string when not valid JSON).
 * - finish_reasons  the choices' finish_reason.
 * - request_params  gen_ai.openai.request.* (key without the prefix; gen_ai.request.* from genai-current wins).
 * - span_type       CHAIN for a gen_ai.operation.name the conventions do not define (Strands'
 *                   execute_event_loop_cycle, other frameworks' orchestration steps). Here rather than in
 *                   genai-current because it is a guess: read below the framework conventions (Vercel AI, Traceloop,
 *                   Langfuse, Google ADK), whose explicit type for the same span wins, and above the heuristics
 *                   (a model on such a span does not make it an LLM call).
 */
import type { Attributes, DecodedEvent, SpanInput } from '../otlp/model.js';
import { compact, firstInt, frameworkOperationType, nonEmpty, providerName } from './genai-common.js';
import { finishReasonsOf, normalizeMessage, normalizeMessages, resultText } from './genai-messages.js';
import type { ChatMessage, Convention, Json, MappedFields } from './types.js';
import { int, isObject, jsonish, lookup, str, withPrefix } from './values.js';

const MESSAGE_EVENTS: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.system.instruction': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

type Body = { [key: string]: Json };

/** The event body: plain attributes (minus gen_ai.* bookkeeping), plus a JSON body packed in gen_ai.event.content. */
function eventBody(e: DecodedEvent): Body {
  const body: Body = {};
  for (const [k, v] of Object.entries(e.attributes)) if (!k.startsWith('gen_ai.')) body[k] = v;
  const packed = jsonish(e.attributes['gen_ai.event.content']);
  if (isObject(packed)) Object.assign(body, packed);
  else if (typeof packed === 'string' && body.content === undefined) body.content = packed;
  return body;
}

/** Message content: text stays text; a JSON list of content blocks ([{type:'text',…}], [{text}]) is decoded. */
function content(v: Json | undefined): Json | undefined {
  if (typeof v !== 'string') return v;
  const d = jsonish(v);
  return Array.isArray(d) && d.length > 0 && d.every(isObject) ? d : v;
}

function inputMessage(role: string, b: Body): ChatMessage[] {
  const r = str(b.role) ?? role;
  if (role === 'tool') {
    const m: ChatMessage = { role: r, content: resultText(b.content) };
    const id = str(b.id) ?? str(b.tool_call_id);
    if (id !== null) m.tool_call_id = id;
    return [m];
  }
  return normalizeMessage(
    { role: r, content: content(b.content) ?? null, tool_calls: jsonish(b.tool_calls) ?? null },
    r,
  );
}

function choiceMessage(b: Body): ChatMessage[] {
  const msg = jsonish(b.message);
  // `message` is normally {role, content, tool_calls}; some emitters (Strands) put the content list or text there.
  const m: Body = isObject(msg) ? msg : msg === undefined || msg === null ? {} : { content: msg };
  return normalizeMessage(
    {
      role: str(m.role) ?? str(b.role) ?? 'assistant',
      content: content(m.content ?? b.content) ?? null,
      tool_calls: jsonish(m.tool_calls ?? b.tool_calls) ?? null,
      finish_reason: str(b.finish_reason),
    },
    'assistant',
  );
}

interface Side {
  messages: ChatMessage[] | null;
  raw: Json | undefined;
}

function fromEvents(events: DecodedEvent[]): { input: Side; output: Side } {
  const inBodies: Body[] = [];
  const inMsgs: ChatMessage[] = [];
  const choices: { index: number; order: number; body: Body }[] = [];
  for (const e of events) {
    const role = lookup(MESSAGE_EVENTS, e.name);
    if (role) {
      const b = eventBody(e);
      inBodies.push(b);
      inMsgs.push(...inputMessage(role, b));
    } else if (e.name === 'gen_ai.choice') {
      const b = eventBody(e);
      choices.push({ index: int(b.index) ?? choices.length, order: choices.length, body: b });
    }
  }
  choices.sort((x, y) => x.index - y.index || x.order - y.order);
  const outMsgs = choices.flatMap((c) => choiceMessage(c.body));
  return {
    input: {
      messages: inMsgs.length ? inMsgs : null,
      raw: inBodies.length ? { messages: inBodies } : undefined,
    },
    output: {
      messages: outMsgs.length ? outMsgs : null,
      raw: choices.length ? { choices: choices.map((c) => c.body) } : undefined,
    },
  };
}

/** A whole-JSON gen_ai.prompt / gen_ai.completion value (event attribute or span attribute). */
function fromJsonAttribute(v: Json | undefined, defaultRole: string): Side {
  if (v === undefined || v === null || v === '') return { messages: null, raw: undefined };
  const d = jsonish(v);
  let messages: ChatMessage[] | null = null;
  if (Array.isArray(d) && d.some((x) => isObject(x) && isObject(x.message))) {
    messages = d.flatMap((c) =>
      isObject(c) && isObject(c.message)
        ? normalizeMessage({ ...c.message, finish_reason: c.finish_reason ?? null }, defaultRole)
        : [],
    );
  } else messages = normalizeMessages(d, defaultRole);
  return { messages: messages?.length ? messages : null, raw: d };
}

function eventAttribute(events: DecodedEvent[], name: string, key: string): Json | undefined {
  return events.find((e) => e.name === name)?.attributes[key];
}

function pick(...sides: Side[]): Side {
  return sides.find((s) => s.raw !== undefined) ?? { messages: null, raw: undefined };
}

function requestParams(attrs: Attributes): Record<string, Json> | null {
  const params: Record<string, Json> = {};
  for (const [k, v] of Object.entries(withPrefix(attrs, 'gen_ai.openai.request.')))
    if (v !== null && v !== '') params[k] = jsonish(v) as Json;
  return nonEmpty(params);
}

export const genaiLegacy: Convention = {
  name: 'genai_legacy',
  map(input: SpanInput): MappedFields | null {
    const { attributes: a, events } = input.span;
    const ev = fromEvents(events);
    const input_ = pick(
      ev.input,
      fromJsonAttribute(eventAttribute(events, 'gen_ai.content.prompt', 'gen_ai.prompt'), 'user'),
      fromJsonAttribute(a['gen_ai.prompt'], 'user'),
    );
    const output = pick(
      ev.output,
      fromJsonAttribute(
        eventAttribute(events, 'gen_ai.content.completion', 'gen_ai.completion'),
        'assistant',
      ),
      fromJsonAttribute(a['gen_ai.completion'], 'assistant'),
    );
    const fields: MappedFields = compact({
      span_type: frameworkOperationType(a['gen_ai.operation.name']),
      provider: providerName(a['gen_ai.system']),
      input_tokens: firstInt(a, 'gen_ai.usage.prompt_tokens'),
      output_tokens: firstInt(a, 'gen_ai.usage.completion_tokens'),
      input_messages: input_.messages,
      output_messages: output.messages,
      inputs: input_.raw,
      outputs: output.raw,
      finish_reasons: finishReasonsOf(output.messages),
      request_params: requestParams(a),
    });
    return Object.keys(fields).length ? fields : null;
  },
};
