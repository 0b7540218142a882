/**
 * The ceiling: the rows the bridge would write for the bench's requests, produced by the bridge's own decoder,
 * validation, limits and mapper, COPYed straight into a fresh database with the same schema (store/migrations)
 * and indexes. No upsert, no trace recompute, no JSON parameter: what Postgres itself can absorb on this machine.
 *
 * COPY FROM STDIN goes through node-postgres with a small hand-rolled "submittable" (pg-copy-streams is not a
 * dependency): pg hands it the connection when the server answers CopyInResponse, and it writes CopyData
 * messages, respecting the socket's backpressure, then CopyDone.
 */
import type pg from 'pg';
import { decodeTraceRequestProtobufFast } from '../ingest/decode-protobuf-fast.js';
import { mapSpan } from '../mapper/index.js';
import { isoMicros } from '../mapper/time.js';
import { limitSpan } from '../pipeline/limits.js';
import { invalidSpanReason, withoutZeroParent } from '../pipeline/validate.js';
import { SPAN_COLUMNS, type SpanRecord, TRACE_COLUMNS } from '../store/columns.js';
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

// ---- COPY text format ----

export type ColumnType = 'jsonb' | 'array' | 'scalar';

export async function columnTypes(client: pg.Client, table: string): Promise<Map<string, ColumnType>> {
  const r = await client.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  return new Map(
    r.rows.map((c) => [
      c.column_name,
      c.data_type === 'jsonb' || c.data_type === 'json'
        ? 'jsonb'
        : c.data_type === 'ARRAY'
          ? 'array'
          : 'scalar',
    ]),
  );
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
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return escapeCopy(String(value));
}

// ---- the rows of the bench's requests ----

type Row = Record<string, unknown>;

interface SpanTemplateRow {
  cells: string[];
  traceIndex: number;
  spanIndex: number;
  parentIndex: number | null;
  startNs: bigint;
  endNs: bigint;
}

interface TraceTemplateRow {
  cells: string[];
  traceIndex: number;
  rootIndex: number | null;
  startNs: bigint;
  endNs: bigint;
}

export interface RowFactory {
  spansPerRequest: number;
  tracesPerRequest: number;
  /** Average bytes of one span row in COPY text. */
  spanRowBytes: number;
  /** COPY text of request `seq`'s span rows / trace rows. */
  spanRows(seq: number): string;
  traceRows(seq: number): string;
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
 * attribute sizes, mapSpan), and keeps each row's COPY cells; request `seq` then only swaps in its ids and
 * shifted timestamps, exactly the fields the load generator patches in the wire payload.
 */
export function rowFactory(opts: {
  template: Template;
  ids: IdScheme;
  baseShiftNs: bigint;
  experimentId: string;
  maxAttributeLength: number;
  spanTypes: Map<string, ColumnType>;
  traceTypes: Map<string, ColumnType>;
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
  const spanCols = SPAN_COLUMNS as readonly string[];
  const spanTemplates: SpanTemplateRow[] = rows.map((r, j) => ({
    cells: spanCols.map((c) => copyCell(r[c], opts.spanTypes.get(c) ?? 'scalar')),
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
    const startNs = BigInt(row.start_time_unix_nano as string);
    const endNs = BigInt(row.end_time_unix_nano as string);
    return {
      cells: TRACE_COLUMNS.map((c) => copyCell(row[c], opts.traceTypes.get(c) ?? 'scalar')),
      traceIndex,
      rootIndex: root ? spanIndexOf.get(`${root.trace_id}:${root.span_id}`)! : null,
      startNs: startNs - shift0,
      endNs: endNs - shift0,
    };
  });

  const spanColIndex = (c: string) => spanCols.indexOf(c);
  const [cTrace, cSpan, cParent, cStart, cEnd, cStartNs, cEndNs] = [
    'trace_id',
    'span_id',
    'parent_span_id',
    'start_time',
    'end_time',
    'start_time_unix_nano',
    'end_time_unix_nano',
  ].map(spanColIndex) as [number, number, number, number, number, number, number];
  const tcol = (c: (typeof TRACE_COLUMNS)[number]) => TRACE_COLUMNS.indexOf(c);

  const totalBytes = spanTemplates.reduce((n, t) => n + t.cells.join('\t').length + 1, 0);
  return {
    spansPerRequest: spanTemplates.length,
    tracesPerRequest: traceTemplates.length,
    spanRowBytes: totalBytes / spanTemplates.length,
    spanRows(seq) {
      const shift = timeShiftNs(opts.baseShiftNs, seq);
      let out = '';
      for (const t of spanTemplates) {
        const cells = t.cells.slice();
        const start = t.startNs + shift;
        const end = t.endNs + shift;
        cells[cTrace] = traceIdFor(ids, seq, t.traceIndex);
        cells[cSpan] = spanIdFor(ids, seq, t.spanIndex);
        cells[cParent] = t.parentIndex === null ? '\\N' : spanIdFor(ids, seq, t.parentIndex);
        cells[cStart] = isoMicros(start);
        cells[cEnd] = isoMicros(end);
        cells[cStartNs] = start.toString();
        cells[cEndNs] = end.toString();
        out += `${cells.join('\t')}\n`;
      }
      return out;
    },
    traceRows(seq) {
      const shift = timeShiftNs(opts.baseShiftNs, seq);
      let out = '';
      for (const t of traceTemplates) {
        const cells = t.cells.slice();
        const start = t.startNs + shift;
        const end = t.endNs + shift;
        cells[tcol('trace_id')] = traceIdFor(ids, seq, t.traceIndex);
        cells[tcol('root_span_id')] = t.rootIndex === null ? '\\N' : spanIdFor(ids, seq, t.rootIndex);
        cells[tcol('start_time')] = isoMicros(start);
        cells[tcol('end_time')] = isoMicros(end);
        cells[tcol('start_time_unix_nano')] = start.toString();
        cells[tcol('end_time_unix_nano')] = end.toString();
        out += `${cells.join('\t')}\n`;
      }
      return out;
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
 * bridge's defaults: 4096 spans per batch, 2 writers). All COPY text is built before the clock starts.
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
  const batches: { spans: Buffer; traces: Buffer }[] = [];
  for (let b = 0; b * opts.perBatch < opts.requests; b++) {
    let spans = '';
    let traces = '';
    for (let k = 0; k < opts.perBatch && b * opts.perBatch + k < opts.requests; k++) {
      const seq = opts.seqStart + b * opts.perBatch + k;
      spans += factory.spanRows(seq);
      if (opts.withTraces) traces += factory.traceRows(seq);
    }
    batches.push({ spans: Buffer.from(spans), traces: Buffer.from(traces) });
  }
  const copySpans = `COPY spans (${SPAN_COLUMNS.join(', ')}) FROM STDIN`;
  const copyTraces = `COPY traces (${TRACE_COLUMNS.join(', ')}) FROM STDIN`;
  const chunked = (b: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    for (let i = 0; i < b.length; i += 256 * 1024) out.push(b.subarray(i, i + 256 * 1024));
    return out;
  };
  let next = 0;
  let spans = 0;
  const t0 = performance.now();
  await Promise.all(
    opts.clients.map(async (client) => {
      for (let i = next++; i < batches.length; i = next++) {
        const batch = batches[i]!;
        if (opts.withTraces) {
          await client.query('BEGIN');
          const n = await copyFrom(client, copySpans, chunked(batch.spans));
          await copyFrom(client, copyTraces, chunked(batch.traces));
          await client.query('COMMIT');
          spans += n;
        } else {
          // (not `spans += await …`: that reads `spans` before the await and loses the other writer's rows)
          const n = await copyFrom(client, copySpans, chunked(batch.spans));
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
