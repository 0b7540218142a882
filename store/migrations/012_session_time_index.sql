-- The trace list's `session` filter (`/api/v1/traces?session=…`, newest first): 008's session index leads with
-- (session_id, experiment_id), which serves the sessions list but not this order, so the planner walked the time
-- index checking each trace's session (1.5 s at 1,000,000 traces for a session far from the newest; docs/performance.md).
CREATE INDEX traces_session_time_idx ON traces (session_id, start_time DESC, trace_id DESC) WHERE session_id IS NOT NULL;
