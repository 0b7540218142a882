/**
 * Builds OTLP requests for tests from a compact span description, in both wire encodings, so the same content can
 * be sent as OTLP/JSON and as protobuf.
 */
import { randomBytes } from 'node:crypto';
import Long from 'long';
import { ExportTraceServiceRequest } from '../../proto/otlp.js';

export type TestAttr = string | number | boolean | TestAttr[] | { [k: string]: TestAttr };

export interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  start: bigint;
  end: bigint;
  attributes?: Record<string, TestAttr>;
  events?: { name: string; time: bigint; attributes?: Record<string, TestAttr> }[];
  status?: { code: 0 | 1 | 2; message?: string };
  /** Span links: to a span of this or another trace. */
  links?: { traceId: string; spanId: string; attributes?: Record<string, TestAttr> }[];
}

export interface TestResourceSpans {
  resource?: Record<string, TestAttr>;
  scope?: { name: string; version?: string };
  spans: TestSpan[];
}

export const hexId = (bytes: number): string => randomBytes(bytes).toString('hex');

function jsonValue(v: TestAttr): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { intValue: BigInt(v).toString() } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonValue) } };
  return { kvlistValue: { values: jsonAttrs(v) } };
}

function jsonAttrs(attrs: Record<string, TestAttr> = {}) {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: jsonValue(value) }));
}

/** An ExportTraceServiceRequest in OTLP/JSON (hex ids, int64 as strings). */
export function jsonRequest(groups: TestResourceSpans[]): Record<string, unknown> {
  return {
    resourceSpans: groups.map((g) => ({
      resource: { attributes: jsonAttrs(g.resource) },
      scopeSpans: [
        {
          scope: { name: g.scope?.name ?? 'test', version: g.scope?.version ?? '' },
          spans: g.spans.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: s.kind ?? 1,
            startTimeUnixNano: s.start.toString(),
            endTimeUnixNano: s.end.toString(),
            attributes: jsonAttrs(s.attributes),
            events: (s.events ?? []).map((e) => ({
              name: e.name,
              timeUnixNano: e.time.toString(),
              attributes: jsonAttrs(e.attributes),
            })),
            status: s.status ?? {},
          })),
        },
      ],
    })),
  };
}

function pbValue(v: TestAttr): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { intValue: Long.fromNumber(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(pbValue) } };
  return { kvlistValue: { values: pbAttrs(v) } };
}

function pbAttrs(attrs: Record<string, TestAttr> = {}) {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: pbValue(value) }));
}

const bytes = (hex: string) => Buffer.from(hex, 'hex');
const u64 = (n: bigint) => Long.fromString(n.toString(), true);

/** The same request as protobuf bytes. */
export function protobufRequest(groups: TestResourceSpans[]): Uint8Array {
  const message = ExportTraceServiceRequest.fromObject({});
  Object.assign(message, {
    resourceSpans: groups.map((g) => ({
      resource: { attributes: pbAttrs(g.resource) },
      scopeSpans: [
        {
          scope: { name: g.scope?.name ?? 'test', version: g.scope?.version ?? '' },
          spans: g.spans.map((s) => ({
            traceId: bytes(s.traceId),
            spanId: bytes(s.spanId),
            parentSpanId: s.parentSpanId ? bytes(s.parentSpanId) : Buffer.alloc(0),
            name: s.name,
            kind: s.kind ?? 1,
            startTimeUnixNano: u64(s.start),
            endTimeUnixNano: u64(s.end),
            attributes: pbAttrs(s.attributes),
            events: (s.events ?? []).map((e) => ({
              name: e.name,
              timeUnixNano: u64(e.time),
              attributes: pbAttrs(e.attributes),
            })),
            status: s.status ?? {},
            links: (s.links ?? []).map((l) => ({
              traceId: bytes(l.traceId),
              spanId: bytes(l.spanId),
              attributes: pbAttrs(l.attributes),
            })),
          })),
        },
      ],
    })),
  });
  return ExportTraceServiceRequest.encode(message).finish();
}
