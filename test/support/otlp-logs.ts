/** Builds OTLP logs requests (GenAI events) for tests, as protobuf bytes and as OTLP/JSON. */
import Long from 'long';
import { ExportLogsServiceRequest } from '../../proto/otlp.js';

export interface TestLogRecord {
  eventName: string;
  /** A string body, or a kvlist of strings. */
  body: string | Record<string, string>;
  time: bigint;
  traceId?: string;
  spanId?: string;
  severityText?: string;
}

export interface TestResourceLogs {
  resource?: Record<string, string>;
  scope?: { name: string; version?: string };
  records: TestLogRecord[];
}

const attrs = (a: Record<string, string> = {}) =>
  Object.entries(a).map(([key, v]) => ({ key, value: { stringValue: v } }));
const bodyValue = (b: TestLogRecord['body']) =>
  typeof b === 'string' ? { stringValue: b } : { kvlistValue: { values: attrs(b) } };

export function logsJson(groups: TestResourceLogs[]): Record<string, unknown> {
  return {
    resourceLogs: groups.map((g) => ({
      resource: { attributes: attrs(g.resource) },
      scopeLogs: [
        {
          scope: { name: g.scope?.name ?? 'test', version: g.scope?.version ?? '' },
          logRecords: g.records.map((r) => ({
            eventName: r.eventName,
            timeUnixNano: r.time.toString(),
            ...(r.severityText !== undefined ? { severityText: r.severityText } : {}),
            ...(r.traceId ? { traceId: r.traceId } : {}),
            ...(r.spanId ? { spanId: r.spanId } : {}),
            body: bodyValue(r.body),
          })),
        },
      ],
    })),
  };
}

export function logsProtobuf(groups: TestResourceLogs[]): Uint8Array {
  const message = ExportLogsServiceRequest.fromObject({});
  Object.assign(message, {
    resourceLogs: groups.map((g) => ({
      resource: { attributes: attrs(g.resource) },
      scopeLogs: [
        {
          scope: { name: g.scope?.name ?? 'test', version: g.scope?.version ?? '' },
          logRecords: g.records.map((r) => ({
            eventName: r.eventName,
            timeUnixNano: Long.fromString(r.time.toString(), true),
            severityText: r.severityText ?? '',
            traceId: r.traceId ? Buffer.from(r.traceId, 'hex') : Buffer.alloc(0),
            spanId: r.spanId ? Buffer.from(r.spanId, 'hex') : Buffer.alloc(0),
            body: bodyValue(r.body),
          })),
        },
      ],
    })),
  });
  return ExportLogsServiceRequest.encode(message).finish();
}
