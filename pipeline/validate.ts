/**
 * Span validation before mapping: OTLP requires 16-byte trace ids and 8-byte span ids that are not all zero.
 * Invalid spans are counted and reported through partial_success; the rest of the request is stored.
 */
import type { DecodedSpan } from '../otlp/model.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** 32 lowercase hex digits, not all zero. */
export const isTraceId = (id: string): boolean => TRACE_ID.test(id) && id !== ZERO_TRACE;

/** 16 lowercase hex digits, not all zero. */
export const isSpanId = (id: string): boolean => SPAN_ID.test(id) && id !== ZERO_SPAN;

/** Why the span can't be stored, or null when it can. */
export function invalidSpanReason(span: DecodedSpan): string | null {
  if (!isTraceId(span.traceId)) return `invalid trace_id "${span.traceId}"`;
  if (!isSpanId(span.spanId)) return `invalid span_id "${span.spanId}"`;
  if (span.parentSpanId !== '' && span.parentSpanId !== ZERO_SPAN && !SPAN_ID.test(span.parentSpanId)) {
    return `invalid parent_span_id "${span.parentSpanId}"`;
  }
  return null;
}

/** Some SDKs send an all-zero parent id for roots: that means "no parent". */
export function withoutZeroParent(span: DecodedSpan): DecodedSpan {
  return span.parentSpanId === ZERO_SPAN ? { ...span, parentSpanId: '' } : span;
}
