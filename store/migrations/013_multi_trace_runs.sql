-- The runs list with a filter on the run (`errors`, `state`: store/read/group-walk.ts) walks the filter's traces in
-- list order and takes each as its run's newest trace, which holds for a run of one trace; the runs of several
-- traces are found here and placed by a probe each. A run of n traces has n - 1 traces whose run_id is not their
-- trace_id (run_id is the run's smallest trace id, migration 007), so the distinct run_ids of this index are
-- exactly the runs of more than one trace.
--
-- Partial: a trace is written with run_id = trace_id (a run of one) and enters the index only when the writer
-- relabels it into a larger run (store/runs.ts) — an update that changes run_id, an indexed column, so it already
-- writes new entries in every index of the table. Traces linked to nothing never enter it.
CREATE INDEX traces_multi_trace_run_idx ON traces (run_id) WHERE run_id <> trace_id;
