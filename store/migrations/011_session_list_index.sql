-- The sessions list (store/read/group-rows.ts) sums each listed session's traces on every read: a session of
-- thousands of traces made a page of 50 sessions read ~100,000 trace rows from the heap (1.4–1.7 s through the
-- `sessions` view, which also sorts them for its first / last previews). Two indexes make that page read index
-- entries instead (docs/performance.md, "Runs and sessions lists"):
--
-- One session index, replacing 008's, keyed for one session's traces in time order (newest first for the trace
-- list's `session` filter across experiments, oldest first for a session's page) and carrying what the list sums,
-- so the sums are an index-only scan. experiment_id is carried rather than keyed: a session id in several
-- experiments is rare, and a filter on a carried column costs no heap read. One index where 008's and the time
-- order's would be two: every trace row with a session pays for each b-tree it enters (the read indexes' ingest
-- budget, docs/performance.md).
CREATE INDEX traces_session_time_idx ON traces (session_id, start_time DESC, trace_id DESC)
  INCLUDE (experiment_id, end_time, error_count, input_tokens, output_tokens, total_tokens)
  WHERE session_id IS NOT NULL;
DROP INDEX IF EXISTS traces_session_start_id_idx;
-- The session's last response (the `sessions` view's: of the latest-ending trace that has one) is the first entry
-- here, one probe, instead of a sort of every trace of the session.
CREATE INDEX traces_session_response_idx ON traces (session_id, experiment_id, end_time_unix_nano DESC, trace_id DESC)
  WHERE session_id IS NOT NULL AND response_preview IS NOT NULL;
