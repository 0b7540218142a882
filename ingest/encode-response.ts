/**
 * Export replies in the request's encoding: Export{Trace,Logs}ServiceResponse on success (partial_success
 * only when something was rejected or there is a warning), google.rpc.Status on failure.
 *
 * JSON follows the proto3 JSON mapping the OTLP spec uses: lowerCamelCase keys, int64 as decimal strings,
 * an Any as {"@type": ..., fields}, a Duration as "<seconds>[.fraction]s".
 */
import Long from 'long';
import { ERRORS, type ErrorCode, type ExportResult } from '../pipeline/result.js';
import {
  ExportLogsServiceResponse,
  ExportTraceServiceResponse,
  RETRY_INFO_TYPE_URL,
  RetryInfo,
  RpcStatus,
} from '../proto/otlp.js';
import type { Signal } from './receiver.js';

export type ResponseFormat = 'protobuf' | 'json';

export interface TracePartialSuccess {
  rejectedSpans: number | bigint;
  errorMessage: string;
}

export interface LogsPartialSuccess {
  rejectedLogRecords: number | bigint;
  errorMessage: string;
}

export interface StatusReply {
  /** A gRPC status code (google.rpc.Code). */
  code: number;
  message: string;
  /** When set, a google.rpc.RetryInfo with this delay is added to `details`. */
  retryDelayMs?: number;
}

export function encodeTraceResponse(format: 'protobuf', partial?: TracePartialSuccess): Uint8Array;
export function encodeTraceResponse(format: 'json', partial?: TracePartialSuccess): string;
export function encodeTraceResponse(
  format: ResponseFormat,
  partial?: TracePartialSuccess,
): Uint8Array | string;
export function encodeTraceResponse(
  format: ResponseFormat,
  partial?: TracePartialSuccess,
): Uint8Array | string {
  if (format === 'json') {
    if (!partial) return '{}';
    return JSON.stringify({
      partialSuccess: {
        rejectedSpans: int64(partial.rejectedSpans).toString(),
        errorMessage: partial.errorMessage,
      },
    });
  }
  if (!partial) return new Uint8Array(0);
  const message = ExportTraceServiceResponse.create({
    partialSuccess: { rejectedSpans: toLong(partial.rejectedSpans), errorMessage: partial.errorMessage },
  });
  return ExportTraceServiceResponse.encode(message).finish();
}

export function encodeLogsResponse(format: 'protobuf', partial?: LogsPartialSuccess): Uint8Array;
export function encodeLogsResponse(format: 'json', partial?: LogsPartialSuccess): string;
export function encodeLogsResponse(format: ResponseFormat, partial?: LogsPartialSuccess): Uint8Array | string;
export function encodeLogsResponse(
  format: ResponseFormat,
  partial?: LogsPartialSuccess,
): Uint8Array | string {
  if (format === 'json') {
    if (!partial) return '{}';
    return JSON.stringify({
      partialSuccess: {
        rejectedLogRecords: int64(partial.rejectedLogRecords).toString(),
        errorMessage: partial.errorMessage,
      },
    });
  }
  if (!partial) return new Uint8Array(0);
  const message = ExportLogsServiceResponse.create({
    partialSuccess: {
      rejectedLogRecords: toLong(partial.rejectedLogRecords),
      errorMessage: partial.errorMessage,
    },
  });
  return ExportLogsServiceResponse.encode(message).finish();
}

/**
 * A google.rpc.Status. For gRPC its protobuf bytes go in the `grpc-status-details-bin` trailer; for
 * OTLP/HTTP it is the error response body.
 */
export function encodeStatus(format: 'protobuf', status: StatusReply): Uint8Array;
export function encodeStatus(format: 'json', status: StatusReply): string;
export function encodeStatus(format: ResponseFormat, status: StatusReply): Uint8Array | string;
export function encodeStatus(format: ResponseFormat, status: StatusReply): Uint8Array | string {
  const delayMs = status.retryDelayMs;
  if (format === 'json') {
    const body: Record<string, unknown> = { code: status.code, message: status.message };
    if (delayMs !== undefined) {
      body['details'] = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: durationJson(delayMs) }];
    }
    return JSON.stringify(body);
  }
  // protobufjs's bundled google.protobuf.Any keeps the proto field name `type_url` (not camelCased).
  const details =
    delayMs === undefined ? [] : [{ type_url: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(delayMs) }];
  return RpcStatus.encode(RpcStatus.create({ code: status.code, message: status.message, details })).finish();
}

/** A google.rpc.RetryInfo (protobuf bytes) asking the client to wait `retryDelayMs` before retrying. */
export function encodeRetryInfo(retryDelayMs: number): Uint8Array {
  const { seconds, nanos } = duration(retryDelayMs);
  return RetryInfo.encode(RetryInfo.create({ retryDelay: { seconds, nanos } })).finish();
}

/** Whole milliseconds, never negative (a delay is a lower bound, so round up). */
function duration(ms: number): { seconds: number; nanos: number } {
  const whole = Number.isFinite(ms) ? Math.max(0, Math.ceil(ms)) : 0;
  return { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1_000_000 };
}

/** proto3 JSON Duration: "1s", "1.500s". */
function durationJson(ms: number): string {
  const { seconds, nanos } = duration(ms);
  return nanos === 0 ? `${seconds}s` : `${seconds}.${String(nanos / 1_000_000).padStart(3, '0')}s`;
}

function int64(value: number | bigint): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return BigInt(value);
}

function toLong(value: number | bigint): Long {
  return Long.fromString(int64(value).toString(), false);
}

/** An export's answer, encoded for the wire: what both transports write, each in its own framing. */
export type EncodedAnswer<Body extends Uint8Array | string = Uint8Array | string> =
  | { ok: true; body: Body }
  | {
      ok: false;
      code: ErrorCode;
      /** `CODE: message`, as the google.rpc.Status message and gRPC details carry it. */
      message: string;
      http: number;
      grpc: number;
      retryAfterMs: number | undefined;
      /** The google.rpc.Status, in the request's format. */
      status: Body;
    };

/**
 * Encodes an ExportResult: the signal's Export…ServiceResponse (with partial_success when something was rejected;
 * metrics, accepted and not stored, answer an empty one) or a google.rpc.Status with RetryInfo when retryable.
 */
export function encodeAnswer(
  signal: Signal,
  format: 'protobuf',
  result: ExportResult,
): EncodedAnswer<Uint8Array>;
export function encodeAnswer(signal: Signal, format: ResponseFormat, result: ExportResult): EncodedAnswer;
export function encodeAnswer(signal: Signal, format: ResponseFormat, result: ExportResult): EncodedAnswer {
  if (result.kind === 'accepted') {
    const r = result.rejected;
    if (signal === 'logs') {
      return {
        ok: true,
        body: encodeLogsResponse(
          format,
          r ? { rejectedLogRecords: r.count, errorMessage: r.message } : undefined,
        ),
      };
    }
    // Metrics are never partially rejected: their answer is the empty response, which the trace encoder gives.
    return {
      ok: true,
      body: encodeTraceResponse(format, r ? { rejectedSpans: r.count, errorMessage: r.message } : undefined),
    };
  }
  const spec = ERRORS[result.code];
  const message = `${result.code}: ${result.message}`;
  const retryAfterMs = result.kind === 'retryable' ? result.retryAfterMs : undefined;
  return {
    ok: false,
    code: result.code,
    message,
    http: spec.http,
    grpc: spec.grpc,
    retryAfterMs,
    status: encodeStatus(format, { code: spec.grpc, message, retryDelayMs: retryAfterMs }),
  };
}
