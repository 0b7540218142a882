/** `bench:read --synthetic` and the ingest runs' pre-filled databases (`--ingest-base`): trace rows written by SQL. */
import type pg from 'pg';
import { WORDS } from './workload.js';

/**
 * Trace rows written by SQL (no spans: the list reads only `traces`), 3 experiments, 1 in 500
 * traces ERROR, 1 in 50 with a failed span, tags env=prod|staging|dev and 1 in 1000 a rare tag, span types with a
 * rare RETRIEVER (1 in 200), lognormal-ish durations, sessions of 10 traces, and a search document of 60 words from
 * the workload's vocabulary plus a word in 1 of 50 and one in 1 of 1000. Much faster than loading a million
 * traces through the bridge on a shared machine; the indexes and the queries are the same.
 */
export async function fillSynthetic(client: pg.Client, traces: number): Promise<void> {
  const words = WORDS.map((w) => `'${w}'`).join(',');
  await client.query(
    `INSERT INTO experiments (experiment_id, name) VALUES (1, 'agents-prod'), (2, 'agents-staging')
     ON CONFLICT DO NOTHING`,
  );
  const batch = 100_000;
  for (let lo = 0; lo < traces; lo += batch) {
    const hi = Math.min(traces, lo + batch);
    await client.query(
      `INSERT INTO traces (trace_id, experiment_id, name, state, start_time, end_time, start_time_unix_nano,
         end_time_unix_nano, duration_ms, request_preview, response_preview, root_span_id, span_count, error_count,
         input_tokens, output_tokens, total_tokens, session_id, tags, run_id, search_text, span_types, models,
         search_vector)
       SELECT id, i % 3, 'invoke_agent research_assistant', CASE WHEN i % 500 = 0 THEN 'ERROR' ELSE 'OK' END,
         st, st + d * interval '1 ms', ns, ns + (d * 1e6)::bigint, d, left(doc, 200), right(doc, 200),
         substr(id, 1, 16), 6, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, 900, 300, 1200,
         'conv_' || (i / 10), jsonb_build_object('env', (ARRAY['prod','staging','dev'])[1 + i % 3])
           || CASE WHEN i % 1000 = 7 THEN '{"ticket":"rare"}'::jsonb ELSE '{}'::jsonb END,
         id, doc,
         CASE WHEN i % 200 = 3 THEN ARRAY['AGENT','CHAT_MODEL','RETRIEVER','TOOL'] ELSE ARRAY['AGENT','CHAT_MODEL','TOOL'] END,
         ARRAY['gpt-4o'],
         -- The document is lowercase words and single spaces: its words by the bridge's rule (search-words.ts).
         array_to_tsvector(string_to_array(doc, ' '))
       FROM (
         SELECT i, md5(i::text || 'trace') AS id,
           '2025-01-01T00:00:00Z'::timestamptz + i * interval '30 ms' AS st,
           (extract(epoch FROM '2025-01-01T00:00:00Z'::timestamptz) * 1e9)::bigint + i::bigint * 30000000 AS ns,
           round((200 + 800 * exp(random() * 3))::numeric, 3)::float8 AS d,
           (SELECT string_agg((ARRAY[${words}]::text[])[1 + floor(random() * ${WORDS.length})::int], ' ')
              FROM generate_series(1, 60) g WHERE i IS NOT NULL)
             || CASE WHEN i % 50 = 1 THEN ' marimba' ELSE '' END
             || CASE WHEN i % 1000 = 2 THEN ' xylophone' ELSE '' END AS doc
         FROM generate_series($1::bigint, $2::bigint - 1) i
       ) x`,
      [lo, hi],
    );
    process.stdout.write(`\rwrote ${hi} trace rows   `);
  }
  console.log();
}
