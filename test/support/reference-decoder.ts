/**
 * OTLP/protobuf → decoded request (otlp/model.ts conventions), via protobufjs reflection.
 *
 * `Type.decode` builds protobufjs message objects; one pass over them then builds the decoded shape.
 * Nothing is converted twice and no toObject() is used (it would stringify Longs and copy every field).
 */

import { DecodeError } from '../../otlp/decode-error.js';
import { bytesToBase64, bytesToHex, i64ToAttr, setAttr, u64ToBigInt } from '../../otlp/decode-util.js';
import type { DecodedLogRecord, DecodedLogsRequest, DecodedResourceLogs } from '../../otlp/logs-model.js';
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
} from '../../otlp/model.js';
import {
  ExportLogsServiceRequest,
  ExportTraceServiceRequest,
  type PbAnyValue,
  type PbKeyValue,
  type PbLogRecord,
  type PbLogsRequest,
  type PbResource,
  type PbScope,
  type PbSpan,
  type PbTraceRequest,
} from '../../proto/otlp.js';

export function decodeTraceRequestProtobuf(bytes: Uint8Array): DecodedTraceRequest {
  let message: PbTraceRequest;
  try {
    message = ExportTraceServiceRequest.decode(asBuffer(bytes)) as unknown as PbTraceRequest;
  } catch (err) {
    throw wireError(err);
  }
  const resourceSpans: DecodedResourceSpans[] = new Array(message.resourceSpans.length);
  for (let i = 0; i < message.resourceSpans.length; i++) {
    const rs = message.resourceSpans[i]!;
    const scopeSpans: DecodedScopeSpans[] = new Array(rs.scopeSpans.length);
    for (let j = 0; j < rs.scopeSpans.length; j++) {
      const ss = rs.scopeSpans[j]!;
      const spans: DecodedSpan[] = new Array(ss.spans.length);
      for (let k = 0; k < ss.spans.length; k++) spans[k] = span(ss.spans[k]!);
      scopeSpans[j] = { scope: scope(ss.scope), schemaUrl: ss.schemaUrl, spans };
    }
    resourceSpans[i] = { resource: resource(rs.resource), schemaUrl: rs.schemaUrl, scopeSpans };
  }
  return { resourceSpans };
}

export function decodeLogsRequestProtobuf(bytes: Uint8Array): DecodedLogsRequest {
  let message: PbLogsRequest;
  try {
    message = ExportLogsServiceRequest.decode(asBuffer(bytes)) as unknown as PbLogsRequest;
  } catch (err) {
    throw wireError(err);
  }
  const resourceLogs: DecodedResourceLogs[] = new Array(message.resourceLogs.length);
  for (let i = 0; i < message.resourceLogs.length; i++) {
    const rl = message.resourceLogs[i]!;
    resourceLogs[i] = {
      resource: resource(rl.resource),
      schemaUrl: rl.schemaUrl,
      scopeLogs: rl.scopeLogs.map((sl) => ({
        scope: scope(sl.scope),
        schemaUrl: sl.schemaUrl,
        logRecords: sl.logRecords.map(logRecord),
      })),
    };
  }
  return { resourceLogs };
}

/** protobufjs decodes strings natively only from a Buffer; a plain Uint8Array is wrapped, not copied. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function wireError(err: unknown): DecodeError {
  const reason = err instanceof Error ? err.message : String(err);
  return new DecodeError(`invalid OTLP protobuf: ${reason}`, { cause: err });
}

function span(s: PbSpan): DecodedSpan {
  const events: DecodedEvent[] = new Array(s.events.length);
  for (let i = 0; i < s.events.length; i++) {
    const e = s.events[i]!;
    events[i] = {
      timeUnixNano: u64ToBigInt(e.timeUnixNano.high, e.timeUnixNano.low),
      name: e.name,
      attributes: attributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    };
  }
  const links: DecodedLink[] = new Array(s.links.length);
  for (let i = 0; i < s.links.length; i++) {
    const l = s.links[i]!;
    links[i] = {
      traceId: bytesToHex(l.traceId),
      spanId: bytesToHex(l.spanId),
      traceState: l.traceState,
      attributes: attributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    };
  }
  const status = s.status;
  return {
    traceId: bytesToHex(s.traceId),
    spanId: bytesToHex(s.spanId),
    parentSpanId: bytesToHex(s.parentSpanId),
    traceState: s.traceState,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: u64ToBigInt(s.startTimeUnixNano.high, s.startTimeUnixNano.low),
    endTimeUnixNano: u64ToBigInt(s.endTimeUnixNano.high, s.endTimeUnixNano.low),
    attributes: attributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events,
    droppedEventsCount: s.droppedEventsCount,
    links,
    droppedLinksCount: s.droppedLinksCount,
    // Unknown codes pass through as numbers (proto3 enums are open); the mapper treats them as UNSET.
    status: status ? { code: status.code as StatusCode, message: status.message } : { code: 0, message: '' },
  };
}

function logRecord(r: PbLogRecord): DecodedLogRecord {
  return {
    timeUnixNano: u64ToBigInt(r.timeUnixNano.high, r.timeUnixNano.low),
    observedTimeUnixNano: u64ToBigInt(r.observedTimeUnixNano.high, r.observedTimeUnixNano.low),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: anyValue(r.body),
    attributes: attributes(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.flags,
    traceId: bytesToHex(r.traceId),
    spanId: bytesToHex(r.spanId),
    eventName: r.eventName,
  };
}

function resource(r: PbResource | null): { attributes: Attributes; droppedAttributesCount: number } {
  return r
    ? { attributes: attributes(r.attributes), droppedAttributesCount: r.droppedAttributesCount }
    : { attributes: {}, droppedAttributesCount: 0 };
}

function scope(s: PbScope | null): DecodedScope {
  return s
    ? { name: s.name, version: s.version, attributes: attributes(s.attributes) }
    : { name: '', version: '', attributes: {} };
}

function attributes(list: PbKeyValue[]): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    setAttr(out, kv.key, anyValue(kv.value));
  }
  return out;
}

function anyValue(v: PbAnyValue | null): AttrValue {
  if (!v) return null;
  // `value` is protobufjs's oneof getter: the name of the member present on the wire.
  switch (v.value) {
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'intValue':
      return i64ToAttr(v.intValue.high, v.intValue.low);
    case 'doubleValue':
      return v.doubleValue;
    case 'arrayValue': {
      const values = v.arrayValue?.values ?? [];
      const out: AttrValue[] = new Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i]!);
      return out;
    }
    case 'kvlistValue':
      return attributes(v.kvlistValue?.values ?? []);
    case 'bytesValue':
      return bytesToBase64(v.bytesValue);
    default:
      // Empty AnyValue, or string_value_strindex (profiles-only; OTLP says treat it as absent).
      return null;
  }
}
