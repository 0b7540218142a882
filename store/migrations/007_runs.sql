-- Runs, sessions and derived tool-call content (docs/schema.md).
--
-- A run is a set of traces joined by span links (a span of trace B linking to a span of trace A puts A and B in one
-- run, transitively, within one experiment). traces.run_id names it: the smallest trace_id of the run's traces, so
-- it is a function of the stored spans alone, and a trace linked to nothing is a run of one (run_id = trace_id).
-- The writer keeps it current (store/runs.ts); trace_links holds the links between traces it is computed from.

-- Every span link that points to another trace, one row per (linking span, linked span): derived from
-- spans.links, kept in step with it by the writer. A link may name a trace not stored (yet); it joins the two
-- traces' runs once that trace arrives in the same experiment.
CREATE TABLE trace_links (
  trace_id          text NOT NULL,
  span_id           text NOT NULL,
  linked_trace_id   text NOT NULL,
  linked_span_id    text NOT NULL,
  -- The linking trace's experiment: a link to a trace of another experiment joins nothing.
  experiment_id     bigint NOT NULL,
  PRIMARY KEY (trace_id, span_id, linked_trace_id, linked_span_id)
);
-- "Which stored spans link to this trace?" — asked for every trace the writer stores for the first time.
CREATE INDEX trace_links_linked_idx ON trace_links (linked_trace_id);

ALTER TABLE traces ADD COLUMN run_id text;
UPDATE traces SET run_id = trace_id;
ALTER TABLE traces ALTER COLUMN run_id SET NOT NULL;
CREATE INDEX traces_run_idx ON traces (run_id);

-- Tool spans whose arguments or result the writer filled from other spans of the trace (chat messages with the
-- same tool_call_id): which columns, and from where. NULL when every value is as sent.
ALTER TABLE spans ADD COLUMN derived jsonb;

-- Links already stored: their rows, then each connected component labelled with its smallest trace id (label
-- propagation with pointer jumping, so a long chain of linked traces takes few rounds).
INSERT INTO trace_links (trace_id, span_id, linked_trace_id, linked_span_id, experiment_id)
SELECT DISTINCT s.trace_id, s.span_id, l.value ->> 'trace_id', l.value ->> 'span_id', s.experiment_id
FROM spans s
CROSS JOIN LATERAL jsonb_array_elements(
  CASE WHEN jsonb_typeof(s.links) = 'array' THEN s.links ELSE '[]'::jsonb END
) AS l(value)
WHERE jsonb_typeof(s.links) = 'array' AND s.links <> '[]'::jsonb
  AND l.value ->> 'trace_id' ~ '^[0-9a-f]{32}$' AND l.value ->> 'span_id' ~ '^[0-9a-f]{16}$'
  AND l.value ->> 'trace_id' <> s.trace_id;

DO $$
DECLARE
  changed bigint;
  jumped bigint;
BEGIN
  LOOP
    WITH edge AS (
      SELECT a.trace_id AS x, b.run_id AS r
      FROM trace_links l
      JOIN traces a ON a.trace_id = l.trace_id
      JOIN traces b ON b.trace_id = l.linked_trace_id AND b.experiment_id = a.experiment_id
      UNION ALL
      SELECT b.trace_id, a.run_id
      FROM trace_links l
      JOIN traces a ON a.trace_id = l.trace_id
      JOIN traces b ON b.trace_id = l.linked_trace_id AND b.experiment_id = a.experiment_id
    ),
    best AS (SELECT x, min(r) AS r FROM edge GROUP BY x)
    UPDATE traces t SET run_id = best.r FROM best WHERE t.trace_id = best.x AND best.r < t.run_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    UPDATE traces t SET run_id = p.run_id FROM traces p WHERE p.trace_id = t.run_id AND p.run_id < t.run_id;
    GET DIAGNOSTICS jumped = ROW_COUNT;
    EXIT WHEN changed = 0 AND jumped = 0;
  END LOOP;
END
$$;

-- One row per run. Columns are appended, never renamed or removed (as for every view).
CREATE VIEW runs AS
SELECT
  t.run_id,
  min(t.experiment_id) AS experiment_id,
  -- The first trace's name: the run's first trace (earliest start, then smallest id) is the one that started it.
  (array_agg(t.name ORDER BY t.start_time_unix_nano, t.trace_id))[1] AS name,
  min(t.start_time) AS start_time,
  max(t.end_time) AS end_time,
  (greatest(max(t.end_time_unix_nano) - min(t.start_time_unix_nano), 0) / 1e6)::double precision AS duration_ms,
  count(*) AS trace_count,
  sum(t.span_count)::bigint AS span_count,
  -- Failed spans in all of the run's traces (traces.error_count summed).
  sum(t.error_count)::bigint AS error_count,
  sum(t.input_tokens)::bigint AS input_tokens,
  sum(t.output_tokens)::bigint AS output_tokens,
  sum(t.total_tokens)::bigint AS total_tokens,
  (array_agg(t.request_preview ORDER BY t.start_time_unix_nano, t.trace_id)
     FILTER (WHERE t.request_preview IS NOT NULL))[1] AS request_preview,
  (array_agg(t.response_preview ORDER BY t.end_time_unix_nano DESC, t.trace_id DESC)
     FILTER (WHERE t.response_preview IS NOT NULL))[1] AS response_preview,
  CASE
    WHEN bool_or(t.state = 'IN_PROGRESS') THEN 'IN_PROGRESS'
    WHEN bool_or(t.state = 'ERROR') THEN 'ERROR'
    ELSE 'OK'
  END AS state,
  min(t.start_time_unix_nano) AS start_time_unix_nano,
  max(t.end_time_unix_nano) AS end_time_unix_nano,
  (array_agg(t.trace_id ORDER BY t.start_time_unix_nano, t.trace_id))[1] AS first_trace_id,
  count(*) FILTER (WHERE t.error_count > 0) AS failed_trace_count,
  (array_agg(t.session_id ORDER BY t.start_time_unix_nano, t.trace_id)
     FILTER (WHERE t.session_id IS NOT NULL))[1] AS session_id,
  (array_agg(t.user_id ORDER BY t.start_time_unix_nano, t.trace_id)
     FILTER (WHERE t.user_id IS NOT NULL))[1] AS user_id,
  max(t.updated_at) AS updated_at
FROM traces t
GROUP BY t.run_id;

-- One row per session (traces.session_id) and experiment.
CREATE VIEW sessions AS
SELECT
  t.session_id,
  t.experiment_id,
  min(t.start_time) AS start_time,
  max(t.end_time) AS end_time,
  (greatest(max(t.end_time_unix_nano) - min(t.start_time_unix_nano), 0) / 1e6)::double precision AS duration_ms,
  count(*) AS trace_count,
  count(DISTINCT t.run_id) AS run_count,
  sum(t.span_count)::bigint AS span_count,
  sum(t.error_count)::bigint AS error_count,
  sum(t.input_tokens)::bigint AS input_tokens,
  sum(t.output_tokens)::bigint AS output_tokens,
  sum(t.total_tokens)::bigint AS total_tokens,
  (array_agg(t.request_preview ORDER BY t.start_time_unix_nano, t.trace_id)
     FILTER (WHERE t.request_preview IS NOT NULL))[1] AS request_preview,
  (array_agg(t.response_preview ORDER BY t.end_time_unix_nano DESC, t.trace_id DESC)
     FILTER (WHERE t.response_preview IS NOT NULL))[1] AS response_preview,
  (array_agg(t.user_id ORDER BY t.start_time_unix_nano, t.trace_id)
     FILTER (WHERE t.user_id IS NOT NULL))[1] AS user_id,
  min(t.start_time_unix_nano) AS start_time_unix_nano,
  max(t.end_time_unix_nano) AS end_time_unix_nano,
  max(t.updated_at) AS updated_at
FROM traces t
WHERE t.session_id IS NOT NULL
GROUP BY t.session_id, t.experiment_id;
