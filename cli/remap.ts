/**
 * `tracebridge remap [--experiment NAME] [--all] [--batch N]`: recomputes every mapped column and the trace
 * aggregates from the stored raw columns, after a mapper upgrade. Orchestrated here, in the composition root:
 * store reads the raw rows, the mapper maps them, store writes them back through live ingest's commit (the same
 * upsert, trace recompute and retries). By default only rows mapped by another mapper version are redone, so an interrupted run resumes
 * where it stopped; `--all` redoes every row.
 */
import type { Logger } from 'pino';
import { MAPPER_VERSION, mapSpan } from '../mapper/index.js';
import { joinEvents, rawRowToSpanInput } from '../pipeline/raw-span.js';
import { commitSpanBatch } from '../store/batch-writer.js';
import type { Database } from '../store/db.js';
import { encodeSpan } from '../store/encoded-span.js';
import { countSpansToRemap, experimentIdByName, readSpansToRemap } from '../store/raw-spans.js';

export interface RemapOptions {
  experiment?: string | undefined;
  all: boolean;
  batchSize: number;
  /** Progress line sink (stderr for humans). */
  progress: (line: string) => void;
}

export async function remap(db: Database, opts: RemapOptions, log: Logger): Promise<number> {
  let experimentId: string | undefined;
  if (opts.experiment !== undefined) {
    const id = await experimentIdByName(db, opts.experiment);
    if (id === null) throw new Error(`no experiment named ${JSON.stringify(opts.experiment)}`);
    experimentId = id;
  }
  const filter = { experimentId, notVersion: opts.all ? null : MAPPER_VERSION };
  const total = await countSpansToRemap(db, filter);
  opts.progress(`remap: ${total} spans to map with mapper version ${MAPPER_VERSION}`);
  let done = 0;
  let after: { traceId: string; spanId: string } | null = null;
  const started = Date.now();
  for (;;) {
    const rows = await readSpansToRemap(db, filter, after, opts.batchSize);
    if (rows.length === 0) break;
    const records = rows.map((row) => {
      const mapped = mapSpan(rawRowToSpanInput(row));
      mapped.experiment_id = row.experiment_id;
      return encodeSpan(mapped);
    });
    // The join re-maps the spans that have GenAI events stored as logs, with those events.
    await commitSpanBatch(db, records, joinEvents);
    done += rows.length;
    const last = rows[rows.length - 1]!;
    after = { traceId: last.trace_id, spanId: last.span_id };
    const pct = total ? Math.min(100, (100 * done) / total).toFixed(1) : '100.0';
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    opts.progress(`remap: ${done}/${total} spans (${pct}%), ${rate} spans/s`);
  }
  log.info({ spans: done, mapperVersion: MAPPER_VERSION }, 'remap finished');
  return done;
}
