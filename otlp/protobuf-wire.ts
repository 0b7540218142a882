/**
 * The protobuf wire reading the OTLP decoders share (decode-protobuf.ts): bounds-checked framing, ids as hex,
 * fixed64 as bigint, and the messages traces and logs have in common (Resource, InstrumentationScope, KeyValue,
 * AnyValue, the resource and scope containers). Each message's fields are named by a tag table below (field number
 * and wire type, as in proto/opentelemetry/…, v1.11.0), the way OTel JS's hand-written otlp-transformer serializer
 * names them; a field whose wire type is not the schema's is skipped as unknown, like any unknown field.
 */
import protobuf from 'protobufjs';
import '../proto/otlp.js'; // configures protobufjs (Long) before any Reader is used
import { DecodeError } from './decode-error.js';
import { i64ToAttr, setAttr } from './decode-util.js';
import type { Attributes, AttrValue, DecodedScope } from './model.js';

export type Reader = protobuf.Reader;

/** Protobuf wire types. Tag tables below are `(field number << 3) | wire type`, folded to literals by the compiler. */
const enum Wire {
  VARINT = 0,
  I64 = 1,
  LEN = 2,
  I32 = 5,
}

/** ResourceSpans / ScopeSpans / ResourceLogs / ScopeLogs: a header, repeated children, a schema URL. */
const enum ContainerTag {
  header = (1 << 3) | Wire.LEN, // resource or scope
  child = (2 << 3) | Wire.LEN, // scope_spans / spans / scope_logs / log_records
  schemaUrl = (3 << 3) | Wire.LEN,
}

/** opentelemetry.proto.resource.v1.Resource (entity_refs, 3, is skipped). */
const enum ResourceTag {
  attributes = (1 << 3) | Wire.LEN,
  droppedAttributesCount = (2 << 3) | Wire.VARINT,
}

/** opentelemetry.proto.common.v1.InstrumentationScope (dropped_attributes_count, 4, is skipped). */
const enum ScopeTag {
  name = (1 << 3) | Wire.LEN,
  version = (2 << 3) | Wire.LEN,
  attributes = (3 << 3) | Wire.LEN,
}

/** KeyValue (key_strindex, 3, is profiles-only and skipped). */
const enum KeyValueTag {
  key = (1 << 3) | Wire.LEN,
  value = (2 << 3) | Wire.LEN,
}

/** AnyValue: a oneof. */
const enum AnyValueTag {
  stringValue = (1 << 3) | Wire.LEN,
  boolValue = (2 << 3) | Wire.VARINT,
  intValue = (3 << 3) | Wire.VARINT,
  doubleValue = (4 << 3) | Wire.I64,
  arrayValue = (5 << 3) | Wire.LEN,
  kvlistValue = (6 << 3) | Wire.LEN,
  bytesValue = (7 << 3) | Wire.LEN,
  stringValueStrindex = (8 << 3) | Wire.VARINT,
}

/** ArrayValue and KeyValueList: one repeated field. */
const enum ListTag {
  values = (1 << 3) | Wire.LEN,
}

/** Nested message limit, as protobufjs's decoders enforce it (protoc's default recursion limit). */
const MAX_DEPTH = 100;

/** A Buffer-backed reader (Buffer strings decode natively; a plain Uint8Array is wrapped, not copied). */
export function reader(bytes: Uint8Array): Reader {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return protobuf.Reader.create(buf);
}

export function wireError(err: unknown): DecodeError {
  const reason = err instanceof Error ? err.message : String(err);
  return new DecodeError(`invalid OTLP protobuf: ${reason}`, { cause: err });
}

// ---- framing ----

/** Reads a sub-message's length; returns its end offset. `depth` is the new message's nesting level. */
export function enter(r: Reader, depth: number): number {
  if (depth > MAX_DEPTH) throw new Error('max depth exceeded');
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new RangeError(`index out of range: ${r.pos} + ${len} > ${r.len}`);
  return end;
}

/** A field must not run past the end of the message that holds it. */
export function leave(r: Reader, end: number): void {
  if (r.pos !== end) throw new RangeError(`field overruns its message at ${end}`);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A bytes id field → lowercase hex, straight from the buffer. */
export function id(r: Reader): string {
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
export function fixed64(r: Reader): bigint {
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

// ---- what traces and logs share ----

/**
 * A message with a header (field 1), repeated children (field 2) and a schema_url (field 3): ResourceSpans,
 * ScopeSpans, ResourceLogs and ScopeLogs all have this shape. `depth` is the children's nesting level.
 */
export function readContainer<H, C>(
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
      case ContainerTag.header:
        h = header.read(r, enter(r, depth), depth);
        break;
      case ContainerTag.child:
        children.push(readChild(r, enter(r, depth)));
        break;
      case ContainerTag.schemaUrl:
        schemaUrl = r.string();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  leave(r, end);
  return { header: h, schemaUrl, children };
}

export const RESOURCE = {
  read: (r: Reader, end: number, depth: number) => readResource(r, end, depth),
  empty: () => emptyResource(),
};
export const SCOPE = {
  read: (r: Reader, end: number, depth: number) => readScope(r, end, depth),
  empty: () => emptyScope(),
};

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
    if (tag === ResourceTag.attributes) readKeyValue(r, enter(r, depth + 1), depth + 1, attributes);
    else if (tag === ResourceTag.droppedAttributesCount) droppedAttributesCount = r.uint32();
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
    if (tag === ScopeTag.name) name = r.string();
    else if (tag === ScopeTag.version) version = r.string();
    else if (tag === ScopeTag.attributes) readKeyValue(r, enter(r, depth + 1), depth + 1, attributes);
    else r.skipType(tag & 7); // dropped_attributes_count (4) and unknown fields
  }
  leave(r, end);
  return { name, version, attributes };
}

/** One KeyValue, stored into `into` (later duplicate keys win, as in the reflection decoder). */
export function readKeyValue(r: Reader, end: number, depth: number, into: Attributes): void {
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === KeyValueTag.key) key = r.string();
    else if (tag === KeyValueTag.value) value = readAnyValue(r, enter(r, depth + 1), depth + 1);
    else r.skipType(tag & 7); // key_strindex (3, profiles-only) and unknown fields
  }
  leave(r, end);
  setAttr(into, key, value);
}

/** An AnyValue; when several oneof members are on the wire the last one wins. */
export function readAnyValue(r: Reader, end: number, depth: number): AttrValue {
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case AnyValueTag.stringValue:
        value = r.string();
        break;
      case AnyValueTag.boolValue:
        value = r.bool();
        break;
      case AnyValueTag.intValue: {
        const long = r.int64() as unknown as { high: number; low: number };
        value = i64ToAttr(long.high, long.low);
        break;
      }
      case AnyValueTag.doubleValue:
        value = r.double();
        break;
      case AnyValueTag.arrayValue:
        value = readArrayValue(r, enter(r, depth + 1), depth + 1);
        break;
      case AnyValueTag.kvlistValue: {
        const kvlist: Attributes = {};
        const kvEnd = enter(r, depth + 1);
        while (r.pos < kvEnd) {
          const t = r.uint32();
          if (t === ListTag.values) readKeyValue(r, enter(r, depth + 2), depth + 2, kvlist);
          else r.skipType(t & 7);
        }
        leave(r, kvEnd);
        value = kvlist;
        break;
      }
      case AnyValueTag.bytesValue:
        value = base64(r);
        break;
      case AnyValueTag.stringValueStrindex: // profiles-only: OTLP says treat it as absent
        r.skipType(Wire.VARINT);
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
    if (tag === ListTag.values) values.push(readAnyValue(r, enter(r, depth + 1), depth + 1));
    else r.skipType(tag & 7);
  }
  leave(r, end);
  return values;
}
