-- Large columns compress with lz4 where the server supports it: several times cheaper to write than the default
-- pglz at a similar ratio for JSON (docs/performance.md). Servers built without lz4 (and the embedded PGlite) keep
-- pglz; the migration succeeds either way.
DO $$
DECLARE
  col text;
BEGIN
  FOREACH col IN ARRAY ARRAY['attributes', 'inputs', 'outputs', 'input_messages', 'output_messages', 'events',
                             'links', 'resource_attributes', 'scope_attributes', 'request_params', 'trace_tags',
                             'trace_metadata', 'assessments', 'request_preview', 'response_preview']
  LOOP
    EXECUTE format('ALTER TABLE spans ALTER COLUMN %I SET COMPRESSION lz4', col);
  END LOOP;
  EXECUTE 'ALTER TABLE genai_events ALTER COLUMN body SET COMPRESSION lz4';
  EXECUTE 'ALTER TABLE genai_events ALTER COLUMN attributes SET COMPRESSION lz4';
EXCEPTION
  WHEN feature_not_supported OR invalid_parameter_value OR undefined_object THEN
    RAISE NOTICE 'lz4 compression is not available on this server; keeping pglz';
END
$$;
