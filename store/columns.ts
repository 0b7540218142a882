import type { CopyType } from './copy-text.js';

/**
 * The writable columns of `spans`, in table order (store/migrations). A span record handed to the store is an
 * object with exactly these keys; `ingested_at` is set by the database.
 */
export const SPAN_COLUMNS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'experiment_id',
  'name',
  'span_type',
  'kind',
  'status',
  'status_message',
  'start_time',
  'end_time',
  'start_time_unix_nano',
  'end_time_unix_nano',
  'duration_ms',
  'inputs',
  'outputs',
  'input_messages',
  'output_messages',
  'model',
  'provider',
  'request_params',
  'finish_reasons',
  'response_id',
  'tool_name',
  'tool_call_id',
  'agent_name',
  'session_id',
  'user_id',
  'error_type',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'attributes',
  'events',
  'links',
  'resource_attributes',
  'scope_name',
  'scope_version',
  'scope_attributes',
  'trace_state',
  'flags',
  'dropped_attributes_count',
  'dropped_events_count',
  'dropped_links_count',
  'request_preview',
  'response_preview',
  'trace_tags',
  'trace_metadata',
  'conventions',
  'mapper_version',
  'assessments',
] as const;

export type SpanColumn = (typeof SPAN_COLUMNS)[number];

/** A span as the store receives it: the mapper's row, already sanitized for Postgres. */
export type SpanRecord = { [K in SpanColumn]: unknown } & {
  trace_id: string;
  span_id: string;
  experiment_id: string;
};

/** The fields of a span its trace's row is computed from (trace-rows.ts, trace-aggregate.ts). */
export const TRACE_FIELDS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'experiment_id',
  'name',
  'span_type',
  'status',
  'start_time',
  'end_time',
  'start_time_unix_nano',
  'end_time_unix_nano',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'request_preview',
  'response_preview',
  'session_id',
  'user_id',
  'trace_tags',
  'trace_metadata',
] as const satisfies readonly SpanColumn[];

export type TraceFields = Pick<SpanRecord, (typeof TRACE_FIELDS)[number]>;

/** Column types that need more than their string form in COPY text (store/copy-text.ts). */
export const SPAN_COPY_TYPES: Record<string, CopyType> = {
  inputs: 'jsonb',
  outputs: 'jsonb',
  input_messages: 'jsonb',
  output_messages: 'jsonb',
  request_params: 'jsonb',
  finish_reasons: 'text[]',
  attributes: 'jsonb',
  events: 'jsonb',
  links: 'jsonb',
  resource_attributes: 'jsonb',
  scope_attributes: 'jsonb',
  trace_tags: 'jsonb',
  trace_metadata: 'jsonb',
  conventions: 'text[]',
  assessments: 'jsonb',
};

/** The columns of `traces` the writer supplies, in table order; created_at / updated_at default to now(). */
export const TRACE_COLUMNS = [
  'trace_id',
  'experiment_id',
  'name',
  'state',
  'start_time',
  'end_time',
  'start_time_unix_nano',
  'end_time_unix_nano',
  'duration_ms',
  'request_preview',
  'response_preview',
  'root_span_id',
  'span_count',
  'error_count',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'session_id',
  'user_id',
  'tags',
  'metadata',
] as const;

export type TraceRecord = { [K in (typeof TRACE_COLUMNS)[number]]: unknown };

export const TRACE_COPY_TYPES: Record<string, CopyType> = { tags: 'jsonb', metadata: 'jsonb' };
