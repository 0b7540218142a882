/**
 * `tracebridge run <id>` as text: the run's header, then all of its traces as one span tree, each linked trace
 * nested under the span it links from (AutoGen: a message's `process` trace under the `publish` span that sent
 * it), on one waterfall axis.
 */
import type { SpanDetail } from '../../store/queries.js';
import type { RunLink, RunRow } from '../../store/run-queries.js';
import { formatTime, nsToDate } from './format.js';
import type { Palette } from './terminal.js';
import { oneLine, truncate } from './text.js';
import { headerLine, renderSpanTree } from './trace-view.js';

/** Short trace ids on nested trace roots, as `tracebridge traces` prints them. */
const SHORT_ID = 12;

export function renderRunHeader(run: RunRow, p: Palette, width: number): string[] {
  const counts = `${run.traceCount} trace${run.traceCount === 1 ? '' : 's'}  ${run.spanCount} spans`;
  const lines = [headerLine({ ...run, counts }, p, width)];
  const facts = [
    `run ${run.runId}`,
    `experiment ${run.experimentName}`,
    run.startNs ? `started ${formatTime(nsToDate(run.startNs))}` : '',
    run.sessionId ? `session ${run.sessionId}` : '',
    run.userId ? `user ${run.userId}` : '',
  ].filter(Boolean);
  lines.push(p.dim(truncate(facts.join('  '), width)));
  if (run.requestPreview) lines.push(truncate(`request:  ${oneLine(run.requestPreview)}`, width));
  if (run.responsePreview) lines.push(truncate(`response: ${oneLine(run.responsePreview)}`, width));
  return lines;
}

/**
 * The spans of every trace of the run as one forest: ids become `trace/span`, and the roots of each trace (spans
 * whose parent is not stored) hang under the span their trace links from — the link of the trace's earliest span
 * that has one to another trace of the run. A link that would close a cycle leaves the trace at the top
 * (span-tree.ts refuses cycles).
 */
export function runForest(
  traces: { traceId: string; spans: SpanDetail[] }[],
  links: RunLink[],
): SpanDetail[] {
  const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  const linkFrom = new Map<string, string>();
  for (const l of links) {
    const from = key(l.traceId, l.spanId);
    if (!linkFrom.has(from)) linkFrom.set(from, key(l.linkedTraceId, l.linkedSpanId));
  }
  const all = new Set(traces.flatMap((t) => t.spans.map((s) => key(t.traceId, s.spanId))));
  const out: SpanDetail[] = [];
  for (const { traceId, spans } of traces) {
    // Spans come in start order, so the first with a link is the earliest.
    const anchor = spans
      .map((s) => linkFrom.get(key(traceId, s.spanId)))
      .find((target) => target !== undefined && all.has(target));
    for (const s of spans) {
      const parent = s.parentSpanId === null ? null : key(traceId, s.parentSpanId);
      const isRoot = parent === null || !all.has(parent);
      out.push({
        ...s,
        spanId: key(traceId, s.spanId),
        parentSpanId: isRoot ? (anchor ?? null) : parent,
        name: isRoot ? `${s.name} [trace ${traceId.slice(0, SHORT_ID)}]` : s.name,
      });
    }
  }
  // The tree builder expects start order across the whole run.
  return out.sort((a, b) => {
    const x = BigInt(a.startNs);
    const y = BigInt(b.startNs);
    return x < y ? -1 : x > y ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
  });
}

export function renderRunTree(
  run: RunRow,
  traces: { traceId: string; spans: SpanDetail[] }[],
  links: RunLink[],
  p: Palette,
  width: number,
): string[] {
  return renderSpanTree(run, runForest(traces, links), p, width);
}
