/** Helpers shared by the OTel GenAI conventions (current and legacy) and MLflow. */
import type { Attributes, AttrValue } from '../otlp/model.js';
import { type Json, SPAN_TYPES, type SpanType } from './types.js';
import { int, lookup, str } from './values.js';

/**
 * Values frameworks put in gen_ai.system / gen_ai.provider.name that name the framework, not the model provider
 * (AutoGen's `gen_ai.system="autogen"`, Google ADK's "gcp.vertex.agent", …). They never fill `provider`.
 */
const FRAMEWORKS = new Set([
  'autogen',
  'autogen_agentchat',
  'langchain',
  'langgraph',
  'llama_index',
  'llamaindex',
  'crewai',
  'semantic_kernel',
  'haystack',
  'dspy',
  'agno',
  'pydantic_ai',
  'strands-agents',
  'smolagents',
  'gcp.vertex.agent',
]);

/** Pre-1.37 gen_ai.system values renamed by gen_ai.provider.name, so one provider has one spelling. */
const RENAMED = new Map([
  ['az.ai.openai', 'azure.ai.openai'],
  ['az.ai.inference', 'azure.ai.inference'],
  ['vertex_ai', 'gcp.vertex_ai'],
  ['gemini', 'gcp.gemini'],
  ['xai', 'x_ai'],
]);

/** Lower-cased, trimmed provider name; null for empty values and framework names. */
export function providerName(v: AttrValue | undefined): string | null {
  const s = str(v)?.trim().toLowerCase();
  if (!s || FRAMEWORKS.has(s)) return null;
  return RENAMED.get(s) ?? s;
}

/** gen_ai.operation.name → span type. Unknown operations give null: no opinion, a lower convention may type it. */
const OPERATION_TYPES: Record<string, SpanType> = {
  chat: 'CHAT_MODEL',
  text_completion: 'LLM',
  generate_content: 'LLM',
  embeddings: 'EMBEDDING',
  retrieval: 'RETRIEVER',
  execute_tool: 'TOOL',
  create_agent: 'AGENT',
  invoke_agent: 'AGENT',
  invoke_workflow: 'WORKFLOW',
  // Not in the spec: the Vercel AI SDK's GenAI-semconv telemetry (v7) names each step of an agent loop so.
  agent_step: 'CHAIN',
};

/**
 * MLflow's GenAI-semconv export passes its own span type through as the operation name when the spec has no
 * equivalent (CHAIN, RETRIEVER, PARSER, …): an upper-case MLflow type name there means that type.
 */
const MLFLOW_TYPES = new Set<string>(SPAN_TYPES.filter((t) => t !== 'UNKNOWN'));

export function operationType(v: AttrValue | undefined): SpanType | null {
  const raw = str(v)?.trim();
  if (raw && MLFLOW_TYPES.has(raw)) return raw as SpanType;
  const op = raw?.toLowerCase();
  return lookup(OPERATION_TYPES, op) ?? null;
}

/**
 * An operation name the GenAI conventions do not define (Strands' `execute_event_loop_cycle`, other frameworks'
 * orchestration steps) still names a step of the agent's work that carries GenAI content and has children: CHAIN.
 * Read by genai-legacy.ts, below the framework conventions, so a framework's own type for the span wins.
 */
export function frameworkOperationType(v: AttrValue | undefined): SpanType | null {
  const raw = str(v)?.trim();
  if (!raw) return null;
  return operationType(raw) === null ? 'CHAIN' : null;
}

/**
 * The session a span names, for conventions that read a conversation or session key of their own: the explicit
 * session keys first — langfuse.session.id (the Langfuse SDK's, most specific) > session.id (OTel general) — so a
 * span carrying several gives the same session whichever convention reads it; then `fallback` (e.g.
 * gen_ai.conversation.id, a conversation rather than a session).
 */
export function sessionId(attrs: Attributes, fallback: AttrValue | undefined = undefined): string | null {
  return str(attrs['langfuse.session.id']) ?? str(attrs['session.id']) ?? str(fallback);
}

/** The first present integer among `keys`. */
export function firstInt(attrs: Attributes, ...keys: string[]): number | null {
  for (const k of keys) {
    const n = int(attrs[k]);
    if (n !== null) return n;
  }
  return null;
}

/**
 * Drops undefined / null / '' values so a convention only reports what it found. `o` is always an object literal
 * (own keys only), so for-in visits what Object.entries would, without allocating a pair per key.
 */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  }
  return out as Partial<T>;
}

/** An object with at least one key, else null. */
export function nonEmpty<T extends Record<string, Json>>(o: T): T | null {
  return Object.keys(o).length ? o : null;
}
