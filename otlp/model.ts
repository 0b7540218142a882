/**
 * Decoded OTLP: the value that crosses from ingest (decoders) into the mapper.
 *
 * Both decoders (protobuf and OTLP/JSON) produce exactly this shape, so nothing downstream knows which wire
 * format a span came in. Conventions:
 * - ids are lowercase hex strings of the bytes as received ('' when absent); validation happens in ingest.
 * - timestamps are bigint nanoseconds since the epoch (fixed64 on the wire: never a JS number).
 * - attribute values are plain JSON values (see AttrValue), so they can be stored as jsonb and read back
 *   for `remap` without any loss the mapper could observe.
 */

/**
 * An OTLP AnyValue as plain JSON:
 * string / bool / double → themselves; int64 → number when it is a safe integer, else its decimal string;
 * bytes → base64 string; array → array; kvlist → object (later duplicate keys win); empty AnyValue → null.
 */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

export interface DecodedEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface DecodedLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

/** OTLP Status.code: 0 UNSET, 1 OK, 2 ERROR. */
export type StatusCode = 0 | 1 | 2;

/** Column names of OTLP Status.code and SpanKind, indexed by their numbers (spans.status, spans.kind). */
export const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'] as const;
export const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  /** '' when the span has no parent. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  /** OTLP SpanKind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: DecodedEvent[];
  droppedEventsCount: number;
  links: DecodedLink[];
  droppedLinksCount: number;
  status: { code: StatusCode; message: string };
}

export interface DecodedScope {
  name: string;
  version: string;
  attributes: Attributes;
}

/**
 * `Spans` is an array when a decoder builds the whole request at once, or an iterable that decodes each span as it
 * is reached (decode-protobuf.ts's streaming decoder): then a request's decoded spans die young instead of all
 * staying alive while it is mapped (docs/performance.md, "Overload").
 */
export interface DecodedScopeSpans<Spans extends Iterable<DecodedSpan> = DecodedSpan[]> {
  scope: DecodedScope;
  schemaUrl: string;
  spans: Spans;
}

export interface DecodedResourceSpans<Spans extends Iterable<DecodedSpan> = DecodedSpan[]> {
  resource: { attributes: Attributes; droppedAttributesCount: number };
  schemaUrl: string;
  scopeSpans: DecodedScopeSpans<Spans>[];
}

export interface DecodedTraceRequest<Spans extends Iterable<DecodedSpan> = DecodedSpan[]> {
  resourceSpans: DecodedResourceSpans<Spans>[];
}

/** What the mapper needs to map one span: the span with the resource and scope it arrived under. */
export interface SpanInput {
  span: DecodedSpan;
  resource: Attributes;
  scope: DecodedScope;
  /**
   * GenAI events that arrived as OTLP log records for this span, as events (body fields merged into the
   * attributes). Conventions see them after the span's own events, ordered by time; they are not stored in the
   * span's `events` column (they live in `genai_events`).
   */
  logEvents?: DecodedEvent[];
}
