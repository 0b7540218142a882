/**
 * The ceiling: the rows the bridge would write for the bench's requests, produced by the bridge's own decoder,
 * validation, limits and mapper, encoded by its own binary COPY encoder and COPYed straight into a fresh database
 * with the same schema (store/migrations) and indexes. No upsert, no trace recompute, no JSON parameter: what
 * Postgres itself can absorb on this machine.
 *
 * COPY FROM STDIN goes through node-postgres with a small hand-rolled "submittable" (pg-copy-streams is not a
 * dependency): pg hands it the connection when the server answers CopyInResponse, and it writes CopyData
 * messages, respecting the socket's backpressure, then CopyDone.
 */
import type pg from 'pg';
import { mapSpan } from '../mapper/index.js';
import { isoMicros } from '../mapper/time.js';
import { decodeTraceRequestProtobufFast } from '../otlp/decode-protobuf.js';
import { limitSpan } from '../pipeline/limits.js';
import { invalidSpanReason, withoutZeroParent } from '../pipeline/validate.js';
import {
  SPAN_COLUMN_TYPES,
  type SpanColumn,
  type SpanRecord,
  TRACE_COLUMN_TYPES,
  TRACE_COLUMNS,
  type TraceRecord,
} from '../store/columns.js';
import { copyBinary } from '../store/copy-binary.js';
import { copyChunks, ENCODED_SPAN_COLUMNS, type EncodedSpan, encodeSpan } from '../store/encoded-span.js';
import { traceRowFromSpans } from '../store/trace-rows.js';
import { type IdScheme, instantiate, spanIdFor, type Template, timeShiftNs, traceIdFor } from './workload.js';

// ---- COPY FROM STDIN over node-postgres ----

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(msg: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

class CopyIn {
  callback?: (err: Error | null, rowCount?: number) => void;
  private error: Error | null = null;
  private rowCount = 0;

  constructor(
    private readonly text: string,
    private readonly chunks: Buffer[],
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    void (async () => {
      for (const chunk of this.chunks) {
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) {
          await new Promise<void>((resolve) => connection.stream.once('drain', () => resolve()));
        }
      }
      connection.endCopyFrom();
    })();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleError(err: Error): void {
    this.error = err;
  }

  handleReadyForQuery(): void {
    this.callback?.(this.error, this.rowCount);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Runs `COPY … FROM STDIN` with the given data; resolves with the row count. */
export function copyFrom(client: pg.Client | pg.PoolClient, sql: string, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const q = new CopyIn(sql, chunks);
    q.callback = (err, n) => (err ? reject(err) : resolve(n ?? 0));
    (client as unknown as { query(q: unknown): void }).query(q);
  });
}

// ---- COPY text format (the reference text encoder for bench/stages.ts and bench/copy-formats.ts) ----

export type ColumnType = 'jsonb' | 'array' | 'timestamptz' | 'scalar';

/** How the text encoder writes a span column, from the store's own column types. */
export function textKind(column: SpanColumn): ColumnType {
  const t = SPAN_COLUMN_TYPES[column];
  return t === 'jsonb' || t === 'timestamptz' ? t : t === 'text[]' ? 'array' : 'scalar';
}

const escapeCopy = (s: string): string =>
  s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));

function arrayLiteral(values: unknown[]): string {
  return `{${values
    .map((v) => (v === null ? 'NULL' : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`))
    .join(',')}}`;
}

export function copyCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  if (type === 'jsonb') return escapeCopy(JSON.stringify(value));
  if (type === 'array') return escapeCopy(arrayLiteral(value as unknown[]));
  // Rows carry nanoseconds (mapper/time.ts timestampColumn); COPY text takes the ISO form.
  if (type === 'timestamptz') return isoMicros(value as bigint);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return escapeCopy(String(value));
}

// ---- the rows of the bench's requests ----

type Row = Record<string, unknown>;

interface SpanTemplateRow {
  row: Row;
  traceIndex: number;
  spanIndex: number;
  parentIndex: number | null;
  startNs: bigint;
  endNs: bigint;
}

interface TraceTemplateRow {
  row: Row;
  traceIndex: number;
  rootIndex: number | null;
  startNs: bigint;
  endNs: bigint;
}

export interface RowFactory {
  spansPerRequest: number;
  tracesPerRequest: number;
  /** Average bytes of one span row in binary COPY. */
  spanRowBytes: number;
  /** Request `seq`'s span rows, encoded as the bridge encodes them (store/encoded-span.ts). */
  spanRows(seq: number): EncodedSpan[];
  /** Request `seq`'s trace rows, as the span writer builds them for new traces. */
  traceRows(seq: number): TraceRecord[];
}

/** Raw attributes whose content the mapper copies into inputs / outputs (GenAI semconv). */
const CONTENT_ATTRIBUTES: Record<string, 'inputs' | 'outputs'> = {
  'gen_ai.input.messages': 'inputs',
  'gen_ai.system_instructions': 'inputs',
  'gen_ai.tool.call.arguments': 'inputs',
  'gen_ai.output.messages': 'outputs',
  'gen_ai.tool.call.result': 'outputs',
};

function withoutContent(row: Row): unknown {
  const attrs = { ...(row.attributes as Record<string, unknown>) };
  for (const [key, column] of Object.entries(CONTENT_ATTRIBUTES)) {
    if (key in attrs && row[column] !== null) delete attrs[key];
  }
  return attrs;
}

/**
 * Maps request 0 of the template once, the way the pipeline does (validate, drop an all-zero parent, limit
 * attribute sizes, mapSpan); request `seq` then only swaps in its ids and shifted timestamps, exactly the fields
 * the load generator patches in the wire payload, and is encoded by the bridge's own encoder.
 */
export function rowFactory(opts: {
  template: Template;
  ids: IdScheme;
  baseShiftNs: bigint;
  experimentId: string;
  maxAttributeLength: number;
  /** What-if: drop from `attributes` the raw content attributes whose value inputs / outputs already hold. */
  contentOnce?: boolean;
}): RowFactory {
  const { template, ids } = opts;
  const decoded = decodeTraceRequestProtobufFast(instantiate(template, 'protobuf', ids, 0, opts.baseShiftNs));
  const rows: Row[] = [];
  for (const rs of decoded.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const raw of ss.spans) {
        if (invalidSpanReason(raw)) throw new Error('bench template produced an invalid span');
        const span = limitSpan(withoutZeroParent(raw), opts.maxAttributeLength);
        const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope }) as unknown as Row;
        row.experiment_id = opts.experimentId;
        if (opts.contentOnce) row.attributes = withoutContent(row);
        rows.push(row);
      }
    }
  }
  const shift0 = timeShiftNs(opts.baseShiftNs, 0);
  const traceIndexOf = new Map<string, number>();
  const spanIndexOf = new Map<string, number>();
  rows.forEach((r, j) => {
    if (!traceIndexOf.has(r.trace_id as string)) traceIndexOf.set(r.trace_id as string, traceIndexOf.size);
    spanIndexOf.set(`${r.trace_id}:${r.span_id}`, j);
  });
  const spanTemplates: SpanTemplateRow[] = rows.map((r, j) => ({
    row: r,
    traceIndex: traceIndexOf.get(r.trace_id as string)!,
    spanIndex: j,
    parentIndex:
      r.parent_span_id === null ? null : (spanIndexOf.get(`${r.trace_id}:${r.parent_span_id}`) ?? null),
    startNs: BigInt(r.start_time_unix_nano as string) - shift0,
    endNs: BigInt(r.end_time_unix_nano as string) - shift0,
  }));

  // Trace rows as the span writer builds them for new traces (store/trace-rows.ts).
  const byTrace = new Map<number, Row[]>();
  rows.forEach((r, j) => {
    const t = spanTemplates[j]!.traceIndex;
    byTrace.set(t, [...(byTrace.get(t) ?? []), r]);
  });
  const traceTemplates: TraceTemplateRow[] = [...byTrace.entries()].map(([traceIndex, spans]) => {
    const row = traceRowFromSpans(spans as unknown as SpanRecord[]) as Row | null;
    if (!row) throw new Error('bench trace rows must be computable in JS');
    const root = spans.find((s) => s.parent_span_id === null) ?? null;
    return {
      row,
      traceIndex,
      rootIndex: root ? spanIndexOf.get(`${root.trace_id}:${root.span_id}`)! : null,
      startNs: BigInt(row.start_time_unix_nano as string) - shift0,
      endNs: BigInt(row.end_time_unix_nano as string) - shift0,
    };
  });

  const spanRows = (seq: number): EncodedSpan[] => {
    const shift = timeShiftNs(opts.baseShiftNs, seq);
    return spanTemplates.map((t) => {
      const start = t.startNs + shift;
      const end = t.endNs + shift;
      return encodeSpan({
        ...t.row,
        trace_id: traceIdFor(ids, seq, t.traceIndex),
        span_id: spanIdFor(ids, seq, t.spanIndex),
        parent_span_id: t.parentIndex === null ? null : spanIdFor(ids, seq, t.parentIndex),
        start_time: start,
        end_time: end,
        start_time_unix_nano: start.toString(),
        end_time_unix_nano: end.toString(),
      } as SpanRecord);
    });
  };
  const sample = spanRows(0);
  return {
    spansPerRequest: spanTemplates.length,
    tracesPerRequest: traceTemplates.length,
    spanRowBytes: sample.reduce((n, s) => n + s.line.length, 0) / sample.length,
    spanRows,
    traceRows(seq) {
      const shift = timeShiftNs(opts.baseShiftNs, seq);
      return traceTemplates.map((t) => {
        const start = t.startNs + shift;
        const end = t.endNs + shift;
        const traceId = traceIdFor(ids, seq, t.traceIndex);
        return {
          ...t.row,
          trace_id: traceId,
          run_id: traceId,
          root_span_id: t.rootIndex === null ? null : spanIdFor(ids, seq, t.rootIndex),
          start_time: start,
          end_time: end,
          start_time_unix_nano: start.toString(),
          end_time_unix_nano: end.toString(),
        } as TraceRecord;
      });
    },
  };
}

// ---- the measurement ----

export interface CeilingResult {
  withTraces: boolean;
  spans: number;
  seconds: number;
  spansPerSecond: number;
  batches: number;
  writers: number;
}

/**
 * COPYs `requests` requests' rows, `perBatch` requests per transaction, on `writers` connections at once (the
 * bridge's defaults: 4096 spans per batch, 2 writers). All COPY data is built before the clock starts.
 */
export async function measureCeiling(opts: {
  clients: pg.Client[];
  factory: RowFactory;
  requests: number;
  perBatch: number;
  withTraces: boolean;
  /** Sequence numbers start here (distinct from the bridge's requests in the same run). */
  seqStart: number;
}): Promise<CeilingResult> {
  const { factory } = opts;
  // The bridge's own COPY data: binary, span rows in 256 KB chunks (store/encoded-span.ts copyChunks).
  const batches: { spans: Buffer[]; traces: Buffer }[] = [];
  for (let b = 0; b * opts.perBatch < opts.requests; b++) {
    const spans: EncodedSpan[] = [];
    const traces: TraceRecord[] = [];
    for (let k = 0; k < opts.perBatch && b * opts.perBatch + k < opts.requests; k++) {
      const seq = opts.seqStart + b * opts.perBatch + k;
      spans.push(...factory.spanRows(seq));
      if (opts.withTraces) traces.push(...factory.traceRows(seq));
    }
    batches.push({
      spans: [...copyChunks(spans)],
      traces: copyBinary(traces, TRACE_COLUMNS, TRACE_COLUMN_TYPES),
    });
  }
  const copySpans = `COPY spans (${ENCODED_SPAN_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
  const copyTraces = `COPY traces (${TRACE_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
  let next = 0;
  let spans = 0;
  const t0 = performance.now();
  await Promise.all(
    opts.clients.map(async (client) => {
      for (let i = next++; i < batches.length; i = next++) {
        const batch = batches[i]!;
        if (opts.withTraces) {
          await client.query('BEGIN');
          const n = await copyFrom(client, copySpans, batch.spans);
          await copyFrom(client, copyTraces, [batch.traces]);
          await client.query('COMMIT');
          spans += n;
        } else {
          // (not `spans += await …`: that reads `spans` before the await and loses the other writer's rows)
          const n = await copyFrom(client, copySpans, batch.spans);
          spans += n;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    withTraces: opts.withTraces,
    spans,
    seconds,
    spansPerSecond: spans / seconds,
    batches: batches.length,
    writers: opts.clients.length,
  };
}
