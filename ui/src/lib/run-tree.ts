/**
 * A run as one tree: every trace's spans, each linked trace's top-level spans hung under the span of the trace it
 * links from (api/types.ts RunAttachment). Keys are `trace_id:span_id`, all on one time axis that starts at the
 * run's earliest span.
 */
import type { RunAttachment, RunTraceTree } from '../../../api/types.ts';
import { minOffset, nsToBig, type SpanItem, spanItems } from './span-items.ts';

export const runKey = (traceId: string, spanId: string) => `${traceId}:${spanId}`;

export function runItems(trees: readonly RunTraceTree[], attachments: readonly RunAttachment[]): SpanItem[] {
  // Each trace's first span in absolute nanoseconds; the run's axis starts at the earliest.
  const firsts = trees.map((t) => (nsToBig(t.start_ns) ?? 0n) + BigInt(Math.round(minOffset(t.spans))));
  const origin = firsts.reduce<bigint | null>((m, v) => (m == null || v < m ? v : m), null) ?? 0n;
  const loaded = new Set(trees.map((t) => t.trace_id));
  // The first attachment of a trace wins (a trace linked from several spans is drawn once).
  const hang = new Map<string, RunAttachment>();
  for (const a of attachments) {
    if (!hang.has(a.trace_id) && loaded.has(a.parent_trace_id) && a.parent_trace_id !== a.trace_id) {
      hang.set(a.trace_id, a);
    }
  }
  const out: SpanItem[] = [];
  for (const { trace_id: traceId, spans, start_ns: startNs } of trees) {
    const ids = new Set(spans.map((s) => s.span_id));
    const shiftMs = Number((nsToBig(startNs) ?? 0n) - origin) / 1e6;
    const items = spanItems(traceId, spans, startNs, shiftMs, (id) => runKey(traceId, id));
    const a = hang.get(traceId);
    for (const item of items) {
      const top = item.span.parent_span_id == null || !ids.has(item.span.parent_span_id);
      if (top && a) {
        item.parentKey = runKey(a.parent_trace_id, a.parent_span_id);
        item.attachedFrom = a.parent_trace_id;
      }
      out.push(item);
    }
  }
  return out;
}
