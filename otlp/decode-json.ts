/**
 * OTLP/JSON → decoded request (otlp/model.ts conventions), per the OTLP spec's "JSON Protobuf Encoding":
 * hex ids, 64-bit integers as strings or numbers, unknown fields ignored.
 *
 * Lenient where senders commonly deviate and the meaning is unambiguous: snake_case keys (the proto field
 * names) are read as well as lowerCamelCase, and enums may be names as well as integers. A bad id is kept
 * (lowercased) for ingest's id validation to reject the span; anything else malformed throws DecodeError.
 */

import { otlpRoot } from '../proto/otlp.js';
import { DecodeError } from './decode-error.js';
import { bigIntToAttr, normalizeBase64, setAttr } from './decode-util.js';
import type {
  DecodedLogRecord,
  DecodedLogsRequest,
  DecodedResourceLogs,
  DecodedScopeLogs,
} from './logs-model.js';
import type {
  Attributes,
  AttrValue,
  DecodedEvent,
  DecodedLink,
  DecodedResourceSpans,
  DecodedScope,
  DecodedScopeSpans,
  DecodedSpan,
  DecodedTraceRequest,
  StatusCode,
} from './model.js';

type Json = Record<string, unknown>;

/** Nested AnyValue levels accepted; the protobuf path's limit (protobufjs: 100 messages) allows ~48. */
const MAX_VALUE_DEPTH = 64;

export function decodeTraceRequestJson(text: string): DecodedTraceRequest {
  const doc = parseDocument(text);
  const list = array(field(doc, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  const resourceSpans: DecodedResourceSpans[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    let j = -1;
    let k = -1;
    try {
      const rs = object(list[i], 'resourceSpans item');
      const ssList = array(field(rs, 'scopeSpans', 'scope_spans'), 'scopeSpans');
      const scopeSpans: DecodedScopeSpans[] = new Array(ssList.length);
      for (j = 0; j < ssList.length; j++) {
        const ss = object(ssList[j], 'scopeSpans item');
        const spanList = array(ss['spans'], 'spans');
        const spans: DecodedSpan[] = new Array(spanList.length);
        for (k = 0; k < spanList.length; k++) spans[k] = span(spanList[k]);
        k = -1;
        scopeSpans[j] = {
          scope: scope(ss['scope']),
          schemaUrl: str(field(ss, 'schemaUrl', 'schema_url'), 'schemaUrl'),
          spans,
        };
      }
      j = -1;
      resourceSpans[i] = {
        resource: resource(rs['resource']),
        schemaUrl: str(field(rs, 'schemaUrl', 'schema_url'), 'schemaUrl'),
        scopeSpans,
      };
    } catch (err) {
      throw located(err, 'resourceSpans', i, 'scopeSpans', j, 'spans', k);
    }
  }
  return { resourceSpans };
}

export function decodeLogsRequestJson(text: string): DecodedLogsRequest {
  const doc = parseDocument(text);
  const list = array(field(doc, 'resourceLogs', 'resource_logs'), 'resourceLogs');
  const resourceLogs: DecodedResourceLogs[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    let j = -1;
    let k = -1;
    try {
      const rl = object(list[i], 'resourceLogs item');
      const slList = array(field(rl, 'scopeLogs', 'scope_logs'), 'scopeLogs');
      const scopeLogs: DecodedScopeLogs[] = new Array(slList.length);
      for (j = 0; j < slList.length; j++) {
        const sl = object(slList[j], 'scopeLogs item');
        const recList = array(field(sl, 'logRecords', 'log_records'), 'logRecords');
        const logRecords: DecodedLogRecord[] = new Array(recList.length);
        for (k = 0; k < recList.length; k++) logRecords[k] = logRecord(recList[k]);
        k = -1;
        scopeLogs[j] = {
          scope: scope(sl['scope']),
          schemaUrl: str(field(sl, 'schemaUrl', 'schema_url'), 'schemaUrl'),
          logRecords,
        };
      }
      j = -1;
      resourceLogs[i] = {
        resource: resource(rl['resource']),
        schemaUrl: str(field(rl, 'schemaUrl', 'schema_url'), 'schemaUrl'),
        scopeLogs,
      };
    } catch (err) {
      throw located(err, 'resourceLogs', i, 'scopeLogs', j, 'logRecords', k);
    }
  }
  return { resourceLogs };
}

function parseDocument(text: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return object(doc, 'request');
}

/**
 * Prefixes a DecodeError with where it happened, e.g. "resourceSpans[0].scopeSpans[1].spans[3]: ..."
 * (an index of -1 means the error was outside that level). Built only on failure, off the hot path.
 */
function located(err: unknown, l1: string, i: number, l2: string, j: number, l3: string, k: number): unknown {
  let path = `${l1}[${i}]`;
  if (j >= 0) path += `.${l2}[${j}]`;
  if (j >= 0 && k >= 0) path += `.${l3}[${k}]`;
  if (err instanceof DecodeError) return new DecodeError(`${path}: ${err.message}`, { cause: err.cause });
  // Only a pathological document can exhaust the stack (AnyValue depth is capped); report, don't crash.
  if (err instanceof RangeError)
    return new DecodeError(`${path}: document nested too deeply`, { cause: err });
  return err;
}

function span(value: unknown): DecodedSpan {
  const s = object(value, 'span');
  const status = optionalObject(s['status'], 'status');
  return {
    traceId: id(field(s, 'traceId', 'trace_id')),
    spanId: id(field(s, 'spanId', 'span_id')),
    parentSpanId: id(field(s, 'parentSpanId', 'parent_span_id')),
    traceState: str(field(s, 'traceState', 'trace_state'), 'traceState'),
    flags: u32(s['flags'], 'flags'),
    name: str(s['name'], 'name'),
    kind: enumValue(s['kind'], SPAN_KIND, 'kind'),
    startTimeUnixNano: u64(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    endTimeUnixNano: u64(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
    attributes: attributes(s['attributes'], 0),
    droppedAttributesCount: u32(
      field(s, 'droppedAttributesCount', 'dropped_attributes_count'),
      'droppedAttributesCount',
    ),
    events: array(s['events'], 'events').map(event),
    droppedEventsCount: u32(field(s, 'droppedEventsCount', 'dropped_events_count'), 'droppedEventsCount'),
    links: array(s['links'], 'links').map(link),
    droppedLinksCount: u32(field(s, 'droppedLinksCount', 'dropped_links_count'), 'droppedLinksCount'),
    status: status
      ? {
          code: enumValue(status['code'], STATUS_CODE, 'status.code') as StatusCode,
          message: str(status['message'], 'status.message'),
        }
      : { code: 0, message: '' },
  };
}

function event(value: unknown): DecodedEvent {
  const e = object(value, 'event');
  return {
    timeUnixNano: u64(field(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    name: str(e['name'], 'name'),
    attributes: attributes(e['attributes'], 0),
    droppedAttributesCount: u32(
      field(e, 'droppedAttributesCount', 'dropped_attributes_count'),
      'droppedAttributesCount',
    ),
  };
}

function link(value: unknown): DecodedLink {
  const l = object(value, 'link');
  return {
    traceId: id(field(l, 'traceId', 'trace_id')),
    spanId: id(field(l, 'spanId', 'span_id')),
    traceState: str(field(l, 'traceState', 'trace_state'), 'traceState'),
    attributes: attributes(l['attributes'], 0),
    droppedAttributesCount: u32(
      field(l, 'droppedAttributesCount', 'dropped_attributes_count'),
      'droppedAttributesCount',
    ),
    flags: u32(l['flags'], 'flags'),
  };
}

function logRecord(value: unknown): DecodedLogRecord {
  const r = object(value, 'logRecord');
  return {
    timeUnixNano: u64(field(r, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    observedTimeUnixNano: u64(
      field(r, 'observedTimeUnixNano', 'observed_time_unix_nano'),
      'observedTimeUnixNano',
    ),
    severityNumber: enumValue(
      field(r, 'severityNumber', 'severity_number'),
      SEVERITY_NUMBER,
      'severityNumber',
    ),
    severityText: str(field(r, 'severityText', 'severity_text'), 'severityText'),
    body: anyValue(r['body'], 0),
    attributes: attributes(r['attributes'], 0),
    droppedAttributesCount: u32(
      field(r, 'droppedAttributesCount', 'dropped_attributes_count'),
      'droppedAttributesCount',
    ),
    flags: u32(r['flags'], 'flags'),
    traceId: id(field(r, 'traceId', 'trace_id')),
    spanId: id(field(r, 'spanId', 'span_id')),
    eventName: str(field(r, 'eventName', 'event_name'), 'eventName'),
  };
}

function resource(value: unknown): { attributes: Attributes; droppedAttributesCount: number } {
  const r = optionalObject(value, 'resource');
  if (!r) return { attributes: {}, droppedAttributesCount: 0 };
  return {
    attributes: attributes(r['attributes'], 0),
    droppedAttributesCount: u32(
      field(r, 'droppedAttributesCount', 'dropped_attributes_count'),
      'droppedAttributesCount',
    ),
  };
}

function scope(value: unknown): DecodedScope {
  const s = optionalObject(value, 'scope');
  if (!s) return { name: '', version: '', attributes: {} };
  return {
    name: str(s['name'], 'name'),
    version: str(s['version'], 'version'),
    attributes: attributes(s['attributes'], 0),
  };
}

function attributes(value: unknown, depth: number): Attributes {
  const out: Attributes = {};
  if (value == null) return out;
  if (!Array.isArray(value)) throw new DecodeError('attributes: expected an array');
  for (let i = 0; i < value.length; i++) {
    const kv = object(value[i], 'attribute');
    setAttr(out, str(kv['key'], 'attribute key'), anyValue(kv['value'], depth));
  }
  return out;
}

function anyValue(value: unknown, depth: number): AttrValue {
  if (value == null) return null;
  const v = object(value, 'AnyValue');
  if (depth > MAX_VALUE_DEPTH) throw new DecodeError('AnyValue nested too deeply');
  // Members in proto field order; the first one present wins (null counts as absent).
  const sv = field(v, 'stringValue', 'string_value');
  if (sv != null) return str(sv, 'stringValue');
  const bv = field(v, 'boolValue', 'bool_value');
  if (bv != null) {
    if (typeof bv !== 'boolean') throw new DecodeError('boolValue: expected a boolean');
    return bv;
  }
  const iv = field(v, 'intValue', 'int_value');
  if (iv != null) return bigIntToAttr(i64(iv, 'intValue'));
  const dv = field(v, 'doubleValue', 'double_value');
  if (dv != null) return double(dv);
  const av = field(v, 'arrayValue', 'array_value');
  if (av != null) {
    const values = array(object(av, 'arrayValue')['values'], 'arrayValue.values');
    const out: AttrValue[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i], depth + 1);
    return out;
  }
  const kv = field(v, 'kvlistValue', 'kvlist_value');
  if (kv != null) return attributes(object(kv, 'kvlistValue')['values'], depth + 1);
  const yv = field(v, 'bytesValue', 'bytes_value');
  if (yv != null) return normalizeBase64(str(yv, 'bytesValue'));
  // Empty AnyValue, or string_value_strindex (profiles-only; OTLP says treat it as absent).
  return null;
}

// ---- field readers ----

/** The lowerCamelCase key, falling back to the proto (snake_case) name. */
function field(obj: Json, camel: string, snake: string): unknown {
  const v = obj[camel];
  return v !== undefined ? v : obj[snake];
}

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(`${what}: expected an object`);
  }
  return value as Json;
}

function optionalObject(value: unknown, what: string): Json | null {
  return value == null ? null : object(value, what);
}

/** A repeated field: absent or null is empty. */
function array(value: unknown, what: string): unknown[] {
  if (value == null) return [];
  if (!Array.isArray(value)) throw new DecodeError(`${what}: expected an array`);
  return value;
}

function str(value: unknown, what: string): string {
  if (value == null) return '';
  if (typeof value !== 'string') throw new DecodeError(`${what}: expected a string`);
  return value;
}

/**
 * A trace/span id: hex, case-insensitive. Never throws: anything that is not valid hex stays not valid hex
 * after lowercasing, so ingest's id validation rejects that one span instead of the whole request.
 */
function id(value: unknown): string {
  if (value == null) return '';
  return (typeof value === 'string' ? value : String(value)).toLowerCase();
}

const UINT = /^\d+$/;
const INT = /^-?\d+$/;
const U64_MAX = 0xffffffffffffffffn;
const I64_MIN = -0x8000000000000000n;
const I64_MAX = 0x7fffffffffffffffn;

/** fixed64: a decimal string or a number (a number past 2^53 is already rounded by JSON; taken as is). */
function u64(value: unknown, what: string): bigint {
  if (value == null) return 0n;
  let out: bigint;
  if (typeof value === 'string' && UINT.test(value)) out = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) out = BigInt(value);
  else throw new DecodeError(`${what}: expected an unsigned 64-bit integer`);
  if (out > U64_MAX) throw new DecodeError(`${what}: out of range for 64 bits`);
  return out;
}

function i64(value: unknown, what: string): bigint {
  let out: bigint;
  if (typeof value === 'string' && INT.test(value)) out = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) out = BigInt(value);
  else throw new DecodeError(`${what}: expected a 64-bit integer`);
  if (out < I64_MIN || out > I64_MAX) throw new DecodeError(`${what}: out of range for 64 bits`);
  return out;
}

/** uint32/fixed32: a number, or a decimal string (proto3 JSON parsers accept both). */
function u32(value: unknown, what: string): number {
  if (value == null) return 0;
  const n = typeof value === 'string' && UINT.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new DecodeError(`${what}: expected an unsigned 32-bit integer`);
  }
  return n;
}

/** double: a number, or a string ("NaN", "Infinity", "-Infinity", or a decimal). */
function double(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n) || value === 'NaN') return n;
  }
  throw new DecodeError('doubleValue: expected a number');
}

/** An enum: its integer (open enum: unknown integers kept) or its name. */
function enumValue(value: unknown, names: ReadonlyMap<string, number>, what: string): number {
  if (value == null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const n = names.get(value);
    if (n !== undefined) return n;
    if (INT.test(value)) return Number(value);
  }
  throw new DecodeError(`${what}: unknown enum value ${JSON.stringify(value)}`);
}

// Names come from the vendored .proto, so they cannot drift from the protobuf path.
const enumNames = (name: string): ReadonlyMap<string, number> =>
  new Map(Object.entries(otlpRoot.lookupEnum(name).values));
const SPAN_KIND = enumNames('opentelemetry.proto.trace.v1.Span.SpanKind');
const STATUS_CODE = enumNames('opentelemetry.proto.trace.v1.Status.StatusCode');
const SEVERITY_NUMBER = enumNames('opentelemetry.proto.logs.v1.SeverityNumber');
