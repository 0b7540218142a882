/**
 * mapSpan: one decoded OTLP span (with its resource and scope) → one `spans` row. Pure: no I/O, no clock, no
 * globals, so re-mapping stored raw spans after an upgrade gives exactly what live ingest would have.
 */

import {
  type Attributes,
  type AttrValue,
  type DecodedEvent,
  KIND_NAMES,
  type SpanInput,
  STATUS_NAMES,
} from '../otlp/model.js';
import { assessmentsOf } from './assessments.js';
import { mergeFields } from './merge.js';
import { requestPreview, responsePreview } from './preview.js';
import { eventJson, linkJson } from './raw-columns.js';
import { type JsonTexts, refAttributes } from './raw-refs.js';
import { CONVENTIONS } from './registry.js';
import { cleanJson, cleanString } from './sanitize.js';
import { durationMs, nanosColumn, timestampColumn } from './time.js';
import type { Json, MappedFields, SpanRow, SpanStatus, SpanType, TokenUsage } from './types.js';
import { str } from './values.js';

/** Bump when a mapping changes: rows with an older version are what `tracebridge remap` recomputes. */
export const MAPPER_VERSION = 4;

/**
 * `texts`, when given, receives the JSON text of content values serialized on the way (raw-refs.ts), for the COPY
 * encoder to reuse: an output, so the function stays pure.
 */
export function mapSpan(input: SpanInput, texts?: JsonTexts): SpanRow {
  const { span, resource, scope } = input;
  // Conventions read the span's own events and its events sent as logs alike (withLogEvents).
  const seen = withLogEvents(input);
  const found: MappedFields[] = [];
  const conventions: string[] = [];
  for (const c of CONVENTIONS) {
    const fields = c.map(seen);
    if (fields) {
      found.push(fields);
      conventions.push(c.name);
    }
  }
  const f = mergeFields(found);
  const exception = seen.span.events.find((e) => e.name === 'exception');
  const status: SpanStatus = STATUS_NAMES[span.status.code] ?? 'UNSET';
  const model = f.response_model ?? f.request_model ?? null;
  const spanType: SpanType = f.span_type && f.span_type !== 'UNKNOWN' ? f.span_type : heuristicType(f, model);
  const tokens = tokenUsage(f);
  const inputs = f.inputs ?? null;
  const outputs = f.outputs ?? null;
  const inputMessages = f.input_messages?.length ? f.input_messages : null;
  const outputMessages = f.output_messages?.length ? f.output_messages : null;

  const row: SpanRow = {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId === '' ? null : span.parentSpanId,
    experiment_id: '0',
    name: span.name,
    span_type: spanType,
    kind: KIND_NAMES[span.kind] ?? 'UNSPECIFIED',
    status,
    status_message: span.status.message || (status === 'ERROR' ? exceptionMessage(exception) : null),
    start_time: timestampColumn(span.startTimeUnixNano),
    end_time: timestampColumn(span.endTimeUnixNano),
    start_time_unix_nano: nanosColumn(span.startTimeUnixNano),
    end_time_unix_nano: nanosColumn(span.endTimeUnixNano),
    duration_ms: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    inputs,
    outputs,
    input_messages: inputMessages,
    output_messages: outputMessages,
    model,
    provider: f.provider ?? null,
    request_params: f.request_params && Object.keys(f.request_params).length ? f.request_params : null,
    finish_reasons: f.finish_reasons?.length ? f.finish_reasons : null,
    response_id: f.response_id ?? null,
    tool_name: f.tool_name ?? null,
    tool_call_id: f.tool_call_id ?? null,
    agent_name: f.agent_name ?? null,
    session_id: f.session_id ?? null,
    user_id: f.user_id ?? null,
    error_type: f.error_type ?? (exception ? str(exception.attributes['exception.type']) : null),
    ...tokens,
    attributes: span.attributes,
    events: span.events.map(eventJson),
    links: span.links.map(linkJson),
    resource_attributes: resource,
    scope_name: scope.name || null,
    scope_version: scope.version || null,
    scope_attributes: scope.attributes,
    trace_state: span.traceState || null,
    flags: span.flags,
    dropped_attributes_count: span.droppedAttributesCount,
    dropped_events_count: span.droppedEventsCount,
    dropped_links_count: span.droppedLinksCount,
    request_preview: f.request_preview ?? requestPreview(inputMessages, inputs),
    response_preview: f.response_preview ?? responsePreview(outputMessages, outputs, spanType === 'TOOL'),
    trace_tags: nonEmpty({ ...resourceTags(resource), ...(f.trace_tags ?? {}) }),
    trace_metadata: nonEmpty(f.trace_metadata ?? {}),
    conventions,
    mapper_version: MAPPER_VERSION,
    assessments: assessmentsOf(seen.span.events),
  };
  const clean = sanitizeRow(row);
  // Store content once: attributes that repeat inputs / outputs verbatim become references (raw-refs.ts).
  clean.attributes = refAttributes(clean.attributes, clean, texts);
  return clean;
}

/**
 * The span as the conventions see it: its own events, then its log events by time (ties by name, then the
 * attributes' JSON), so the mapped row is the same whatever order the log records arrived in.
 */
function withLogEvents(input: SpanInput): SpanInput {
  const logs = input.logEvents;
  if (!logs || logs.length === 0) return input;
  const sorted = logs
    .map((e) => ({ e, key: `${e.name}\u0000${JSON.stringify(e.attributes)}` }))
    .sort((a, b) =>
      a.e.timeUnixNano < b.e.timeUnixNano
        ? -1
        : a.e.timeUnixNano > b.e.timeUnixNano
          ? 1
          : a.key < b.key
            ? -1
            : a.key > b.key
              ? 1
              : 0,
    )
    .map((x) => x.e);
  return { ...input, span: { ...input.span, events: [...input.span.events, ...sorted] } };
}

/** Fallback typing when no convention named a type: a tool name means TOOL, a model means LLM. */
function heuristicType(f: MappedFields, model: string | null): SpanType {
  if (f.tool_name) return 'TOOL';
  if (model) return 'LLM';
  return 'UNKNOWN';
}

function tokenUsage(f: MappedFields): TokenUsage {
  const input = f.input_tokens ?? null;
  const output = f.output_tokens ?? null;
  const total = f.total_tokens ?? (input !== null || output !== null ? (input ?? 0) + (output ?? 0) : null);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: total,
    cache_read_tokens: f.cache_read_tokens ?? null,
    cache_write_tokens: f.cache_write_tokens ?? null,
    reasoning_tokens: f.reasoning_tokens ?? null,
  };
}

function exceptionMessage(e: DecodedEvent | undefined): string | null {
  return e ? str(e.attributes['exception.message']) : null;
}

/** Resource attributes become trace tags, except the SDK's own bookkeeping (telemetry.sdk.*). */
function resourceTags(resource: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in resource) {
    const v = resource[k] as AttrValue;
    if (k.startsWith('telemetry.sdk.') || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

function nonEmpty<T extends object>(o: T): T | null {
  return Object.keys(o).length ? o : null;
}

/** Every text and jsonb value of the row, cleaned for Postgres (sanitize.ts). */
function sanitizeRow(row: SpanRow): SpanRow {
  const r = row as unknown as Record<string, unknown>;
  // for-in, not Object.entries: no pair arrays for a row literal's own keys (it inherits no enumerable ones).
  for (const k in r) {
    const v = r[k];
    if (typeof v === 'string') r[k] = cleanString(v);
    else if (v !== null && typeof v === 'object') r[k] = cleanJson(v as Json);
  }
  return row;
}
