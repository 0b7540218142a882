-- The read side (the web explorer's list, /api/v1/traces): what each list filter needs to answer from an index
-- instead of walking the newest traces until enough match (docs/api.md, docs/performance.md).
--
-- Three columns of the trace row, written with it (store/trace-rows.ts in JS, store/trace-aggregate.ts in SQL):
--   search_text  one compact search document per trace: the distinct request and response previews of its
--                root spans and model calls (user and assistant text: the last user message and the reply, each
--                at most 1000 characters), in span order, cut at 4000 characters. Full-text indexed below (`q`).
--   span_types   the distinct span types of the trace, sorted ("has a RETRIEVER span").
--   models       the distinct models of the trace's spans, sorted (shown in the list without reading spans).
ALTER TABLE traces ADD COLUMN search_text text;
ALTER TABLE traces ADD COLUMN span_types text[] NOT NULL DEFAULT '{}';
ALTER TABLE traces ADD COLUMN models text[] NOT NULL DEFAULT '{}';

-- Keyset pagination orders by (start_time DESC, trace_id DESC): the indexes hold exactly that order, so a page is
-- an index range whatever page it is. They replace 001's indexes, which lacked the trace_id tie-breaker.
CREATE INDEX traces_start_id_idx ON traces (start_time DESC, trace_id DESC);
CREATE INDEX traces_experiment_start_id_idx ON traces (experiment_id, start_time DESC, trace_id DESC);
DROP INDEX IF EXISTS traces_start_idx;
DROP INDEX IF EXISTS traces_experiment_start_idx;

-- The newest trace of a run / a session, one index probe (the runs and sessions lists place each group at its
-- newest trace). They serve `WHERE run_id = …` / `WHERE session_id = …` as the indexes they replace did.
CREATE INDEX traces_run_start_id_idx ON traces (run_id, start_time DESC, trace_id DESC);
DROP INDEX IF EXISTS traces_run_idx;
CREATE INDEX traces_session_start_id_idx ON traces (session_id, experiment_id, start_time DESC, trace_id DESC)
  WHERE session_id IS NOT NULL;
DROP INDEX IF EXISTS traces_session_idx;

-- "Newest 50 with state X": a rare state no longer walks the whole table.
CREATE INDEX traces_state_start_id_idx ON traces (state, start_time DESC, trace_id DESC);
-- "Any failed span": partial, so it holds only the failing traces.
CREATE INDEX traces_failed_start_id_idx ON traces (start_time DESC, trace_id DESC) WHERE error_count > 0;
-- Tag key=value containment (tags @> '{"k":"v"}').
CREATE INDEX traces_tags_idx ON traces USING gin (tags jsonb_path_ops);
-- Span type present (span_types @> ARRAY['RETRIEVER']).
CREATE INDEX traces_span_types_idx ON traces USING gin (span_types);
-- Minimum duration: a rare long trace is found by this index, a common one by walking the time order.
CREATE INDEX traces_duration_idx ON traces (duration_ms);

-- Existing traces get their new columns from their spans, by the rules the writer uses (trace-aggregate.ts).
WITH s AS (
  SELECT trace_id, span_id, parent_span_id, span_type, model, start_time_unix_nano, request_preview, response_preview
  FROM spans
),
search_parts AS (
  SELECT DISTINCT ON (s.trace_id, p.text) s.trace_id, p.text, s.start_time_unix_nano AS ns, s.span_id, p.ord
  FROM s CROSS JOIN LATERAL unnest(ARRAY[s.request_preview, s.response_preview]) WITH ORDINALITY AS p (text, ord)
  WHERE p.text <> '' AND (s.parent_span_id IS NULL OR s.span_type IN ('LLM', 'CHAT_MODEL'))
  ORDER BY s.trace_id, p.text, s.start_time_unix_nano, s.span_id, p.ord
),
search AS (
  SELECT trace_id, left(string_agg(text, E'\n' ORDER BY ns, span_id, ord), 4000) AS search_text
  FROM search_parts GROUP BY trace_id
),
kinds AS (
  SELECT trace_id,
    array_agg(DISTINCT span_type COLLATE "C" ORDER BY span_type COLLATE "C") AS span_types,
    coalesce(array_agg(DISTINCT model COLLATE "C" ORDER BY model COLLATE "C") FILTER (WHERE model IS NOT NULL),
      '{}') AS models
  FROM s GROUP BY trace_id
)
UPDATE traces t SET span_types = k.span_types, models = k.models, search_text = se.search_text
FROM kinds k LEFT JOIN search se USING (trace_id)
WHERE k.trace_id = t.trace_id;

-- Text search: full-text over the search document with the 'simple' configuration (no stemming, no stop words:
-- prompts are in any language). Built in, no extension: it runs on every Postgres and on the embedded one. The
-- vector is stored (a generated column) rather than only indexed: a list that walks the newest traces checking
-- the vector then reads it instead of parsing the document again for every row it looks at. Without positions
-- (strip): searches are for words, not phrases, and the vector is then about half the size, more often kept in
-- the row instead of a TOAST table.
ALTER TABLE traces ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (strip(to_tsvector('simple'::regconfig, coalesce(search_text, '')))) STORED;
CREATE INDEX traces_search_idx ON traces USING gin (search_vector);
-- lz4 where the server has it, as for the spans' content (005): cheaper to decompress when a list checks rows.
DO $$
BEGIN
  EXECUTE 'ALTER TABLE traces ALTER COLUMN search_text SET COMPRESSION lz4';
  EXECUTE 'ALTER TABLE traces ALTER COLUMN search_vector SET COMPRESSION lz4';
EXCEPTION
  WHEN feature_not_supported OR invalid_parameter_value OR undefined_object THEN
    RAISE NOTICE 'lz4 compression is not available on this server; keeping pglz';
END
$$;
