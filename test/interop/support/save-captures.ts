/**
 * Turns the request bodies the bridge captured (TRACEBRIDGE_CAPTURE_DIR: `000001-traces.pb`, `000002-logs.json`, …)
 * into OTLP/JSON files that people and the mapper's golden runner can read, ids and timestamps kept:
 *
 * - protobuf bodies are decoded with protobufjs (`ExportTraceServiceRequest` / `ExportLogsServiceRequest` from
 *   proto/otlp.ts) and written as OTLP/JSON as the OTLP spec defines it: lowerCamelCase keys, trace and span ids
 *   as lowercase hex, 64-bit integers (timestamps, intValue) as decimal strings, enums as numbers, bytesValue as
 *   base64, default values left out;
 * - JSON bodies are already OTLP/JSON: re-indented, otherwise kept as sent.
 *
 * Output files keep the capture's sequence number and signal: `000001-traces.json`.
 *
 * CLI: node --import tsx test/interop/support/save-captures.ts <capture dir> <output dir>
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type protobuf from 'protobufjs';
import { decodeLogsRequestJson, decodeTraceRequestJson } from '../../../otlp/decode-json.js';
import { ExportLogsServiceRequest, ExportTraceServiceRequest } from '../../../proto/otlp.js';
import { decodeLogsRequestProtobuf, decodeTraceRequestProtobuf } from '../../support/reference-decoder.js';

type Obj = Record<string, unknown>;

const CAPTURE = /^(\d+)-(traces|logs|metrics)\.(pb|json)$/;
const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** base64 (protobufjs' `bytes: String`) → lowercase hex, for the id fields OTLP/JSON writes as hex. */
function hexIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIds);
  if (value === null || typeof value !== 'object') return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value as Obj)) {
    out[k] = ID_KEYS.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : hexIds(v);
  }
  return out;
}

/** One protobuf request body → its OTLP/JSON object. */
export function protobufToOtlpJson(type: protobuf.Type, body: Uint8Array): Obj {
  const message = type.decode(body);
  const object = type.toObject(message, {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: false,
    arrays: false,
    objects: false,
    oneofs: false,
  });
  return hexIds(object) as Obj;
}

/**
 * Checks that a converted capture says exactly what the protobuf body said: the bridge's OTLP/JSON decoder and its
 * protobuf decoder must give deep-equal results (ids, timestamps, every attribute value).
 */
export function assertSameAsProtobuf(
  signal: 'traces' | 'logs',
  body: Uint8Array,
  json: Obj,
  file: string,
): void {
  const fromJson =
    signal === 'logs'
      ? decodeLogsRequestJson(JSON.stringify(json))
      : decodeTraceRequestJson(JSON.stringify(json));
  const fromPb = signal === 'logs' ? decodeLogsRequestProtobuf(body) : decodeTraceRequestProtobuf(body);
  if (!isDeepStrictEqual(fromJson, fromPb))
    throw new Error(`${file}: the OTLP/JSON conversion differs from the protobuf body`);
}

export interface SavedCapture {
  file: string;
  signal: string;
  spans: number;
}

/** Counts the spans (or log records) of an OTLP/JSON request, for the summary. */
function countItems(o: Obj): number {
  let n = 0;
  for (const rs of (o.resourceSpans as Obj[] | undefined) ?? [])
    for (const ss of (rs.scopeSpans as Obj[] | undefined) ?? []) n += ((ss.spans as unknown[]) ?? []).length;
  for (const rl of (o.resourceLogs as Obj[] | undefined) ?? [])
    for (const sl of (rl.scopeLogs as Obj[] | undefined) ?? [])
      n += ((sl.logRecords as unknown[]) ?? []).length;
  return n;
}

/**
 * Converts every capture in `captureDir` into `outDir` (emptied first, so a re-recorded client leaves no stale
 * files). Metrics bodies are skipped (the bridge does not store them).
 */
export function saveCaptures(captureDir: string, outDir: string): SavedCapture[] {
  const files = readdirSync(captureDir)
    .filter((f) => CAPTURE.test(f))
    .sort();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const saved: SavedCapture[] = [];
  for (const f of files) {
    const [, seq, signal, ext] = CAPTURE.exec(f)!;
    if (signal === 'metrics') continue;
    const body = readFileSync(join(captureDir, f));
    let json: Obj;
    if (ext === 'json') json = JSON.parse(body.toString('utf8')) as Obj;
    else
      json = protobufToOtlpJson(
        signal === 'logs' ? ExportLogsServiceRequest : ExportTraceServiceRequest,
        body,
      );
    const name = `${seq}-${signal}.json`;
    writeFileSync(join(outDir, name), `${JSON.stringify(json, null, 2)}\n`);
    saved.push({ file: name, signal: signal!, spans: countItems(json) });
  }
  return saved;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [captureDir, outDir] = parseArgs({ allowPositionals: true, strict: true }).positionals;
  if (!captureDir || !outDir) {
    console.error(
      'usage: node --import tsx test/interop/support/save-captures.ts <capture dir> <output dir>',
    );
    process.exit(2);
  }
  for (const s of saveCaptures(captureDir, outDir)) console.log(`${s.file}\t${s.signal}\t${s.spans}`);
}
