/**
 * The result of an export as it crosses from the pipeline back to a transport, and every error code with its
 * HTTP and gRPC status in one place (codes are stable: users grep logs and alert on them).
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

export type ExportResult =
  | { kind: 'accepted'; rejected?: { count: number; message: string } }
  | { kind: 'rejected'; code: ErrorCode; message: string }
  | { kind: 'retryable'; code: ErrorCode; retryAfterMs: number; message: string };

export function rejected(code: ErrorCode, message: string): ExportResult {
  return { kind: 'rejected', code, message };
}

export function retryable(code: ErrorCode, message: string, retryAfterMs: number): ExportResult {
  return { kind: 'retryable', code, message, retryAfterMs };
}
