/**
 * CompactSpan (the API's compact tree, `/tree` and a run's `/spans`) → the items the tree draws, on a time axis in
 * milliseconds. Starts come as nanosecond offsets from their trace's start: within a trace they are plain numbers,
 * and only the run page shifts each trace by its start against the run's first (one BigInt per trace, not per span).
 */
import type { CompactSpan } from '../../../api/types.ts';
import type { TreeInput } from './tree.ts';

export interface SpanItem extends TreeInput {
  traceId: string;
  span: CompactSpan;
  /** The trace's start_ns, from which `span.start_offset_ns` counts (null when the trace has none). */
  traceStartNs: string | null;
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
  if (!ns || !/^-?\d+$/.test(ns)) return null;
  return BigInt(ns);
}

/** The earliest start offset of a trace's spans (0 for none): the axis starts at the first span. */
export function minOffset(spans: readonly CompactSpan[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const s of spans) if (s.start_offset_ns < min) min = s.start_offset_ns;
  return Number.isFinite(min) ? min : 0;
}

/**
 * The trace's spans as items; `shiftMs` places the trace's start on the axis (on a trace page, minus its first
 * span's offset, so the axis starts at the first span).
 */
export function spanItems(
  traceId: string,
  spans: readonly CompactSpan[],
  traceStartNs: string | null,
  shiftMs: number,
  keyOf: (spanId: string) => string = (id) => id,
): SpanItem[] {
  const out: SpanItem[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const start = shiftMs + span.start_offset_ns / 1e6;
    out[i] = {
      key: keyOf(span.span_id),
      parentKey: span.parent_span_id ? keyOf(span.parent_span_id) : null,
      traceId,
      span,
      traceStartNs,
      start,
      end: start + Math.max(0, span.duration_ms ?? 0),
      failed: span.status === 'ERROR',
    };
  }
  return out;
}

/** The span's start as exact Unix nanoseconds (its events are placed against it), or null. */
export function spanStartNs(item: SpanItem): bigint | null {
  const base = nsToBig(item.traceStartNs);
  return base == null ? null : base + BigInt(Math.round(item.span.start_offset_ns));
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
