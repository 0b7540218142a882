-- A read-only role for analysts: SELECT on every tracebridge table and view, now and in later migrations.
-- Grant it to a login role: CREATE ROLE alice LOGIN PASSWORD '…' IN ROLE tracebridge_reader;
-- Roles are cluster-wide and creating one needs CREATEROLE: where the bridge's user may not, or another database
-- on the server created it first, the migration still succeeds (and says so in a NOTICE).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracebridge_reader') THEN
    CREATE ROLE tracebridge_reader NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
  WHEN insufficient_privilege THEN
    RAISE NOTICE 'tracebridge_reader not created: this user lacks CREATEROLE';
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracebridge_reader') THEN
    EXECUTE 'GRANT USAGE ON SCHEMA public TO tracebridge_reader';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO tracebridge_reader';
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO tracebridge_reader';
  END IF;
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE NOTICE 'tracebridge_reader: grants skipped, this user may not grant them';
END
$$;
