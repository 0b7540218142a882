/**
 * The raw `events` and `links` columns in both directions: a span's decoded events and links as the jsonb the
 * mapper writes, and that jsonb back into decoded form for `remap` and the event join (pipeline/raw-span.ts). One
 * file, so the two directions cannot drift apart; a property test holds `fromJson(toJson(x))` to `x`.
 *
 * Defaults are left out of the JSON (dropped counts of 0, empty trace state, flags 0), as OTLP/JSON does.
 */
import type { Attributes, DecodedEvent, DecodedLink } from '../otlp/model.js';
import type { Json } from './types.js';

export function eventJson(e: DecodedEvent): Json {
  return {
    name: e.name,
    time_unix_nano: e.timeUnixNano.toString(),
    attributes: e.attributes,
    ...(e.droppedAttributesCount ? { dropped_attributes_count: e.droppedAttributesCount } : {}),
  };
}

export function linkJson(l: DecodedLink): Json {
  return {
    trace_id: l.traceId,
    span_id: l.spanId,
    ...(l.traceState ? { trace_state: l.traceState } : {}),
    ...(l.flags ? { flags: l.flags } : {}),
    attributes: l.attributes,
    ...(l.droppedAttributesCount ? { dropped_attributes_count: l.droppedAttributesCount } : {}),
  };
}

/** A stored `events` element back into a decoded event (the inverse of eventJson). */
export function eventFromJson(json: unknown): DecodedEvent {
  const e = (json ?? {}) as Record<string, unknown>;
  return {
    name: String(e.name ?? ''),
    timeUnixNano: BigInt(String(e.time_unix_nano ?? '0')),
    attributes: (e.attributes ?? {}) as Attributes,
    droppedAttributesCount: Number(e.dropped_attributes_count ?? 0),
  };
}

/** A stored `links` element back into a decoded link (the inverse of linkJson). */
export function linkFromJson(json: unknown): DecodedLink {
  const l = (json ?? {}) as Record<string, unknown>;
  return {
    traceId: String(l.trace_id ?? ''),
    spanId: String(l.span_id ?? ''),
    traceState: String(l.trace_state ?? ''),
    flags: Number(l.flags ?? 0),
    attributes: (l.attributes ?? {}) as Attributes,
    droppedAttributesCount: Number(l.dropped_attributes_count ?? 0),
  };
}
