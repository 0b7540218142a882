/**
 * OTLP message types, loaded by protobufjs reflection from the vendored .proto files (see README.md).
 *
 * Loaded once, synchronously, at module init: a few ms at startup, and every later decode reuses the
 * generated decoders.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Long from 'long';
import protobuf from 'protobufjs';

// 64-bit fields must decode to Long (exact), never to lossy JS numbers. protobufjs finds `long` on its
// own when it can require it, but say so explicitly and re-run its setup so Reader uses it.
protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
protobuf.configure();

const MARKER = join('opentelemetry', 'proto', 'trace', 'v1', 'trace.proto');

/**
 * The directory holding `opentelemetry/` and `google/`. Walks up from this module because it runs both
 * from source (proto/otlp.ts, next to the files) and from the build (dist/proto/otlp.js, where tsc does
 * not copy .proto files, so they are found in <root>/proto).
 */
export function findProtoDir(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, MARKER))) return dir;
    if (existsSync(join(dir, 'proto', MARKER))) return join(dir, 'proto');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the OTLP .proto files above ${start}`);
    dir = parent;
  }
}

export const protoDir = findProtoDir();

export const PROTO_FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
  'google/rpc/error_details.proto',
] as const;

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are written relative to the proto root (e.g. "opentelemetry/proto/common/v1/common.proto").
  // google/protobuf/*.proto never reach this: protobufjs serves its bundled copies first.
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync([...PROTO_FILES], { keepCase: false });
  root.resolveAll();
  return root;
}

export const otlpRoot: protobuf.Root = loadRoot();

const type = (name: string): protobuf.Type => otlpRoot.lookupType(name);

export const ExportTraceServiceRequest = type(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
export const ExportTraceServiceResponse = type(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);
export const ExportLogsServiceRequest = type(
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
);
export const ExportLogsServiceResponse = type(
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
);
/** google.rpc.Status (named so it is not confused with the span Status). */
export const RpcStatus = type('google.rpc.Status');
export const RetryInfo = type('google.rpc.RetryInfo');

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/*
 * The shapes `Type.decode` returns (camelCase names, Long for 64-bit, Uint8Array for bytes). Scalars and
 * repeated fields absent on the wire read as their defaults from the message prototype; absent
 * sub-messages read as null. Only the fields the decoders use are listed.
 */

export interface PbAnyValue {
  /** The oneof getter: the name of the member that is set, if any. */
  value?: string;
  stringValue: string;
  boolValue: boolean;
  intValue: Long;
  doubleValue: number;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array;
}

export interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}

export interface PbResource {
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
}

export interface PbScope {
  name: string;
  version: string;
  attributes: PbKeyValue[];
}

export interface PbEvent {
  timeUnixNano: Long;
  name: string;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
}

export interface PbLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Long;
  endTimeUnixNano: Long;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  events: PbEvent[];
  droppedEventsCount: number;
  links: PbLink[];
  droppedLinksCount: number;
  status: { code: number; message: string } | null;
}

export interface PbTraceRequest {
  resourceSpans: {
    resource: PbResource | null;
    schemaUrl: string;
    scopeSpans: { scope: PbScope | null; schemaUrl: string; spans: PbSpan[] }[];
  }[];
}

export interface PbLogRecord {
  timeUnixNano: Long;
  observedTimeUnixNano: Long;
  severityNumber: number;
  severityText: string;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

export interface PbLogsRequest {
  resourceLogs: {
    resource: PbResource | null;
    schemaUrl: string;
    scopeLogs: { scope: PbScope | null; schemaUrl: string; logRecords: PbLogRecord[] }[];
  }[];
}
