/**
 * The mapper's output model. Column names are snake_case because a SpanRow *is* a row of the public `spans`
 * table (docs/schema.md): the store writes these objects as they are.
 */
import type { Attributes, AttrValue } from '../otlp/model.js';

export type Json = AttrValue;

/** MLflow's span type names. */
export const SPAN_TYPES = [
  'CHAT_MODEL',
  'LLM',
  'AGENT',
  'TOOL',
  'CHAIN',
  'RETRIEVER',
  'EMBEDDING',
  'RERANKER',
  'PARSER',
  'MEMORY',
  'WORKFLOW',
  'TASK',
  'GUARDRAIL',
  'EVALUATOR',
  'UNKNOWN',
] as const;
export type SpanType = (typeof SPAN_TYPES)[number];

export type SpanStatus = 'UNSET' | 'OK' | 'ERROR';

/**
 * The one normalized chat message shape shared by every convention.
 * `content` is the concatenated text of the message's text parts ('' when it has none).
 * `parts` keeps every non-text part (reasoning, blob, file, uri, unknown types) as it was received.
 */
export interface ChatToolCall {
  id: string | null;
  name: string;
  /** Parsed from JSON when it was a JSON string; the raw string is kept under `{ _raw }` when it is not JSON. */
  arguments: Json;
}

export interface ChatMessage {
  role: string;
  content: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  name?: string;
  finish_reason?: string;
  /** Non-text parts, kept verbatim: `[{ type: 'reasoning', content: '…' }, { type: 'uri', … }]`. */
  parts?: Json[];
}

/** Token usage. null = not reported (distinct from 0). */
export interface TokenUsage {
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
}

/**
 * What a convention may contribute. Every field is optional: the registry takes, field by field, the value of the
 * highest-precedence convention that produced a non-null one (span_type: an explicit UNKNOWN loses to any other).
 * trace_tags / trace_metadata / request_params are merged key by key, higher precedence winning.
 */
export interface MappedFields extends Partial<TokenUsage> {
  span_type?: SpanType | null;
  inputs?: Json | undefined;
  outputs?: Json | undefined;
  input_messages?: ChatMessage[] | null;
  output_messages?: ChatMessage[] | null;
  /** Response model; preferred over request_model for the `model` column. */
  response_model?: string | null;
  request_model?: string | null;
  /** Lower-case provider name (openai, anthropic, …). Frameworks (autogen, langchain) are not providers. */
  provider?: string | null;
  request_params?: Record<string, Json> | null;
  finish_reasons?: string[] | null;
  response_id?: string | null;
  tool_name?: string | null;
  tool_call_id?: string | null;
  agent_name?: string | null;
  session_id?: string | null;
  user_id?: string | null;
  error_type?: string | null;
  trace_tags?: Record<string, string> | null;
  trace_metadata?: Record<string, Json> | null;
  /** The trace's own request / answer text when a convention names it (Langfuse's langfuse.trace.input / output). */
  request_preview?: string | null;
  response_preview?: string | null;
}

/** One instrumentation convention. `map` returns null when the span carries nothing of this convention. */
export interface Convention {
  /** Stable id recorded in spans.conventions, e.g. 'genai', 'openinference', 'mlflow'. */
  readonly name: string;
  map(input: import('../otlp/model.js').SpanInput): MappedFields | null;
}

/** A row of the `spans` table. */
export interface SpanRow extends TokenUsage {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  /** Decimal string (bigint). Filled by the pipeline, which owns experiment routing; the mapper leaves '0'. */
  experiment_id: string;
  name: string;
  span_type: SpanType;
  kind: string;
  status: SpanStatus;
  status_message: string | null;
  /** Nanoseconds since the Unix epoch, clamped to 1970…9999 (mapper/time.ts timestampColumn); stored to the µs. */
  start_time: bigint;
  end_time: bigint;
  /** Exact nanoseconds as decimal strings (bigint columns). */
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  /** end - start in ms, never negative. */
  duration_ms: number;
  inputs: Json;
  outputs: Json;
  input_messages: ChatMessage[] | null;
  output_messages: ChatMessage[] | null;
  model: string | null;
  provider: string | null;
  request_params: Record<string, Json> | null;
  finish_reasons: string[] | null;
  response_id: string | null;
  tool_name: string | null;
  tool_call_id: string | null;
  agent_name: string | null;
  session_id: string | null;
  user_id: string | null;
  error_type: string | null;
  attributes: Attributes;
  events: Json[];
  links: Json[];
  resource_attributes: Attributes;
  scope_name: string | null;
  scope_version: string | null;
  scope_attributes: Attributes;
  trace_state: string | null;
  flags: number;
  dropped_attributes_count: number;
  dropped_events_count: number;
  dropped_links_count: number;
  /** Per-span preview candidates; the trace row picks the root's (else the first / last content-bearing span's). */
  request_preview: string | null;
  response_preview: string | null;
  /** Tags / metadata this span contributes to its trace. */
  trace_tags: Record<string, string> | null;
  trace_metadata: Record<string, Json> | null;
  /** Conventions that matched, in precedence order. */
  conventions: string[];
  mapper_version: number;
  /** Evaluation results (gen_ai.evaluation.result events) about this span. */
  assessments: Assessment[] | null;
}

export interface Assessment {
  name: string | null;
  score: number | null;
  label: string | null;
  explanation: string | null;
  response_id: string | null;
  error_type: string | null;
  time_unix_nano: string;
}
