/**
 * Stored span rows back into the mapper's input, and the join of GenAI log events: the one place where raw
 * columns, stored events and the mapper meet, so live ingest, late events and `tracebridge remap` all map a span
 * the same way.
 */
import { mapSpan } from '../mapper/index.js';
import { eventFromJson, linkFromJson } from '../mapper/raw-columns.js';
import { expandRefs } from '../mapper/raw-refs.js';
import type { Json } from '../mapper/types.js';
import {
  type Attributes,
  type AttrValue,
  type DecodedEvent,
  type DecodedSpan,
  KIND_NAMES,
  type SpanInput,
  STATUS_NAMES,
  type StatusCode,
} from '../otlp/model.js';
import type { SpanRecord } from '../store/columns.js';
import type { StoredEvent } from '../store/events.js';
import type { RawSpanRow } from '../store/raw-spans.js';

/** A stored row back into the mapper's input: the inverse of the raw columns mapSpan writes. */
export function rawRowToSpanInput(row: RawSpanRow): SpanInput {
  const span: DecodedSpan = {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id ?? '',
    traceState: row.trace_state ?? '',
    // bigint columns arrive as strings from node-postgres.
    flags: Number(row.flags),
    name: row.name,
    kind: Math.max(0, (KIND_NAMES as readonly string[]).indexOf(row.kind)),
    startTimeUnixNano: BigInt(row.start_time_unix_nano),
    endTimeUnixNano: BigInt(row.end_time_unix_nano),
    // References to inputs / outputs are expanded back to the attribute text the client sent.
    attributes: expandRefs(row.attributes as Attributes, {
      inputs: row.inputs as Json,
      outputs: row.outputs as Json,
    }),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    events: (row.events as unknown[]).map(eventFromJson),
    droppedEventsCount: Number(row.dropped_events_count),
    links: (row.links as unknown[]).map(linkFromJson),
    droppedLinksCount: Number(row.dropped_links_count),
    status: {
      code: Math.max(0, (STATUS_NAMES as readonly string[]).indexOf(row.status)) as StatusCode,
      message: row.status_message ?? '',
    },
  };
  return {
    span,
    resource: row.resource_attributes as Attributes,
    scope: {
      name: row.scope_name ?? '',
      version: row.scope_version ?? '',
      attributes: row.scope_attributes as Attributes,
    },
  };
}

/**
 * A GenAI event stored from a log record, as the conventions read events: the record's attributes plus its body.
 * Log-based GenAI events carry their content in the body ({content, role, tool_calls, message, finish_reason, …});
 * span events carry the same fields as attributes, so an object body is merged into the attributes (body fields
 * win over same-named attributes) and a scalar body becomes `content`.
 */
export function storedEventToDecoded(e: StoredEvent): DecodedEvent {
  const attributes: Attributes = { ...(e.attributes as Attributes) };
  const body = e.body as AttrValue | undefined;
  if (body !== null && body !== undefined) {
    if (typeof body === 'object' && !Array.isArray(body)) Object.assign(attributes, body);
    else attributes['content'] = body;
  }
  return {
    name: e.event_name,
    timeUnixNano: BigInt(e.time_unix_nano),
    attributes,
    droppedAttributesCount: 0,
  };
}

/** Maps a span again with its log events (the store's EventJoin). */
export function joinEvents(span: RawSpanRow, events: StoredEvent[]): SpanRecord {
  const input = rawRowToSpanInput(span);
  const row = mapSpan({ ...input, logEvents: events.map(storedEventToDecoded) });
  row.experiment_id = span.experiment_id;
  return row;
}
