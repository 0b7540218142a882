-- tracebridge views v1: read-only shortcuts over the tables, documented column by column in docs/queries.md.
-- Plain SQL only: the same file runs on PostgreSQL 15+ and on PGlite. Columns may be added later with
-- CREATE OR REPLACE VIEW (appended at the end), never renamed or removed.

-- One row per LLM / CHAT_MODEL span. The message columns read the normalized arrays ([{role, content, ...}], see
-- docs/schema.md) with inline subqueries rather than SQL functions, so the views depend on nothing else; the CASE
-- guards keep a non-array value from failing the whole query.
CREATE VIEW llm_calls AS
SELECT
  s.trace_id,
  s.span_id,
  s.parent_span_id,
  s.experiment_id,
  s.span_type,
  s.name,
  s.start_time,
  s.end_time,
  s.duration_ms,
  s.model,
  s.provider,
  s.input_tokens,
  s.output_tokens,
  s.total_tokens,
  s.cache_read_tokens,
  s.reasoning_tokens,
  s.status,
  s.status_message,
  s.finish_reasons,
  (SELECT m.value ->> 'content'
     FROM jsonb_array_elements(
       CASE WHEN jsonb_typeof(s.input_messages) = 'array' THEN s.input_messages ELSE '[]'::jsonb END
     ) WITH ORDINALITY AS m (value, ord)
     WHERE m.value ->> 'role' = 'user' AND coalesce(m.value ->> 'content', '') <> ''
     ORDER BY m.ord DESC LIMIT 1) AS last_user_message,
  (SELECT m.value ->> 'content'
     FROM jsonb_array_elements(
       CASE WHEN jsonb_typeof(s.output_messages) = 'array' THEN s.output_messages ELSE '[]'::jsonb END
     ) WITH ORDINALITY AS m (value, ord)
     WHERE m.value ->> 'role' = 'assistant' AND coalesce(m.value ->> 'content', '') <> ''
     ORDER BY m.ord DESC LIMIT 1) AS reply,
  -- The tools the model asked to call in its reply, in order (NULL when it asked for none).
  (SELECT array_agg(tc.value ->> 'name' ORDER BY m.ord, tc.ord)
     FROM jsonb_array_elements(
       CASE WHEN jsonb_typeof(s.output_messages) = 'array' THEN s.output_messages ELSE '[]'::jsonb END
     ) WITH ORDINALITY AS m (value, ord),
     jsonb_array_elements(
       CASE WHEN jsonb_typeof(m.value -> 'tool_calls') = 'array' THEN m.value -> 'tool_calls' ELSE '[]'::jsonb END
     ) WITH ORDINALITY AS tc (value, ord)) AS requested_tools,
  s.session_id,
  s.user_id
FROM spans s
WHERE s.span_type IN ('LLM', 'CHAT_MODEL');

-- One row per TOOL span.
CREATE VIEW tool_calls AS
SELECT
  s.trace_id,
  s.span_id,
  s.parent_span_id,
  s.experiment_id,
  coalesce(s.tool_name, s.name) AS tool_name,
  s.name,
  s.tool_call_id,
  s.start_time,
  s.end_time,
  s.duration_ms,
  s.inputs AS arguments,
  s.outputs AS result,
  s.status,
  s.status_message,
  s.error_type,
  s.session_id,
  s.user_id
FROM spans s
WHERE s.span_type = 'TOOL';

-- One row per trace, with its experiment's name and a few per-trace aggregates over its spans.
CREATE VIEW trace_summary AS
SELECT
  t.trace_id,
  t.experiment_id,
  e.name AS experiment_name,
  t.name,
  t.state,
  t.start_time,
  t.end_time,
  t.duration_ms,
  t.span_count,
  t.error_count,
  agg.llm_call_count,
  agg.tool_call_count,
  agg.models,
  t.input_tokens,
  t.output_tokens,
  t.total_tokens,
  t.session_id,
  t.user_id,
  t.request_preview,
  t.response_preview,
  agg.first_error,
  t.root_span_id,
  t.tags,
  t.metadata,
  t.updated_at
FROM traces t
JOIN experiments e ON e.experiment_id = t.experiment_id
-- An aggregate without GROUP BY always yields one row, so this never drops a trace.
CROSS JOIN LATERAL (
  SELECT
    count(*) FILTER (WHERE s.span_type IN ('LLM', 'CHAT_MODEL'))::integer AS llm_call_count,
    count(*) FILTER (WHERE s.span_type = 'TOOL')::integer AS tool_call_count,
    array_agg(DISTINCT s.model ORDER BY s.model) FILTER (WHERE s.model IS NOT NULL) AS models,
    -- The error of the span that failed first: earliest end, and on a tie the innermost (latest start), so a
    -- failing tool's message wins over the "tool failed" its parent agent reports afterwards.
    (array_agg(coalesce(s.status_message, s.error_type)
       ORDER BY s.end_time_unix_nano, s.start_time_unix_nano DESC, s.span_id)
       FILTER (WHERE s.status = 'ERROR'))[1] AS first_error
  FROM spans s
  WHERE s.trace_id = t.trace_id
) agg;

-- Model usage per UTC day, experiment and model, over every model span (LLM, CHAT_MODEL, EMBEDDING, RERANKER):
-- the same spans traces.*_tokens sums when any of them reports usage.
CREATE VIEW token_usage_daily AS
SELECT
  (s.start_time AT TIME ZONE 'UTC')::date AS day,
  s.experiment_id,
  e.name AS experiment_name,
  s.model,
  count(*)::bigint AS calls,
  count(*) FILTER (WHERE s.status = 'ERROR')::bigint AS error_calls,
  sum(s.input_tokens)::bigint AS input_tokens,
  sum(s.output_tokens)::bigint AS output_tokens,
  sum(s.total_tokens)::bigint AS total_tokens
FROM spans s
JOIN experiments e ON e.experiment_id = s.experiment_id
WHERE s.span_type IN ('LLM', 'CHAT_MODEL', 'EMBEDDING', 'RERANKER')
GROUP BY 1, 2, 3, 4;
