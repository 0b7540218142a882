/**
 * bench/stages.ts's stages for a before/after comparison across checkouts: CPU per span (process.cpuUsage, every
 * thread of the process) of protobuf and JSON decode, validate + limit + mapSpan, binary COPY encoding, and the
 * pipeline's mapRequest (map and encodeSpan, with the JSON the mapper already made) with and without the decode,
 * for the code of the checkout at --root and the bench's 1 KB workload. Prints one JSON line of µs per span, the
 * median of three passes.
 *
 * On a shared machine, run it alternately for the two checkouts (before, after, after, before, …) and compare
 * ratios of the same round: wall time there counts other processes' turns on the cores, CPU time much less so.
 *
 *   node --import tsx bench/stages-cpu.ts --root /path/to/checkout [--iterations 20]
 *
 * It imports the checkout's own modules, so it also reads layouts from before issue 16 (ingest/decode-*.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dirname, '..') },
    iterations: { type: 'string', default: '20' },
  },
  strict: true,
});
const root = resolve(flags.root);
const iterations = Number(flags.iterations);

type Fn = (...args: never[]) => unknown;
type Decoded = { resourceSpans: unknown[] };
const load = async (...candidates: string[]): Promise<Record<string, Fn>> => {
  const path = candidates.map((c) => `${root}/${c}`).find((p) => existsSync(p));
  if (!path) throw new Error(`none of ${candidates.join(', ')} in ${root}`);
  return (await import(path)) as Record<string, Fn>;
};
const decodeProtobuf = (await load('otlp/decode-protobuf.ts', 'ingest/decode-protobuf-fast.ts'))
  .decodeTraceRequestProtobufFast as unknown as (b: Uint8Array) => Decoded;
const decodeJson = (await load('otlp/decode-json.ts', 'ingest/decode-json.ts'))
  .decodeTraceRequestJson as unknown as (s: string) => Decoded;
const mapSpan = (await load('mapper/index.ts')).mapSpan as unknown as (
  input: unknown,
) => Record<string, unknown>;
const limits = await load('pipeline/limits.ts');
const limitSpan = limits.limitSpan as unknown as (span: unknown, limit: number) => unknown;
const validate = await load('pipeline/validate.ts');
const invalidSpanReason = validate.invalidSpanReason as unknown as (span: unknown) => string | null;
const withoutZeroParent = validate.withoutZeroParent as unknown as (span: unknown) => unknown;
const columns = (await load('store/columns.ts')) as unknown as {
  SPAN_COLUMNS: string[];
  SPAN_COLUMN_TYPES: Record<string, string>;
};
const fieldsEncoder = (await load('store/copy-binary.ts')).fieldsEncoder as unknown as (
  columns: string[],
  types: Record<string, string>,
) => (row: Record<string, unknown>) => Buffer;
const mapRequest = (await load('pipeline/map-request.ts')).mapRequest as unknown as (
  req: Decoded,
  opts: { maxAttributeLength: number },
) => Promise<unknown>;
const workload = await load('bench/workload.ts');
const template = (workload.buildTemplate as unknown as (kb: number) => { spans: number })(1);
const ids = (workload.newIdScheme as unknown as () => unknown)();
const instantiate = workload.instantiate as unknown as (...a: unknown[]) => Buffer;

const protobuf = Array.from({ length: iterations }, (_, i) => instantiate(template, 'protobuf', ids, i, 0n));
const json = Array.from({ length: iterations }, (_, i) =>
  instantiate(template, 'json', ids, i, 0n).toString('utf8'),
);
const spans = iterations * template.spans;

interface Resource {
  resource: { attributes: unknown };
  scopeSpans: { scope: unknown; spans: unknown[] }[];
}

function mapAll(req: Decoded): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const rs of req.resourceSpans as Resource[])
    for (const ss of rs.scopeSpans)
      for (const raw of ss.spans) {
        if (invalidSpanReason(raw)) continue;
        const span = limitSpan(withoutZeroParent(raw), 1 << 20);
        const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope });
        row.experiment_id = '1';
        rows.push(row);
      }
  return rows;
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** µs of CPU per span of `fn` over every request: the median of three passes after a warm-up. */
async function stage(fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(5, iterations); i++) await fn(i);
  const passes: number[] = [];
  for (let p = 0; p < 3; p++) {
    const c0 = cpuMicros();
    for (let i = 0; i < iterations; i++) await fn(i);
    passes.push((cpuMicros() - c0) / spans);
  }
  return passes.sort((a, b) => a - b)[1]!;
}

const encode = fieldsEncoder(columns.SPAN_COLUMNS, columns.SPAN_COLUMN_TYPES);
const decoded = protobuf.map((b) => decodeProtobuf(b));
const mapped = decoded.map(mapAll);
const opts = { maxAttributeLength: 1 << 20 };
const result = {
  decodeProtobuf: await stage((i) => decodeProtobuf(protobuf[i]!)),
  decodeJson: await stage((i) => decodeJson(json[i]!)),
  map: await stage((i) => mapAll(decoded[i]!)),
  encode: await stage((i) => mapped[i]!.map((r) => encode(r))),
  mapRequest: await stage((i) => mapRequest(decoded[i]!, opts)),
  decodeAndMapRequest: await stage((i) => mapRequest(decodeProtobuf(protobuf[i]!), opts)),
};
console.log(JSON.stringify(result));
