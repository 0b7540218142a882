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
import { documentWords } from './search-words.js';

/** The trace's search document is cut here (code points), as `left(…, $3)` in SQL. */
export const SEARCH_TEXT_MAX_CHARS = 4000;
/** Spans whose previews are user and assistant text (a model call's last user message and reply). */
export const CHAT_SPAN_TYPES = ['LLM', 'CHAT_MODEL'];
const CHAT_TYPES = new Set(CHAT_SPAN_TYPES);

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

/** Code point order, which is Postgres's `COLLATE "C"` order for UTF-8 (UTF-16 unit order is not, past U+FFFF). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

function distinctSorted(values: Iterable<unknown>): string[] {
  const set = new Set<string>();
  for (const v of values) if (typeof v === 'string') set.add(v);
  return [...set].sort(byCodePoint);
}

/**
 * The trace's search document: the distinct request and response previews of its root spans and its model calls
 * (user and assistant text: tool arguments and results stay out, which keeps the document — and the full-text
 * index's share of each write — small), in span order (a span's request before its response), joined by newlines
 * and cut at SEARCH_TEXT_MAX_CHARS code points.
 */
function searchDocument(ordered: Keyed[]): string | null {
  const seen = new Set<string>();
  const parts: string[] = [];
  let units = 0;
  // Enough text is gathered once it has 2 × max UTF-16 units: that is at least max code points.
  for (const { span } of ordered) {
    if (span.parent_span_id !== null && !CHAT_TYPES.has(span.span_type as string)) continue;
    for (const p of [span.request_preview, span.response_preview]) {
      if (typeof p !== 'string' || p === '' || seen.has(p)) continue;
      seen.add(p);
      parts.push(p);
      units += p.length + 1;
    }
    if (units > 2 * SEARCH_TEXT_MAX_CHARS) break;
  }
  if (parts.length === 0) return null;
  const doc = parts.join('\n');
  if (doc.length <= SEARCH_TEXT_MAX_CHARS) return doc;
  return Array.from(doc).slice(0, SEARCH_TEXT_MAX_CHARS).join('');
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
  // The timestamptz columns' nanoseconds (clamped to 1970…9999, unlike the int64 *_unix_nano): their own min / max.
  let startTime = first.span.start_time;
  let endTime = keyed[0]!.span.end_time;
  for (const k of keyed) {
    if (k.end > endNs) endNs = k.end;
    const { start_time: s, end_time: e } = k.span;
    if (e !== null && (endTime === null || e > endTime)) endTime = e;
    if (s !== null && (startTime === null || s < startTime)) startTime = s;
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
  const searchText = searchDocument([...keyed].sort(byStart));
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
    search_text: searchText,
    span_types: distinctSorted(spans.map((s) => s.span_type)),
    models: distinctSorted(spans.map((s) => s.model)),
    // Never NULL (as when it was a generated column): a trace without a document has no words.
    search_vector: documentWords(searchText ?? ''),
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
