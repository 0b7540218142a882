-- GenAI events received as OTLP log records (gen_ai.user.message, gen_ai.choice, gen_ai.evaluation.result, …),
-- joined to their spans: a span's mapped columns are computed from its own attributes and span events plus the
-- events stored here for it (docs/mapping.md, "Events sent as logs").

CREATE TABLE genai_events (
  -- SHA-256 of the record's identity (ids, name, timestamps, body, attributes): a re-sent record is stored once.
  event_key                 text PRIMARY KEY,
  trace_id                  text,
  span_id                   text,
  experiment_id             bigint NOT NULL,
  event_name                text NOT NULL,
  time                      timestamptz NOT NULL,
  time_unix_nano            bigint NOT NULL,
  observed_time_unix_nano   bigint NOT NULL,
  severity_number           integer NOT NULL,
  severity_text             text,
  body                      jsonb,
  attributes                jsonb NOT NULL,
  resource_attributes       jsonb NOT NULL,
  scope_name                text,
  scope_version             text,
  ingested_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX genai_events_span_idx ON genai_events (trace_id, span_id);
CREATE INDEX genai_events_name_time_idx ON genai_events (event_name, time);

-- Evaluation results (gen_ai.evaluation.result events, sent as span events or as logs) kept on their span.
ALTER TABLE spans ADD COLUMN assessments jsonb;

-- One row per assessment.
CREATE VIEW assessments AS
SELECT
  s.trace_id,
  s.span_id,
  s.experiment_id,
  s.name AS span_name,
  s.span_type,
  a.value ->> 'name' AS name,
  (a.value ->> 'score')::double precision AS score,
  a.value ->> 'label' AS label,
  a.value ->> 'explanation' AS explanation,
  a.value ->> 'response_id' AS response_id,
  a.value ->> 'error_type' AS error_type,
  to_timestamp(((a.value ->> 'time_unix_nano')::numeric / 1e9)::double precision) AS time
FROM spans s
CROSS JOIN LATERAL jsonb_array_elements(s.assessments) AS a(value)
WHERE s.assessments IS NOT NULL;
