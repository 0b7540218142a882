/**
 * Decoded OTLP logs: what both logs decoders produce, following the same conventions as the decoded
 * traces in otlp/model.ts (hex ids, bigint nanoseconds, AttrValue attributes).
 */
import type { Attributes, AttrValue, DecodedScope } from './model.js';

export interface DecodedLogRecord {
  /** 0n when unknown. */
  timeUnixNano: bigint;
  /** 0n when unknown. */
  observedTimeUnixNano: bigint;
  /** OTLP SeverityNumber: 0 UNSPECIFIED, 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL. */
  severityNumber: number;
  severityText: string;
  /** null when the record has no body. */
  body: AttrValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  /** Lowercase hex, '' when absent. */
  traceId: string;
  /** Lowercase hex, '' when absent. */
  spanId: string;
  /** '' when the record is not an event. */
  eventName: string;
}

export interface DecodedScopeLogs {
  scope: DecodedScope;
  schemaUrl: string;
  logRecords: DecodedLogRecord[];
}

export interface DecodedResourceLogs {
  resource: { attributes: Attributes; droppedAttributesCount: number };
  schemaUrl: string;
  scopeLogs: DecodedScopeLogs[];
}

export interface DecodedLogsRequest {
  resourceLogs: DecodedResourceLogs[];
}
