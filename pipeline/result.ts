/**
 * The result of an export as it crosses from the pipeline back to a transport, and every error code with its
 * HTTP and gRPC status and retryability in one table (codes are stable: users grep logs and alert on them; each is
 * documented in docs/operations.md, which a test checks). Failures are built from the table (`failed`), so no call
 * site decides on its own whether a code is worth retrying.
 */

export const ERRORS = {
  MALFORMED_PAYLOAD: { http: 400, grpc: 3 /* INVALID_ARGUMENT */, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: 3, retryable: false },
  UNSUPPORTED_ENCODING: { http: 415, grpc: 12 /* UNIMPLEMENTED */, retryable: false },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: 8 /* RESOURCE_EXHAUSTED */, retryable: false },
  METHOD_NOT_ALLOWED: { http: 405, grpc: 12, retryable: false },
  NOT_FOUND: { http: 404, grpc: 5 /* NOT_FOUND */, retryable: false },
  EXPERIMENT_NOT_FOUND: { http: 404, grpc: 5, retryable: false },
  INVALID_HEADER: { http: 400, grpc: 3, retryable: false },
  VALUE_TOO_LONG: { http: 400, grpc: 3, retryable: false },
  UNAUTHENTICATED: { http: 401, grpc: 16 /* UNAUTHENTICATED */, retryable: false },
  PERMISSION_DENIED: { http: 403, grpc: 7 /* PERMISSION_DENIED */, retryable: false },
  OVERLOADED: { http: 429, grpc: 14 /* UNAVAILABLE */, retryable: true },
  STORE_UNAVAILABLE: { http: 503, grpc: 14, retryable: true },
  SHUTTING_DOWN: { http: 503, grpc: 14, retryable: true },
  MAPPER_UNAVAILABLE: { http: 503, grpc: 14, retryable: true },
  STORE_REFUSED: { http: 500, grpc: 13 /* INTERNAL */, retryable: false },
  INTERNAL: { http: 500, grpc: 13, retryable: false },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** The codes the table marks retryable: their results carry a retry delay, which the compiler asks for. */
export type RetryableCode = {
  [K in ErrorCode]: (typeof ERRORS)[K]['retryable'] extends true ? K : never;
}[ErrorCode];
export type FinalCode = Exclude<ErrorCode, RetryableCode>;

export type ExportResult =
  | { kind: 'accepted'; rejected?: { count: number; message: string } }
  | { kind: 'rejected'; code: ErrorCode; message: string }
  | { kind: 'retryable'; code: ErrorCode; retryAfterMs: number; message: string };

/** A failed export, retryable exactly when ERRORS says so. */
export function failed(code: FinalCode, message: string): ExportResult;
export function failed(code: RetryableCode, message: string, retryAfterMs: number): ExportResult;
export function failed(code: ErrorCode, message: string, retryAfterMs?: number): ExportResult;
export function failed(code: ErrorCode, message: string, retryAfterMs?: number): ExportResult {
  if (!ERRORS[code].retryable) return { kind: 'rejected', code, message };
  if (retryAfterMs === undefined) throw new Error(`${code} is retryable: its result needs a retry delay`);
  return { kind: 'retryable', code, message, retryAfterMs };
}

/** Reasons shown in a partial_success message; the rest are counted. */
const SHOWN_REASONS = 5;

/**
 * An export that was stored, with `rejectedCount` items (spans or log records) not stored for the given reasons:
 * the one partial_success message builder for traces and logs.
 */
export function accepted(rejectedCount = 0, reasons: readonly string[] = []): ExportResult {
  if (rejectedCount === 0 && reasons.length === 0) return { kind: 'accepted' };
  const shown = reasons.slice(0, SHOWN_REASONS).join('; ');
  const more = reasons.length > SHOWN_REASONS ? ` (and ${reasons.length - SHOWN_REASONS} more)` : '';
  return { kind: 'accepted', rejected: { count: rejectedCount, message: `${shown}${more}` } };
}

/** A body that could not be decoded as OTLP in its format. */
export function malformed(format: 'protobuf' | 'json', reason: string): ExportResult {
  return failed('MALFORMED_PAYLOAD', `cannot decode OTLP ${format}: ${reason}`);
}
