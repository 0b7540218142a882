/**
 * OTLP/protobuf → decoded request, read straight off the wire with protobufjs's Reader (protobuf-wire.ts): no
 * intermediate message objects, fixed64 read as bigint in place, ids hex-encoded from the buffer. Same output as the
 * reflection decoder the tests keep as its oracle (test/support/reference-decoder.ts), and faster (bench/decode-bench.ts;
 * docs/performance.md).
 *
 * Each message's fields are named by a tag table (field number and wire type, opentelemetry-proto v1.11.0), the way
 * OTel JS's hand-written otlp-transformer serializer names them. A field whose wire type is not the schema's is
 * skipped as unknown, like any unknown field.
 */
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
  DecodedScopeSpans,
  DecodedSpan,
  DecodedTraceRequest,
  StatusCode,
} from './model.js';
import {
  enter,
  fixed64,
  id,
  leave,
  RESOURCE,
  type Reader,
  readAnyValue,
  readContainer,
  reader,
  readKeyValue,
  SCOPE,
  wireError,
} from './protobuf-wire.js';

/** Protobuf wire types; the tag tables are `(field number << 3) | wire type`, folded to literals by the compiler. */
const enum Wire {
  VARINT = 0,
  I64 = 1,
  LEN = 2,
  I32 = 5,
}

/** ExportTraceServiceRequest.resource_spans and ExportLogsServiceRequest.resource_logs are both field 1. */
const enum RequestTag {
  resources = (1 << 3) | Wire.LEN,
}

/** opentelemetry.proto.trace.v1.Span. */
const enum SpanTag {
  traceId = (1 << 3) | Wire.LEN,
  spanId = (2 << 3) | Wire.LEN,
  traceState = (3 << 3) | Wire.LEN,
  parentSpanId = (4 << 3) | Wire.LEN,
  name = (5 << 3) | Wire.LEN,
  kind = (6 << 3) | Wire.VARINT,
  startTimeUnixNano = (7 << 3) | Wire.I64,
  endTimeUnixNano = (8 << 3) | Wire.I64,
  attributes = (9 << 3) | Wire.LEN,
  droppedAttributesCount = (10 << 3) | Wire.VARINT,
  events = (11 << 3) | Wire.LEN,
  droppedEventsCount = (12 << 3) | Wire.VARINT,
  links = (13 << 3) | Wire.LEN,
  droppedLinksCount = (14 << 3) | Wire.VARINT,
  status = (15 << 3) | Wire.LEN,
  flags = (16 << 3) | Wire.I32,
}

/** Span.Event. */
const enum EventTag {
  timeUnixNano = (1 << 3) | Wire.I64,
  name = (2 << 3) | Wire.LEN,
  attributes = (3 << 3) | Wire.LEN,
  droppedAttributesCount = (4 << 3) | Wire.VARINT,
}

/** Span.Link. */
const enum LinkTag {
  traceId = (1 << 3) | Wire.LEN,
  spanId = (2 << 3) | Wire.LEN,
  traceState = (3 << 3) | Wire.LEN,
  attributes = (4 << 3) | Wire.LEN,
  droppedAttributesCount = (5 << 3) | Wire.VARINT,
  flags = (6 << 3) | Wire.I32,
}

/** Status (field 1 is reserved). */
const enum StatusTag {
  message = (2 << 3) | Wire.LEN,
  code = (3 << 3) | Wire.VARINT,
}

/** opentelemetry.proto.logs.v1.LogRecord (field 4 is reserved). */
const enum LogRecordTag {
  timeUnixNano = (1 << 3) | Wire.I64,
  severityNumber = (2 << 3) | Wire.VARINT,
  severityText = (3 << 3) | Wire.LEN,
  body = (5 << 3) | Wire.LEN,
  attributes = (6 << 3) | Wire.LEN,
  droppedAttributesCount = (7 << 3) | Wire.VARINT,
  flags = (8 << 3) | Wire.I32,
  traceId = (9 << 3) | Wire.LEN,
  spanId = (10 << 3) | Wire.LEN,
  observedTimeUnixNano = (11 << 3) | Wire.I64,
  eventName = (12 << 3) | Wire.LEN,
}

export function decodeTraceRequestProtobufFast(bytes: Uint8Array): DecodedTraceRequest {
  const streamed = decodeTraceRequestProtobufStreaming(bytes);
  return {
    resourceSpans: streamed.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: [...ss.spans] })),
    })),
  };
}

/**
 * The same request, with each scope's spans decoded one at a time as they are iterated. The framing — every span's
 * bounds, resources and scopes — is read and checked here; a span's own fields when it is reached, and a malformed
 * span throws DecodeError from the iteration, after the spans before it: the caller drops the whole request. The map
 * worker uses this, so each decoded span is garbage as soon as it is mapped instead of living as long as its request.
 */
export function decodeTraceRequestProtobufStreaming(bytes: Uint8Array): DecodedTraceRequest<StreamedSpans> {
  const r = reader(bytes);
  const resourceSpans: DecodedResourceSpans<StreamedSpans>[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === RequestTag.resources) resourceSpans.push(readResourceSpans(r, enter(r, 1)));
      else r.skipType(tag & 7);
    }
  } catch (err) {
    throw wireError(err);
  }
  return { resourceSpans };
}

/** A scope's spans, decoded from the request's buffer as they are iterated (again on each iteration). */
export class StreamedSpans implements Iterable<DecodedSpan> {
  constructor(
    private readonly r: Reader,
    /** Start and end offset of each span, flattened. */
    private readonly bounds: number[],
  ) {}

  *[Symbol.iterator](): Generator<DecodedSpan> {
    for (let i = 0; i < this.bounds.length; i += 2) {
      let span: DecodedSpan;
      try {
        this.r.pos = this.bounds[i]!;
        span = readSpan(this.r, this.bounds[i + 1]!);
      } catch (err) {
        throw wireError(err);
      }
      yield span;
    }
  }
}

export function decodeLogsRequestProtobufFast(bytes: Uint8Array): DecodedLogsRequest {
  const r = reader(bytes);
  const resourceLogs: DecodedResourceLogs[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === RequestTag.resources) resourceLogs.push(readResourceLogs(r, enter(r, 1)));
      else r.skipType(tag & 7);
    }
  } catch (err) {
    throw wireError(err);
  }
  return { resourceLogs };
}

function readResourceSpans(r: Reader, end: number): DecodedResourceSpans<StreamedSpans> {
  const c = readContainer(r, end, 2, RESOURCE, readScopeSpans);
  return { resource: c.header, schemaUrl: c.schemaUrl, scopeSpans: c.children };
}

function readScopeSpans(r: Reader, end: number): DecodedScopeSpans<StreamedSpans> {
  const bounds: number[] = [];
  const c = readContainer(r, end, 3, SCOPE, (r, spanEnd) => {
    bounds.push(r.pos, spanEnd);
    r.pos = spanEnd;
  });
  return { scope: c.header, schemaUrl: c.schemaUrl, spans: new StreamedSpans(r, bounds) };
}

function readResourceLogs(r: Reader, end: number): DecodedResourceLogs {
  const c = readContainer(r, end, 2, RESOURCE, readScopeLogs);
  return { resource: c.header, schemaUrl: c.schemaUrl, scopeLogs: c.children };
}

function readScopeLogs(r: Reader, end: number): DecodedScopeLogs {
  const c = readContainer(r, end, 3, SCOPE, readLogRecord);
  return { scope: c.header, schemaUrl: c.schemaUrl, logRecords: c.children };
}

// ---- traces ----

function readSpan(r: Reader, end: number): DecodedSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  const events: DecodedEvent[] = [];
  let droppedEventsCount = 0;
  const links: DecodedLink[] = [];
  let droppedLinksCount = 0;
  let status = { code: 0 as StatusCode, message: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case SpanTag.traceId:
        traceId = id(r);
        break;
      case SpanTag.spanId:
        spanId = id(r);
        break;
      case SpanTag.traceState:
        traceState = r.string();
        break;
      case SpanTag.parentSpanId:
        parentSpanId = id(r);
        break;
      case SpanTag.flags:
        flags = r.fixed32();
        break;
      case SpanTag.name:
        name = r.string();
        break;
      case SpanTag.kind:
        kind = r.int32();
        break;
      case SpanTag.startTimeUnixNano:
        startTimeUnixNano = fixed64(r);
        break;
      case SpanTag.endTimeUnixNano:
        endTimeUnixNano = fixed64(r);
        break;
      case SpanTag.attributes:
        readKeyValue(r, enter(r, 4), 4, attributes);
        break;
      case SpanTag.droppedAttributesCount:
        droppedAttributesCount = r.uint32();
        break;
      case SpanTag.events:
        events.push(readEvent(r, enter(r, 4)));
        break;
      case SpanTag.droppedEventsCount:
        droppedEventsCount = r.uint32();
        break;
      case SpanTag.links:
        links.push(readLink(r, enter(r, 4)));
        break;
      case SpanTag.droppedLinksCount:
        droppedLinksCount = r.uint32();
        break;
      case SpanTag.status:
        status = readStatus(r, enter(r, 4));
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status,
  };
}

function readEvent(r: Reader, end: number): DecodedEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case EventTag.timeUnixNano:
        timeUnixNano = fixed64(r);
        break;
      case EventTag.name:
        name = r.string();
        break;
      case EventTag.attributes:
        readKeyValue(r, enter(r, 5), 5, attributes);
        break;
      case EventTag.droppedAttributesCount:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function readLink(r: Reader, end: number): DecodedLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case LinkTag.traceId:
        traceId = id(r);
        break;
      case LinkTag.spanId:
        spanId = id(r);
        break;
      case LinkTag.traceState:
        traceState = r.string();
        break;
      case LinkTag.attributes:
        readKeyValue(r, enter(r, 5), 5, attributes);
        break;
      case LinkTag.droppedAttributesCount:
        droppedAttributesCount = r.uint32();
        break;
      case LinkTag.flags:
        flags = r.fixed32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function readStatus(r: Reader, end: number): { code: StatusCode; message: string } {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === StatusTag.message) message = r.string();
    else if (tag === StatusTag.code) code = r.int32();
    else r.skipType(tag & 7);
  }
  leave(r, end);
  // Unknown codes pass through as numbers (proto3 enums are open); the mapper treats them as UNSET.
  return { code: code as StatusCode, message };
}

// ---- logs ----

function readLogRecord(r: Reader, end: number): DecodedLogRecord {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AttrValue = null;
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case LogRecordTag.timeUnixNano:
        timeUnixNano = fixed64(r);
        break;
      case LogRecordTag.severityNumber:
        severityNumber = r.int32();
        break;
      case LogRecordTag.severityText:
        severityText = r.string();
        break;
      case LogRecordTag.body:
        body = readAnyValue(r, enter(r, 4), 4);
        break;
      case LogRecordTag.attributes:
        readKeyValue(r, enter(r, 4), 4, attributes);
        break;
      case LogRecordTag.droppedAttributesCount:
        droppedAttributesCount = r.uint32();
        break;
      case LogRecordTag.flags:
        flags = r.fixed32();
        break;
      case LogRecordTag.traceId:
        traceId = id(r);
        break;
      case LogRecordTag.spanId:
        spanId = id(r);
        break;
      case LogRecordTag.observedTimeUnixNano:
        observedTimeUnixNano = fixed64(r);
        break;
      case LogRecordTag.eventName:
        eventName = r.string();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
  };
}
