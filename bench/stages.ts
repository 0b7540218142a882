/**
 * CPU per span of each stage the bridge runs for the bench's requests, in one process and without a database:
 * decode (protobuf / JSON), validate + limit + mapSpan (and mapSpan alone), and the ways of handing the rows to
 * Postgres — JSON.stringify of the batch (the json_populate_recordset parameter), COPY text with bench/copy.ts's
 * encoder (the format the span writer sent until the fifth round), and binary COPY fields with
 * store/copy-binary.ts (what it sends now).
 *
 *   node --import tsx bench/stages.ts [--message-kb 1] [--iterations 40]
 */
import { parseArgs } from 'node:util';

import { mapSpan } from '../mapper/index.js';
import type { SpanRow } from '../mapper/types.js';
import { decodeTraceRequestJson } from '../otlp/decode-json.js';
import { decodeTraceRequestProtobufFast } from '../otlp/decode-protobuf.js';
import type { DecodedTraceRequest } from '../otlp/model.js';
import { limitSpan } from '../pipeline/limits.js';
import { invalidSpanReason, withoutZeroParent } from '../pipeline/validate.js';
import { SPAN_COLUMN_TYPES, SPAN_COLUMNS } from '../store/columns.js';
import { fieldsEncoder } from '../store/copy-binary.js';
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

function time<T>(label: string, inputs: T[], fn: (x: T) => unknown): void {
  for (const x of inputs.slice(0, Math.min(5, inputs.length))) fn(x); // warm up
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const x of inputs) {
    const out = fn(x);
    if (typeof out === 'string') bytes += out.length;
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / (inputs.length * template.spans);
  console.log(
    `${label.padEnd(50)} ${us.toFixed(1).padStart(7)} µs/span${bytes ? `   ${Math.round(bytes / (inputs.length * template.spans))} B/span out` : ''}`,
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
time('JSON.stringify(rows) (json_populate_recordset)', mapped, (rows) => JSON.stringify(rows));
time('COPY text of the rows (bench/copy.ts)', mapped, (rows) =>
  rows.map((r) => SPAN_COLUMNS.map((c) => copyCell(r[c], textKind(c))).join('\t')).join('\n'),
);
const binaryFields = fieldsEncoder(SPAN_COLUMNS, SPAN_COLUMN_TYPES);
time('binary COPY fields, a Buffer per row (store/copy-binary.ts)', mapped, (rows) =>
  rows.map((r) => binaryFields(r)),
);
