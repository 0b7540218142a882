/**
 * `tracebridge remap [--experiment NAME] [--all] [--batch N]`: recomputes every mapped column and the trace
 * aggregates from the stored raw columns, after a mapper upgrade. Orchestrated here, in the composition root:
 * store reads the raw rows, the mapper maps them, store writes them back (the same upsert and trace recompute as
 * live ingest). By default only rows mapped by another mapper version are redone, so an interrupted run resumes
 * where it stopped; `--all` redoes every row.
 */
import type { Logger } from 'pino';
import { MAPPER_VERSION, mapSpan } from '../mapper/index.js';
import type {
  Attributes,
  DecodedEvent,
  DecodedLink,
  DecodedSpan,
  SpanInput,
  StatusCode,
} from '../mapper/otlp.js';
import type { SpanRecord } from '../store/columns.js';
import type { Database } from '../store/db.js';
import {
  countSpansToRemap,
  experimentIdByName,
  type RawSpanRow,
  readSpansToRemap,
} from '../store/remap-queries.js';
import { writeSpanBatch } from '../store/span-writer.js';

export interface RemapOptions {
  experiment?: string | undefined;
  all: boolean;
  batchSize: number;
  /** Progress line sink (stderr for humans). */
  progress: (line: string) => void;
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUSES = ['UNSET', 'OK', 'ERROR'];

/** A stored row back into the mapper's input: the inverse of the raw columns mapSpan writes. */
export function rawRowToSpanInput(row: RawSpanRow): SpanInput {
  const events = (row.events as Record<string, unknown>[]).map(
    (e): DecodedEvent => ({
      name: String(e.name ?? ''),
      timeUnixNano: BigInt(String(e.time_unix_nano ?? '0')),
      attributes: (e.attributes ?? {}) as Attributes,
      droppedAttributesCount: Number(e.dropped_attributes_count ?? 0),
    }),
  );
  const links = (row.links as Record<string, unknown>[]).map(
    (l): DecodedLink => ({
      traceId: String(l.trace_id ?? ''),
      spanId: String(l.span_id ?? ''),
      traceState: String(l.trace_state ?? ''),
      flags: Number(l.flags ?? 0),
      attributes: (l.attributes ?? {}) as Attributes,
      droppedAttributesCount: Number(l.dropped_attributes_count ?? 0),
    }),
  );
  const span: DecodedSpan = {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id ?? '',
    traceState: row.trace_state ?? '',
    flags: row.flags,
    name: row.name,
    kind: Math.max(0, KINDS.indexOf(row.kind)),
    startTimeUnixNano: BigInt(row.start_time_unix_nano),
    endTimeUnixNano: BigInt(row.end_time_unix_nano),
    attributes: row.attributes as Attributes,
    droppedAttributesCount: row.dropped_attributes_count,
    events,
    droppedEventsCount: row.dropped_events_count,
    links,
    droppedLinksCount: row.dropped_links_count,
    status: {
      code: Math.max(0, STATUSES.indexOf(row.status)) as StatusCode,
      message: row.status_message ?? '',
    },
  };
  return {
    span,
    resource: row.resource_attributes as Attributes,
    scope: {
      name: row.scope_name ?? '',
      version: row.scope_version ?? '',
      attributes: row.scope_attributes as Attributes,
    },
  };
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
      return mapped as unknown as SpanRecord;
    });
    await db.transaction((tx) => writeSpanBatch(tx, records));
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
