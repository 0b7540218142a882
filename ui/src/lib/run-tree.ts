/**
 * A run as one tree: every trace's spans, each linked trace's top-level spans hung under the span of the trace it
 * links from (api/types.ts RunAttachment). Keys are `trace_id:span_id`, all on one time axis.
 */
import type { RunAttachment, SpanNode } from '../../../api/types.ts';
import { minStartNs, type SpanItem, spanItems } from './span-items.ts';

export const runKey = (traceId: string, spanId: string) => `${traceId}:${spanId}`;

export function runItems(
  trees: readonly { traceId: string; spans: SpanNode[] }[],
  attachments: readonly RunAttachment[],
): SpanItem[] {
  const origin = minStartNs(trees.flatMap((t) => t.spans));
  const loaded = new Set(trees.map((t) => t.traceId));
  // The first attachment of a trace wins (a trace linked from several spans is drawn once).
  const hang = new Map<string, RunAttachment>();
  for (const a of attachments) {
    if (!hang.has(a.trace_id) && loaded.has(a.parent_trace_id) && a.parent_trace_id !== a.trace_id) {
      hang.set(a.trace_id, a);
    }
  }
  const out: SpanItem[] = [];
  for (const { traceId, spans } of trees) {
    const ids = new Set(spans.map((s) => s.span_id));
    const items = spanItems(traceId, spans, origin, (id) => runKey(traceId, id));
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
