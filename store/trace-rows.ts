/**
 * The trace row of a trace whose every span is in hand, computed in JS by exactly the rules of the SQL recompute
 * (trace-aggregate.ts). The span writer uses it for traces that had no stored span before the batch — nearly all of
 * them under load — and leaves the SQL recompute to traces that already had spans, so the database does not read
 * back what it was just given. test/integration/trace-rows.test.ts holds the two to the same results.
 *
 * Orders, as in the SQL: "first" is by (start_time_unix_nano, span_id), "last response" by (end_time_unix_nano,
 * span_id) descending; span ids are fixed-width lowercase hex, so string order is the database's order.
 * Anything this module cannot reproduce bit for bit (a duration or token sum beyond 2^53) returns null, and the
 * writer falls back to the SQL recompute for that trace.
 */
import type { TraceFields, TraceRecord } from './columns.js';

export const MODEL_SPAN_TYPES = ['LLM', 'CHAT_MODEL', 'EMBEDDING', 'RERANKER'];
/**
 * The trace tag that names the trace when a span sets one (the Langfuse SDK's langfuse.trace.name, which the mapper
 * keeps as a trace tag): a non-empty string value wins over the root span's name.
 */
export const TRACE_NAME_TAG = 'langfuse.trace.name';
const MODEL_TYPES = new Set(MODEL_SPAN_TYPES);

type Json = { [k: string]: unknown };

interface Keyed {
  span: TraceFields;
  start: bigint;
  end: bigint;
}

const byStart = (a: Keyed, b: Keyed): number =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : a.span.span_id < b.span.span_id ? -1 : 1;

function minBy(spans: Keyed[], ok: (k: Keyed) => boolean, before: (a: Keyed, b: Keyed) => boolean) {
  let best: Keyed | null = null;
  for (const k of spans) if (ok(k) && (best === null || before(k, best))) best = k;
  return best;
}

const earlier = (a: Keyed, b: Keyed) => byStart(a, b) < 0;
const laterEnd = (a: Keyed, b: Keyed) =>
  a.end > b.end || (a.end === b.end && a.span.span_id > b.span.span_id);

const EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const INTEGER = /^-?\d+$/;

/**
 * Sum of a token column as the SQL `sum(bigint)` gives it: null when no span has a value. Summed from each
 * value's text — what COPY stores — since a large double's text is not its exact value; undefined when a value
 * is not integer text (the COPY would refuse it anyway, and the SQL path reports that).
 */
function sumTokens(
  spans: Keyed[],
  column: 'input_tokens' | 'output_tokens' | 'total_tokens',
): bigint | null | undefined {
  let total: bigint | null = null;
  for (const { span } of spans) {
    const v = span[column];
    if (v === null || v === undefined) continue;
    const text = String(v);
    if (!INTEGER.test(text)) return undefined;
    total = (total ?? 0n) + BigInt(text);
  }
  return total;
}

/** Later keys win; the root's keys are applied last (the SQL's `ORDER BY is_root, start, span_id`). */
function mergeObjects(ordered: Keyed[], column: 'trace_tags' | 'trace_metadata'): Json {
  const merged = new Map<string, unknown>();
  for (const { span } of ordered) {
    const obj = span[column] as Json | null;
    if (obj) for (const key of Object.keys(obj)) merged.set(key, obj[key]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(merged);
}

/** The trace row for `spans`, all the spans of one trace; null when only the SQL recompute can be exact. */
export function traceRowFromSpans(spans: TraceFields[]): TraceRecord | null {
  const keyed: Keyed[] = spans.map((span) => ({
    span,
    start: BigInt(span.start_time_unix_nano as string),
    end: BigInt(span.end_time_unix_nano as string),
  }));
  const first = minBy(keyed, () => true, earlier)!;
  const root = minBy(keyed, (k) => k.span.parent_span_id === null, earlier);
  const startNs = first.start;
  let endNs = keyed[0]!.end;
  let startTime = first.span.start_time as string;
  let endTime = keyed[0]!.span.end_time as string;
  for (const k of keyed) {
    if (k.end > endNs) endNs = k.end;
    // Fixed-width ISO-8601 UTC strings: string order is time order.
    if ((k.span.end_time as string) > endTime) endTime = k.span.end_time as string;
    if ((k.span.start_time as string) < startTime) startTime = k.span.start_time as string;
  }
  const durationNs = endNs > startNs ? endNs - startNs : 0n;
  if (durationNs > EXACT) return null;

  const modelUsage = keyed.some(
    (k) =>
      MODEL_TYPES.has(k.span.span_type as string) &&
      (k.span.input_tokens != null || k.span.output_tokens != null || k.span.total_tokens != null),
  );
  const counted = modelUsage ? keyed.filter((k) => MODEL_TYPES.has(k.span.span_type as string)) : keyed;
  const tokens = [
    sumTokens(counted, 'input_tokens'),
    sumTokens(counted, 'output_tokens'),
    sumTokens(counted, 'total_tokens'),
  ];
  if (tokens.includes(undefined)) return null;

  const firstWith = (column: 'request_preview' | 'session_id' | 'user_id') =>
    (minBy(keyed, (k) => k.span[column] != null, earlier)?.span[column] ?? null) as string | null;
  const lastResponse = minBy(keyed, (k) => k.span.response_preview != null, laterEnd);
  const ordered = [...keyed].sort((a, b) => {
    const ra = a.span.parent_span_id === null ? 1 : 0;
    const rb = b.span.parent_span_id === null ? 1 : 0;
    return ra - rb || byStart(a, b);
  });
  const r = root?.span;
  const tags = mergeObjects(ordered, 'trace_tags');
  const tagged = tags[TRACE_NAME_TAG];
  return {
    trace_id: first.span.trace_id,
    experiment_id: minExperiment(spans),
    name: typeof tagged === 'string' && tagged !== '' ? tagged : r ? r.name : first.span.name,
    state: r ? (r.status === 'ERROR' ? 'ERROR' : 'OK') : 'IN_PROGRESS',
    start_time: startTime,
    end_time: endTime,
    start_time_unix_nano: startNs.toString(),
    end_time_unix_nano: endNs.toString(),
    duration_ms: Number(durationNs) / 1e6,
    request_preview: r?.request_preview ?? firstWith('request_preview'),
    response_preview: r?.response_preview ?? lastResponse?.span.response_preview ?? null,
    root_span_id: r ? r.span_id : null,
    span_count: spans.length,
    error_count: spans.reduce((n, s) => (s.status === 'ERROR' ? n + 1 : n), 0),
    input_tokens: tokens[0]?.toString() ?? null,
    output_tokens: tokens[1]?.toString() ?? null,
    total_tokens: tokens[2]?.toString() ?? null,
    session_id: r?.session_id ?? firstWith('session_id'),
    user_id: r?.user_id ?? firstWith('user_id'),
    tags,
    metadata: mergeObjects(ordered, 'trace_metadata'),
    // A new trace starts as a run of one; the writer joins it to linked runs afterwards (runs.ts).
    run_id: first.span.trace_id,
  };
}

function minExperiment(spans: TraceFields[]): string {
  let min = BigInt(spans[0]!.experiment_id);
  for (const s of spans) {
    const e = BigInt(s.experiment_id);
    if (e < min) min = e;
  }
  return min.toString();
}
