import type { ColumnType, ColumnValue } from './copy-binary.js';

/**
 * The writable columns of `spans`, in table order (store/migrations), each with its Postgres type for binary COPY
 * (copy-binary.ts): the one declaration of the table's columns, from which the column list, the record type and
 * the COPY encoder are derived (a test compares it with the database's own catalog). A span record handed to the
 * store is an object with exactly these keys; `ingested_at` is set by the database.
 */
export const SPAN_COLUMN_TYPES = {
  trace_id: 'text',
  span_id: 'text',
  parent_span_id: 'text',
  experiment_id: 'int8',
  name: 'text',
  span_type: 'text',
  kind: 'text',
  status: 'text',
  status_message: 'text',
  start_time: 'timestamptz',
  end_time: 'timestamptz',
  start_time_unix_nano: 'int8',
  end_time_unix_nano: 'int8',
  duration_ms: 'float8',
  inputs: 'jsonb',
  outputs: 'jsonb',
  input_messages: 'jsonb',
  output_messages: 'jsonb',
  model: 'text',
  provider: 'text',
  request_params: 'jsonb',
  finish_reasons: 'text[]',
  response_id: 'text',
  tool_name: 'text',
  tool_call_id: 'text',
  agent_name: 'text',
  session_id: 'text',
  user_id: 'text',
  error_type: 'text',
  input_tokens: 'int8',
  output_tokens: 'int8',
  total_tokens: 'int8',
  cache_read_tokens: 'int8',
  cache_write_tokens: 'int8',
  reasoning_tokens: 'int8',
  attributes: 'jsonb',
  events: 'jsonb',
  links: 'jsonb',
  resource_attributes: 'jsonb',
  scope_name: 'text',
  scope_version: 'text',
  scope_attributes: 'jsonb',
  trace_state: 'text',
  flags: 'int8',
  dropped_attributes_count: 'int8',
  dropped_events_count: 'int8',
  dropped_links_count: 'int8',
  request_preview: 'text',
  response_preview: 'text',
  trace_tags: 'jsonb',
  trace_metadata: 'jsonb',
  conventions: 'text[]',
  mapper_version: 'int4',
  assessments: 'jsonb',
} as const satisfies Record<string, ColumnType>;

export type SpanColumn = keyof typeof SPAN_COLUMN_TYPES;

/** The columns of `spans` in table order, as COPY lists them. */
export const SPAN_COLUMNS = columnsOf(SPAN_COLUMN_TYPES);

/**
 * A row of a table declared as `types`: each column holds its type's value (copy-binary.ts ColumnValue) or null,
 * so a value of the wrong kind (an ISO string for a timestamptz) does not compile.
 */
export type RowOf<T extends Record<string, ColumnType>> = {
  -readonly [K in keyof T]: ColumnValue[T[K]] | null;
};

/** A span as the store receives it: the mapper's row, already sanitized for Postgres. */
export type SpanRecord = RowOf<typeof SPAN_COLUMN_TYPES> & {
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
  'model',
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

/**
 * The columns of `traces` the writer supplies, in table order, with their Postgres types (as SPAN_COLUMN_TYPES);
 * created_at / updated_at default to now().
 */
export const TRACE_COLUMN_TYPES = {
  trace_id: 'text',
  experiment_id: 'int8',
  name: 'text',
  state: 'text',
  start_time: 'timestamptz',
  end_time: 'timestamptz',
  start_time_unix_nano: 'int8',
  end_time_unix_nano: 'int8',
  duration_ms: 'float8',
  request_preview: 'text',
  response_preview: 'text',
  root_span_id: 'text',
  span_count: 'int4',
  error_count: 'int4',
  input_tokens: 'int8',
  output_tokens: 'int8',
  total_tokens: 'int8',
  session_id: 'text',
  user_id: 'text',
  tags: 'jsonb',
  metadata: 'jsonb',
  run_id: 'text',
  search_text: 'text',
  span_types: 'text[]',
  models: 'text[]',
  search_vector: 'tsvector',
} as const satisfies Record<string, ColumnType>;

export const TRACE_COLUMNS = columnsOf(TRACE_COLUMN_TYPES);

export type TraceRecord = RowOf<typeof TRACE_COLUMN_TYPES>;

/** A table's column names in declaration order (object keys keep it), typed as its columns. */
function columnsOf<T extends Record<string, ColumnType>>(types: T): readonly (keyof T & string)[] {
  return Object.keys(types) as (keyof T & string)[];
}
