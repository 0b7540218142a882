-- Fewer indexes on the write path. Each secondary btree on spans costs about a tenth of the COPY that ingests a
-- span (bench: spans COPY with only the primary key is 25–50 % faster, docs/performance.md), and the three below
-- served queries that have better routes:
--   * by experiment: traces (experiment_id, start_time) finds the traces, the primary key their spans;
--   * by span type or model over a time range: spans arrive in roughly time order, so a BRIN index on start_time
--     (a few bytes per 32 pages, nearly free to maintain) narrows the scan to the pages of that range.
DROP INDEX IF EXISTS spans_type_start_idx;
DROP INDEX IF EXISTS spans_model_start_idx;
DROP INDEX IF EXISTS spans_experiment_start_idx;
CREATE INDEX spans_start_brin ON spans USING brin (start_time) WITH (pages_per_range = 32, autosummarize = on);
