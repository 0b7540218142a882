/**
 * Trace rows are recomputed from their span rows, never incremented: whatever the arrival order, batching or
 * duplication of spans, the same set of span rows gives the same trace row. Called inside the writing transaction
 * after the spans are upserted, while the trace's advisory lock is held (span-writer.ts), so two writers can't
 * interleave a recompute with each other's commit.
 *
 * Token totals never double count: when any model span (LLM, CHAT_MODEL, EMBEDDING, RERANKER) of the trace reports
 * usage, only model spans are summed, because AGENT / CHAIN / WORKFLOW spans that report usage report the
 * aggregate of the model calls below them. A trace with no model-span usage sums whatever reported it.
 * The name is the root span's, unless a span's trace tags name the trace (TRACE_NAME_TAG, trace-rows.ts).
 */
import type { Queryable } from './db.js';
import { documentWords } from './search-words.js';
import { CHAT_SPAN_TYPES, MODEL_SPAN_TYPES, SEARCH_TEXT_MAX_CHARS, TRACE_NAME_TAG } from './trace-rows.js';

/**
 * The search documents of the traces (trace-rows.ts searchDocument): the distinct request / response previews of
 * roots and model calls in span order, cut. Read first, so the bridge splits their words (search-words.ts) for the
 * recompute below: the database never runs a text-search parser on a write.
 */
const SEARCH_TEXTS_SQL = `
WITH search_parts AS (
  SELECT DISTINCT ON (sp.trace_id, p.text) sp.trace_id, p.text, sp.start_time_unix_nano AS ns, sp.span_id, p.ord
  FROM unnest($1::text[]) AS ids(trace_id)
  JOIN spans sp ON sp.trace_id = ids.trace_id
  CROSS JOIN LATERAL unnest(ARRAY[sp.request_preview, sp.response_preview]) WITH ORDINALITY AS p (text, ord)
  WHERE p.text <> '' AND (sp.parent_span_id IS NULL OR sp.span_type = ANY($3::text[]))
  ORDER BY sp.trace_id, p.text, sp.start_time_unix_nano, sp.span_id, p.ord
)
SELECT trace_id, left(string_agg(text, E'\\n' ORDER BY ns, span_id, ord), $2::integer) AS search_text
FROM search_parts GROUP BY trace_id
`;

const RECOMPUTE_TRACES_SQL = `
WITH s AS MATERIALIZED (
  -- Only the columns the aggregates read (the content columns are large), and a join on the id list rather than
  -- "= ANY": the planner then walks the primary key per trace instead of scanning the table.
  SELECT sp.trace_id, sp.span_id, sp.parent_span_id, sp.experiment_id, sp.name, sp.status, sp.span_type, sp.model,
    sp.start_time, sp.end_time, sp.start_time_unix_nano, sp.end_time_unix_nano,
    sp.input_tokens, sp.output_tokens, sp.total_tokens, sp.request_preview, sp.response_preview,
    sp.session_id, sp.user_id, sp.trace_tags, sp.trace_metadata,
    sp.span_type = ANY($2::text[]) AS is_model,
    (sp.input_tokens IS NOT NULL OR sp.output_tokens IS NOT NULL OR sp.total_tokens IS NOT NULL) AS has_usage
  FROM unnest($1::text[]) AS ids(trace_id)
  JOIN spans sp ON sp.trace_id = ids.trace_id
),
root AS (
  SELECT DISTINCT ON (trace_id) trace_id, span_id, name, status, request_preview, response_preview,
    session_id, user_id
  FROM s WHERE parent_span_id IS NULL
  ORDER BY trace_id, start_time_unix_nano, span_id
),
agg AS (
  SELECT trace_id,
    min(experiment_id) AS experiment_id,
    min(start_time) AS start_time,
    max(end_time) AS end_time,
    min(start_time_unix_nano) AS start_ns,
    max(end_time_unix_nano) AS end_ns,
    count(*) AS span_count,
    count(*) FILTER (WHERE status = 'ERROR') AS error_count,
    bool_or(is_model AND has_usage) AS model_usage,
    sum(input_tokens) FILTER (WHERE is_model) AS model_in,
    sum(output_tokens) FILTER (WHERE is_model) AS model_out,
    sum(total_tokens) FILTER (WHERE is_model) AS model_total,
    sum(input_tokens) AS all_in,
    sum(output_tokens) AS all_out,
    sum(total_tokens) AS all_total,
    array_agg(DISTINCT span_type COLLATE "C" ORDER BY span_type COLLATE "C") AS span_types,
    coalesce(array_agg(DISTINCT model COLLATE "C" ORDER BY model COLLATE "C") FILTER (WHERE model IS NOT NULL),
      '{}') AS models
  FROM s GROUP BY trace_id
),
-- Each trace's search document and its words (SEARCH_TEXTS_SQL, then search-words.ts), space-separated: words
-- hold no space.
search AS (
  SELECT * FROM unnest($1::text[], $4::text[], $5::text[]) AS se(trace_id, search_text, words)
),
first_span AS (
  SELECT DISTINCT ON (trace_id) trace_id, name FROM s ORDER BY trace_id, start_time_unix_nano, span_id
),
first_request AS (
  SELECT DISTINCT ON (trace_id) trace_id, request_preview FROM s
  WHERE request_preview IS NOT NULL ORDER BY trace_id, start_time_unix_nano, span_id
),
last_response AS (
  SELECT DISTINCT ON (trace_id) trace_id, response_preview FROM s
  WHERE response_preview IS NOT NULL ORDER BY trace_id, end_time_unix_nano DESC, span_id DESC
),
first_session AS (
  SELECT DISTINCT ON (trace_id) trace_id, session_id FROM s
  WHERE session_id IS NOT NULL ORDER BY trace_id, start_time_unix_nano, span_id
),
first_user AS (
  SELECT DISTINCT ON (trace_id) trace_id, user_id FROM s
  WHERE user_id IS NOT NULL ORDER BY trace_id, start_time_unix_nano, span_id
),
-- Later keys win; the root's tags are applied last so they win over its descendants'.
tag_rows AS (
  SELECT s.trace_id, t.key, t.value,
    (s.parent_span_id IS NULL) AS is_root, s.start_time_unix_nano, s.span_id
  FROM s, jsonb_each(s.trace_tags) AS t
),
tags AS (
  SELECT trace_id, jsonb_object_agg(key, value ORDER BY is_root, start_time_unix_nano, span_id) AS tags
  FROM tag_rows GROUP BY trace_id
),
meta_rows AS (
  SELECT s.trace_id, m.key, m.value,
    (s.parent_span_id IS NULL) AS is_root, s.start_time_unix_nano, s.span_id
  FROM s, jsonb_each(s.trace_metadata) AS m
),
meta AS (
  SELECT trace_id, jsonb_object_agg(key, value ORDER BY is_root, start_time_unix_nano, span_id) AS metadata
  FROM meta_rows GROUP BY trace_id
)
INSERT INTO traces AS t (
  trace_id, experiment_id, name, state, start_time, end_time, start_time_unix_nano, end_time_unix_nano,
  duration_ms, request_preview, response_preview, root_span_id, span_count, error_count,
  input_tokens, output_tokens, total_tokens, session_id, user_id, tags, metadata, run_id, search_text,
  span_types, models, search_vector
)
SELECT
  a.trace_id,
  a.experiment_id,
  coalesce(
    CASE WHEN jsonb_typeof(tg.tags -> $3::text) = 'string' THEN nullif(tg.tags ->> $3::text, '') END,
    r.name, f.name),
  CASE WHEN r.span_id IS NULL THEN 'IN_PROGRESS' WHEN r.status = 'ERROR' THEN 'ERROR' ELSE 'OK' END,
  a.start_time,
  a.end_time,
  a.start_ns,
  a.end_ns,
  greatest(a.end_ns - a.start_ns, 0) / 1e6,
  coalesce(r.request_preview, fr.request_preview),
  coalesce(r.response_preview, lr.response_preview),
  r.span_id,
  a.span_count,
  a.error_count,
  CASE WHEN a.model_usage THEN a.model_in ELSE a.all_in END,
  CASE WHEN a.model_usage THEN a.model_out ELSE a.all_out END,
  CASE WHEN a.model_usage THEN a.model_total ELSE a.all_total END,
  coalesce(r.session_id, fs.session_id),
  coalesce(r.user_id, fu.user_id),
  coalesce(tg.tags, '{}'::jsonb),
  coalesce(m.metadata, '{}'::jsonb),
  -- A trace's first row starts it as a run of one; run_id is never updated here (runs.ts owns it).
  a.trace_id,
  se.search_text,
  a.span_types,
  a.models,
  array_to_tsvector(string_to_array(coalesce(se.words, ''), ' '))
FROM agg a
LEFT JOIN root r USING (trace_id)
LEFT JOIN first_span f USING (trace_id)
LEFT JOIN first_request fr USING (trace_id)
LEFT JOIN last_response lr USING (trace_id)
LEFT JOIN first_session fs USING (trace_id)
LEFT JOIN first_user fu USING (trace_id)
LEFT JOIN tags tg USING (trace_id)
LEFT JOIN meta m USING (trace_id)
LEFT JOIN search se USING (trace_id)
ON CONFLICT (trace_id) DO UPDATE SET
  name = EXCLUDED.name,
  state = EXCLUDED.state,
  start_time = EXCLUDED.start_time,
  end_time = EXCLUDED.end_time,
  start_time_unix_nano = EXCLUDED.start_time_unix_nano,
  end_time_unix_nano = EXCLUDED.end_time_unix_nano,
  duration_ms = EXCLUDED.duration_ms,
  request_preview = EXCLUDED.request_preview,
  response_preview = EXCLUDED.response_preview,
  root_span_id = EXCLUDED.root_span_id,
  span_count = EXCLUDED.span_count,
  error_count = EXCLUDED.error_count,
  input_tokens = EXCLUDED.input_tokens,
  output_tokens = EXCLUDED.output_tokens,
  total_tokens = EXCLUDED.total_tokens,
  session_id = EXCLUDED.session_id,
  user_id = EXCLUDED.user_id,
  tags = EXCLUDED.tags,
  metadata = EXCLUDED.metadata,
  search_text = EXCLUDED.search_text,
  span_types = EXCLUDED.span_types,
  models = EXCLUDED.models,
  search_vector = EXCLUDED.search_vector,
  updated_at = now()
`;

/** Recomputes the trace rows of `traceIds` (which the caller has locked) from their spans. */
export async function recomputeTraces(tx: Queryable, traceIds: string[]): Promise<void> {
  if (traceIds.length === 0) return;
  const found = await tx.query<{ trace_id: string; search_text: string }>(SEARCH_TEXTS_SQL, [
    traceIds,
    SEARCH_TEXT_MAX_CHARS,
    CHAT_SPAN_TYPES,
  ]);
  const texts = new Map(found.rows.map((r) => [r.trace_id, r.search_text]));
  const searchTexts = traceIds.map((id) => texts.get(id) ?? null);
  const words = searchTexts.map((t) => (t === null ? null : documentWords(t).join(' ')));
  await tx.query(RECOMPUTE_TRACES_SQL, [traceIds, MODEL_SPAN_TYPES, TRACE_NAME_TAG, searchTexts, words]);
}
