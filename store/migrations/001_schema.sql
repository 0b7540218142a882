-- tracebridge schema v1. The tables are the product's public API: every column is documented in docs/schema.md.
-- OTLP's uint32 fields (flags, dropped counts) are bigint: integer cannot hold 2^31 .. 2^32-1.

CREATE TABLE experiments (
  experiment_id bigint PRIMARY KEY,
  name          text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  tags          jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- 0 is the Default experiment; experiments created by name count up from 1.
CREATE SEQUENCE experiments_id_seq START 1 OWNED BY experiments.experiment_id;
INSERT INTO experiments (experiment_id, name) VALUES (0, 'Default');

CREATE TABLE traces (
  trace_id              text PRIMARY KEY CHECK (trace_id ~ '^[0-9a-f]{32}$'),
  experiment_id         bigint NOT NULL REFERENCES experiments (experiment_id),
  name                  text,
  state                 text NOT NULL CHECK (state IN ('IN_PROGRESS', 'OK', 'ERROR')),
  start_time            timestamptz,
  end_time              timestamptz,
  start_time_unix_nano  bigint,
  end_time_unix_nano    bigint,
  duration_ms           double precision,
  request_preview       text,
  response_preview      text,
  root_span_id          text,
  span_count            integer NOT NULL,
  error_count           integer NOT NULL,
  input_tokens          bigint,
  output_tokens         bigint,
  total_tokens          bigint,
  session_id            text,
  user_id               text,
  tags                  jsonb NOT NULL DEFAULT '{}'::jsonb,
  metadata              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX traces_experiment_start_idx ON traces (experiment_id, start_time DESC);
CREATE INDEX traces_start_idx ON traces (start_time DESC);
CREATE INDEX traces_session_idx ON traces (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE spans (
  trace_id                  text NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
  span_id                   text NOT NULL CHECK (span_id ~ '^[0-9a-f]{16}$'),
  parent_span_id            text,
  experiment_id             bigint NOT NULL,
  name                      text NOT NULL,
  span_type                 text NOT NULL,
  kind                      text NOT NULL,
  status                    text NOT NULL CHECK (status IN ('UNSET', 'OK', 'ERROR')),
  status_message            text,
  start_time                timestamptz NOT NULL,
  end_time                  timestamptz NOT NULL,
  start_time_unix_nano      bigint NOT NULL,
  end_time_unix_nano        bigint NOT NULL,
  duration_ms               double precision NOT NULL,
  inputs                    jsonb,
  outputs                   jsonb,
  input_messages            jsonb,
  output_messages           jsonb,
  model                     text,
  provider                  text,
  request_params            jsonb,
  finish_reasons            text[],
  response_id               text,
  tool_name                 text,
  tool_call_id              text,
  agent_name                text,
  session_id                text,
  user_id                   text,
  error_type                text,
  input_tokens              bigint,
  output_tokens             bigint,
  total_tokens              bigint,
  cache_read_tokens         bigint,
  cache_write_tokens        bigint,
  reasoning_tokens          bigint,
  attributes                jsonb NOT NULL,
  events                    jsonb NOT NULL,
  links                     jsonb NOT NULL,
  resource_attributes       jsonb NOT NULL,
  scope_name                text,
  scope_version             text,
  scope_attributes          jsonb NOT NULL,
  trace_state               text,
  flags                     bigint NOT NULL,
  dropped_attributes_count  bigint NOT NULL,
  dropped_events_count      bigint NOT NULL,
  dropped_links_count       bigint NOT NULL,
  request_preview           text,
  response_preview          text,
  trace_tags                jsonb,
  trace_metadata            jsonb,
  conventions               text[] NOT NULL,
  mapper_version            integer NOT NULL,
  ingested_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX spans_type_start_idx ON spans (span_type, start_time);
CREATE INDEX spans_model_start_idx ON spans (model, start_time) WHERE model IS NOT NULL;
CREATE INDEX spans_experiment_start_idx ON spans (experiment_id, start_time);
