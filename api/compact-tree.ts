/**
 * The compact form of a span tree (api/types.ts CompactSpan): the fields of SpanNode without what a client can
 * take as a default (nulls, false flags, empty link lists, a zero event count, kind INTERNAL, status UNSET), and
 * the start as an offset from the trace's start instead of a 19-digit string. A 10,000-span tree shrinks to about
 * half (docs/performance.md, "The web explorer"), and the browser parses and collects half as much.
 */
import type { SpanNodeRow } from '../store/read/trace-detail.js';
import type { CompactSpan, SpanLink } from './types.js';

const OPTIONAL_TEXT = [
  'status_message',
  'error_type',
  'model',
  'provider',
  'tool_name',
  'agent_name',
] as const satisfies readonly (keyof CompactSpan & keyof SpanNodeRow)[];
const OPTIONAL_NUMBER = ['input_tokens', 'output_tokens', 'total_tokens'] as const;

/** Nanoseconds of `ns` after `origin` (both decimal strings), as a number; 0 when either is missing. */
function offset(ns: string, origin: bigint | null): number {
  if (origin === null || !/^-?\d+$/.test(ns)) return 0;
  return Number(BigInt(ns) - origin);
}

export function compactSpans(spans: readonly SpanNodeRow[], traceStartNs: string | null): CompactSpan[] {
  const origin = traceStartNs !== null && /^-?\d+$/.test(traceStartNs) ? BigInt(traceStartNs) : null;
  return spans.map((s) => {
    const c: CompactSpan = {
      span_id: s.span_id,
      name: s.name,
      span_type: s.span_type,
      start_offset_ns: offset(s.start_ns, origin),
      duration_ms: s.duration_ms,
    };
    if (s.parent_span_id !== null) c.parent_span_id = s.parent_span_id;
    if (s.kind !== 'INTERNAL') c.kind = s.kind;
    if (s.status !== 'UNSET') c.status = s.status;
    for (const k of OPTIONAL_TEXT) if (s[k] !== null) c[k] = s[k];
    for (const k of OPTIONAL_NUMBER) if (s[k] !== null) c[k] = s[k];
    if (s.links.length) c.links = s.links as SpanLink[];
    if (s.has_inputs) c.has_inputs = true;
    if (s.has_outputs) c.has_outputs = true;
    if (s.has_messages) c.has_messages = true;
    if (s.event_count) c.event_count = s.event_count;
    return c;
  });
}
