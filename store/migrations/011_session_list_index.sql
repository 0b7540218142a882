-- The sessions list (store/read/group-rows.ts) sums each listed session's traces on every read: a session of
-- thousands of traces made a page of 50 sessions read ~100,000 trace rows from the heap (1.4–1.7 s through the
-- `sessions` view, which also sorts them for its first / last previews). Two indexes make that page read index
-- entries instead (docs/performance.md, "Runs and sessions lists"):
--
-- The session index carries what the list sums, so the sums are an index-only scan. Same key as 008's index,
-- which it replaces: it serves everything that one did, only its entries are wider.
CREATE INDEX traces_session_cover_idx ON traces (session_id, experiment_id, start_time DESC, trace_id DESC)
  INCLUDE (end_time, error_count, input_tokens, output_tokens, total_tokens)
  WHERE session_id IS NOT NULL;
DROP INDEX IF EXISTS traces_session_start_id_idx;
-- The session's last response (the `sessions` view's: of the latest-ending trace that has one) is the first entry
-- here, one probe, instead of a sort of every trace of the session.
CREATE INDEX traces_session_response_idx ON traces (session_id, experiment_id, end_time_unix_nano DESC, trace_id DESC)
  WHERE session_id IS NOT NULL AND response_preview IS NOT NULL;
