/**
 * CPU per span of each stage the bridge runs for the bench's requests, in one process and without a database:
 * decode (protobuf / JSON), validate + limit + mapSpan (and mapSpan alone), and the ways of handing the rows to
 * Postgres — JSON.stringify of the batch (the json_populate_recordset parameter), COPY text with bench/copy.ts's
 * encoder (the format the span writer sent until the fifth round), and binary COPY fields with
 * store/copy-binary.ts (what it sends now); then the trace rows the writer computes from a request's spans (per
 * trace) and, within them, the search words of its document (store/search-words.ts) — the share of
 * the read side's write cost that is the bridge's, not Postgres's.
 *
 *   node --import tsx bench/stages.ts [--message-kb 1] [--iterations 40]
 */
import { parseArgs } from 'node:util';

import { mapSpan } from '../mapper/index.js';
import { isoMicros } from '../mapper/time.js';
import type { SpanRow } from '../mapper/types.js';
import { decodeTraceRequestJson } from '../otlp/decode-json.js';
import { decodeTraceRequestProtobufFast } from '../otlp/decode-protobuf.js';
import type { DecodedTraceRequest } from '../otlp/model.js';
import { limitSpan } from '../pipeline/limits.js';
import { invalidSpanReason, withoutZeroParent } from '../pipeline/validate.js';
import { SPAN_COLUMN_TYPES, SPAN_COLUMNS, type TraceFields } from '../store/columns.js';
import { fieldsEncoder } from '../store/copy-binary.js';
import { documentWords } from '../store/search-words.js';
import { traceRowFromSpans } from '../store/trace-rows.js';
import { copyCell, textKind } from './copy.js';
import { buildTemplate, instantiate, newIdScheme } from './workload.js';

const { values: flags } = parseArgs({
  options: { 'message-kb': { type: 'string', default: '1' }, iterations: { type: 'string', default: '40' } },
  strict: true,
});
const messageKb = Number(flags['message-kb']);
const iterations = Number(flags.iterations);

const template = buildTemplate(messageKb);
const ids = newIdScheme();
const payloads = Array.from({ length: iterations }, (_, i) => instantiate(template, 'protobuf', ids, i, 0n));
const jsonPayloads = Array.from({ length: iterations }, (_, i) =>
  instantiate(template, 'json', ids, i, 0n).toString('utf8'),
);

function mapAll(req: DecodedTraceRequest): SpanRow[] {
  const rows: SpanRow[] = [];
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const raw of ss.spans) {
        if (invalidSpanReason(raw)) continue;
        const span = limitSpan(withoutZeroParent(raw), 1024 * 1024);
        const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope });
        row.experiment_id = '1';
        rows.push(row);
      }
  return rows;
}

/**
 * Runs `fn` over `inputs` (after a warm-up) and prints µs per span of CPU time (process.cpuUsage: user + system,
 * every thread of the process, so the garbage collector's helpers too) and of wall time. On a shared machine the
 * CPU figure is the one to compare: wall time also counts the time other processes had the core.
 */
function time<T>(label: string, inputs: T[], fn: (x: T) => unknown): void {
  for (const x of inputs.slice(0, Math.min(5, inputs.length))) fn(x); // warm up
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const x of inputs) {
    const out = fn(x);
    if (typeof out === 'string') bytes += out.length;
  }
  const perSpan = inputs.length * template.spans;
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / perSpan;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / perSpan;
  console.log(
    `${label.padEnd(58)} ${cpu.toFixed(1).padStart(7)} µs/span CPU ${wall.toFixed(1).padStart(7)} wall${bytes ? `   ${Math.round(bytes / perSpan)} B/span out` : ''}`,
  );
}

console.log(
  `stages: ${template.spans}-span requests, ${messageKb} KB messages, protobuf ${template.protobuf.length} B, ` +
    `JSON ${template.json.length} B; ${iterations} requests per stage; node ${process.version}`,
);
time('decode protobuf (otlp/decode-protobuf)', payloads, (b) => decodeTraceRequestProtobufFast(b));
time('decode OTLP/JSON (decode-json)', jsonPayloads, (s) => decodeTraceRequestJson(s));
const decoded = payloads.map((b) => decodeTraceRequestProtobufFast(b));
time('validate + limit + mapSpan', decoded, mapAll);
// The mapper alone, over spans already validated and limited (what mapper/ changes move).
const inputs = decoded.map((req) =>
  req.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((span) => ({
        span: limitSpan(withoutZeroParent(span), 1024 * 1024),
        resource: rs.resource.attributes,
        scope: ss.scope,
      })),
    ),
  ),
);
time('mapSpan only', inputs, (spans) => spans.map((s) => mapSpan(s)));
const mapped = decoded.map(mapAll);
// JSON has no bigint: that path would have sent the timestamps as the ISO text of isoMicros.
const jsonRows = mapped.map((rows) =>
  rows.map((r) => ({ ...r, start_time: isoMicros(r.start_time), end_time: isoMicros(r.end_time) })),
);
time('JSON.stringify(rows) (json_populate_recordset)', jsonRows, (rows) => JSON.stringify(rows));
time('COPY text of the rows (bench/copy.ts)', mapped, (rows) =>
  rows.map((r) => SPAN_COLUMNS.map((c) => copyCell(r[c], textKind(c))).join('\t')).join('\n'),
);
const binaryFields = fieldsEncoder(SPAN_COLUMNS, SPAN_COLUMN_TYPES);
time('binary COPY fields, a Buffer per row (store/copy-binary.ts)', mapped, (rows) =>
  rows.map((r) => binaryFields(r)),
);
// The mapper's rows are what the writer's TraceFields are read from (the store sanitizes them in between).
const byTrace = mapped.map((rows) => {
  const traces = new Map<string, TraceFields[]>();
  for (const r of rows as unknown as TraceFields[])
    traces.set(r.trace_id, [...(traces.get(r.trace_id) ?? []), r]);
  return [...traces.values()];
});
time('trace rows (store/trace-rows.ts, with search words)', byTrace, (traces) =>
  traces.map(traceRowFromSpans),
);
const documents = byTrace.map((traces) => traces.map((spans) => traceRowFromSpans(spans)?.search_text ?? ''));
time('search words of the trace rows (store/search-words.ts)', documents, (docs) => docs.map(documentWords));
