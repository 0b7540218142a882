/**
 * OTLP/protobuf → decoded request, read straight off the wire with protobufjs's Reader: no intermediate
 * message objects, fixed64 read as bigint in place, ids hex-encoded from the buffer. Same output as
 * decode-protobuf.ts (the reflection decoder, which the tests use as its oracle); ~1.4x its throughput on
 * bench/decode-bench.ts, where most of the remaining time is building the strings themselves.
 *
 * Field numbers: opentelemetry-proto v1.11.0 (proto/opentelemetry/...). A field whose wire type is not
 * the schema's is skipped as unknown, like any unknown field.
 */
import protobuf from 'protobufjs';
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
import '../proto/otlp.js'; // configures protobufjs (Long) before any Reader is used
import { DecodeError } from './decode-error.js';
import { i64ToAttr, setAttr } from './decode-util.js';
import type {
  DecodedLogRecord,
  DecodedLogsRequest,
  DecodedResourceLogs,
  DecodedScopeLogs,
} from './logs-model.js';

type Reader = protobuf.Reader;

/** Nested message limit, as protobufjs's decoders enforce it (protoc's default recursion limit). */
const MAX_DEPTH = 100;

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
      if (tag === 0x0a) resourceSpans.push(readResourceSpans(r, enter(r, 1)));
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
      if (tag === 0x0a) resourceLogs.push(readResourceLogs(r, enter(r, 1)));
      else r.skipType(tag & 7);
    }
  } catch (err) {
    throw wireError(err);
  }
  return { resourceLogs };
}

/** A Buffer-backed reader (Buffer strings decode natively; a plain Uint8Array is wrapped, not copied). */
function reader(bytes: Uint8Array): Reader {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return protobuf.Reader.create(buf);
}

function wireError(err: unknown): DecodeError {
  const reason = err instanceof Error ? err.message : String(err);
  return new DecodeError(`invalid OTLP protobuf: ${reason}`, { cause: err });
}

// ---- framing ----

/** Reads a sub-message's length; returns its end offset. `depth` is the new message's nesting level. */
function enter(r: Reader, depth: number): number {
  if (depth > MAX_DEPTH) throw new Error('max depth exceeded');
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new RangeError(`index out of range: ${r.pos} + ${len} > ${r.len}`);
  return end;
}

/** A field must not run past the end of the message that holds it. */
function leave(r: Reader, end: number): void {
  if (r.pos !== end) throw new RangeError(`field overruns its message at ${end}`);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A bytes id field → lowercase hex, straight from the buffer. */
function id(r: Reader): string {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) throw new RangeError(`index out of range: ${start} + ${len} > ${r.len}`);
  r.pos = end;
  const buf = r.buf;
  let out = '';
  for (let i = start; i < end; i++) out += HEX[buf[i]!];
  return out;
}

/** fixed64 → exact bigint, without a Long. */
function fixed64(r: Reader): bigint {
  const p = r.pos;
  if (p + 8 > r.len) throw new RangeError(`index out of range: ${p} + 8 > ${r.len}`);
  r.pos = p + 8;
  return (r.buf as Buffer).readBigUInt64LE(p);
}

function base64(r: Reader): string {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) throw new RangeError(`index out of range: ${start} + ${len} > ${r.len}`);
  r.pos = end;
  return (r.buf as Buffer).toString('base64', start, end);
}

// ---- the containers: ResourceSpans / ResourceLogs and ScopeSpans / ScopeLogs share one layout ----

/**
 * A message with a header (field 1), repeated children (field 2) and a schema_url (field 3): ResourceSpans,
 * ScopeSpans, ResourceLogs and ScopeLogs all have this shape. `depth` is the children's nesting level.
 */
function readContainer<H, C>(
  r: Reader,
  end: number,
  depth: number,
  header: { read(r: Reader, end: number, depth: number): H; empty(): H },
  readChild: (r: Reader, end: number) => C,
): { header: H; schemaUrl: string; children: C[] } {
  let h = header.empty();
  let schemaUrl = '';
  const children: C[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        h = header.read(r, enter(r, depth), depth);
        break;
      case 0x12:
        children.push(readChild(r, enter(r, depth)));
        break;
      case 0x1a:
        schemaUrl = r.string();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return { header: h, schemaUrl, children };
}

const RESOURCE = {
  read: (r: Reader, end: number, depth: number) => readResource(r, end, depth),
  empty: () => emptyResource(),
};
const SCOPE = {
  read: (r: Reader, end: number, depth: number) => readScope(r, end, depth),
  empty: () => emptyScope(),
};

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
      case 0x0a:
        traceId = id(r);
        break;
      case 0x12:
        spanId = id(r);
        break;
      case 0x1a:
        traceState = r.string();
        break;
      case 0x22:
        parentSpanId = id(r);
        break;
      case 0x85: // field 16, fixed32
        flags = r.fixed32();
        break;
      case 0x2a:
        name = r.string();
        break;
      case 0x30:
        kind = r.int32();
        break;
      case 0x39:
        startTimeUnixNano = fixed64(r);
        break;
      case 0x41:
        endTimeUnixNano = fixed64(r);
        break;
      case 0x4a:
        readKeyValue(r, enter(r, 4), 4, attributes);
        break;
      case 0x50:
        droppedAttributesCount = r.uint32();
        break;
      case 0x5a:
        events.push(readEvent(r, enter(r, 4)));
        break;
      case 0x60:
        droppedEventsCount = r.uint32();
        break;
      case 0x6a:
        links.push(readLink(r, enter(r, 4)));
        break;
      case 0x70:
        droppedLinksCount = r.uint32();
        break;
      case 0x7a:
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
      case 0x09:
        timeUnixNano = fixed64(r);
        break;
      case 0x12:
        name = r.string();
        break;
      case 0x1a:
        readKeyValue(r, enter(r, 5), 5, attributes);
        break;
      case 0x20:
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
      case 0x0a:
        traceId = id(r);
        break;
      case 0x12:
        spanId = id(r);
        break;
      case 0x1a:
        traceState = r.string();
        break;
      case 0x22:
        readKeyValue(r, enter(r, 5), 5, attributes);
        break;
      case 0x28:
        droppedAttributesCount = r.uint32();
        break;
      case 0x35:
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
    if (tag === 0x12) message = r.string();
    else if (tag === 0x18) code = r.int32();
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
      case 0x09:
        timeUnixNano = fixed64(r);
        break;
      case 0x10:
        severityNumber = r.int32();
        break;
      case 0x1a:
        severityText = r.string();
        break;
      case 0x2a:
        body = readAnyValue(r, enter(r, 4), 4);
        break;
      case 0x32:
        readKeyValue(r, enter(r, 4), 4, attributes);
        break;
      case 0x38:
        droppedAttributesCount = r.uint32();
        break;
      case 0x45:
        flags = r.fixed32();
        break;
      case 0x4a:
        traceId = id(r);
        break;
      case 0x52:
        spanId = id(r);
        break;
      case 0x59:
        observedTimeUnixNano = fixed64(r);
        break;
      case 0x62:
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

// ---- common ----

function emptyResource(): { attributes: Attributes; droppedAttributesCount: number } {
  return { attributes: {}, droppedAttributesCount: 0 };
}

function emptyScope(): DecodedScope {
  return { name: '', version: '', attributes: {} };
}

function readResource(
  r: Reader,
  end: number,
  depth: number,
): { attributes: Attributes; droppedAttributesCount: number } {
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) readKeyValue(r, enter(r, depth + 1), depth + 1, attributes);
    else if (tag === 0x10) droppedAttributesCount = r.uint32();
    else r.skipType(tag & 7); // entity_refs (3) and unknown fields
  }
  leave(r, end);
  return { attributes, droppedAttributesCount };
}

function readScope(r: Reader, end: number, depth: number): DecodedScope {
  let name = '';
  let version = '';
  const attributes: Attributes = {};
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) name = r.string();
    else if (tag === 0x12) version = r.string();
    else if (tag === 0x1a) readKeyValue(r, enter(r, depth + 1), depth + 1, attributes);
    else r.skipType(tag & 7); // dropped_attributes_count (4) and unknown fields
  }
  leave(r, end);
  return { name, version, attributes };
}

/** One KeyValue, stored into `into` (later duplicate keys win, as in the reflection decoder). */
function readKeyValue(r: Reader, end: number, depth: number, into: Attributes): void {
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) value = readAnyValue(r, enter(r, depth + 1), depth + 1);
    else r.skipType(tag & 7); // key_strindex (3, profiles-only) and unknown fields
  }
  leave(r, end);
  setAttr(into, key, value);
}

/** An AnyValue; when several oneof members are on the wire the last one wins. */
function readAnyValue(r: Reader, end: number, depth: number): AttrValue {
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        value = r.string();
        break;
      case 0x10:
        value = r.bool();
        break;
      case 0x18: {
        const long = r.int64() as unknown as { high: number; low: number };
        value = i64ToAttr(long.high, long.low);
        break;
      }
      case 0x21:
        value = r.double();
        break;
      case 0x2a:
        value = readArrayValue(r, enter(r, depth + 1), depth + 1);
        break;
      case 0x32: {
        const kvlist: Attributes = {};
        const kvEnd = enter(r, depth + 1);
        while (r.pos < kvEnd) {
          const t = r.uint32();
          if (t === 0x0a) readKeyValue(r, enter(r, depth + 2), depth + 2, kvlist);
          else r.skipType(t & 7);
        }
        leave(r, kvEnd);
        value = kvlist;
        break;
      }
      case 0x3a:
        value = base64(r);
        break;
      case 0x40: // string_value_strindex: profiles-only, OTLP says treat it as absent
        r.skipType(0);
        value = null;
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return value;
}

function readArrayValue(r: Reader, end: number, depth: number): AttrValue[] {
  const values: AttrValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) values.push(readAnyValue(r, enter(r, depth + 1), depth + 1));
    else r.skipType(tag & 7);
  }
  leave(r, end);
  return values;
}
