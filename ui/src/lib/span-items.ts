/** SpanNode (the API's tree rows) → the items the tree draws, on a time axis in milliseconds from `origin`. */
import type { SpanNode } from '../../../api/types.ts';
import type { TreeInput } from './tree.ts';

export interface SpanItem extends TreeInput {
  traceId: string;
  span: SpanNode;
  /** Milliseconds from the axis origin. */
  start: number;
  end: number;
  failed: boolean;
  /** Lower-cased text the in-trace search looks through (built on the first search: 10,000 strings otherwise). */
  haystack?: string;
  /** On the run page: the trace this root belongs to hangs under a span of another trace. */
  attachedFrom?: string;
}

export function nsToBig(ns: string | null | undefined): bigint | null {
  if (!ns || !/^\d+$/.test(ns)) return null;
  return BigInt(ns);
}

/** Milliseconds between two decimal-nanosecond strings, exact to the microsecond. */
export function msBetween(origin: bigint, ns: string | null | undefined): number {
  const v = nsToBig(ns);
  return v == null ? 0 : Number(v - origin) / 1e6;
}

export function minStartNs(spans: readonly SpanNode[]): bigint {
  let min: bigint | null = null;
  for (const s of spans) {
    const v = nsToBig(s.start_ns);
    if (v != null && (min == null || v < min)) min = v;
  }
  return min ?? 0n;
}

export function spanItems(
  traceId: string,
  spans: readonly SpanNode[],
  origin: bigint,
  keyOf: (spanId: string) => string = (id) => id,
): SpanItem[] {
  return spans.map((span) => {
    const start = msBetween(origin, span.start_ns);
    return {
      key: keyOf(span.span_id),
      parentKey: span.parent_span_id ? keyOf(span.parent_span_id) : null,
      traceId,
      span,
      start,
      end: Math.max(start, start + (span.duration_ms ?? 0)),
      failed: span.status === 'ERROR',
    };
  });
}

export function haystackOf(item: SpanItem): string {
  if (item.haystack === undefined) {
    const s = item.span;
    item.haystack = [
      s.name,
      s.span_type,
      s.model,
      s.provider,
      s.tool_name,
      s.agent_name,
      s.span_id,
      s.status_message,
      s.error_type,
    ]
      .filter(Boolean)
      .join('\u0000')
      .toLowerCase();
  }
  return item.haystack;
}
