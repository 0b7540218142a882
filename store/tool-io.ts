/**
 * Tool spans that carry only a tool's name and call id (AutoGen's `execute_tool`) get their arguments and result
 * from the other spans of the trace that carry the same tool_call_id (docs/schema.md, "Derived tool-call
 * content"):
 * - inputs  ← `arguments` of the `tool_calls` entry with that id, in any span's input or output messages (a model
 *             call's reply; AutoGen's ToolCallRequestEvent payload as the mapper reads it);
 * - outputs ← `content` of the `tool` message with that tool_call_id (the next model call's input; AutoGen's
 *             ToolCallExecutionEvent payload).
 * Sent values are never replaced; derived ones are named in `spans.derived`. Of several candidates the earliest
 * span (start, span id), then the earliest message, wins, so the result depends only on the stored spans.
 *
 * A cross-span derivation cannot live in the mapper (pure, one span at a time): it runs in the write transaction,
 * under the trace locks, after the spans are stored — whichever of the tool span and the messages arrives second
 * sees the other. Only traces where it can change something are queried (toolIoTraces).
 */
import type { Queryable } from './db.js';
import { CARRIES_TOOL_CALLS, type EncodedSpan, NEEDS_TOOL_IO } from './encoded-span.js';

/**
 * The traces of `spans` worth deriving for: a trace whose spans are all in hand (`newTraces`) when it holds both a
 * tool span missing content and a span with tool calls; a stored trace when either arrived.
 */
export function toolIoTraces(spans: readonly EncodedSpan[], newTraces: ReadonlySet<string>): string[] {
  let marks: Map<string, number> | null = null;
  for (const { fields } of spans) {
    if (fields.tool_io === 0) continue;
    marks ??= new Map();
    marks.set(fields.trace_id, (marks.get(fields.trace_id) ?? 0) | fields.tool_io);
  }
  if (!marks) return [];
  const out: string[] = [];
  for (const [traceId, mark] of marks) {
    if (!newTraces.has(traceId) || mark === (NEEDS_TOOL_IO | CARRIES_TOOL_CALLS)) out.push(traceId);
  }
  return out;
}

const arrayOrEmpty = (column: string) =>
  `CASE WHEN jsonb_typeof(${column}) = 'array' THEN ${column} ELSE '[]'::jsonb END`;

const DERIVE_SQL = `
WITH tool AS (
  SELECT s.trace_id, s.span_id, s.tool_call_id, s.inputs, s.outputs, s.derived,
    (s.inputs IS NULL OR coalesce(s.derived ? 'inputs', false)) AS want_inputs,
    (s.outputs IS NULL OR coalesce(s.derived ? 'outputs', false)) AS want_outputs
  FROM unnest($1::text[]) AS ids(trace_id)
  JOIN spans s ON s.trace_id = ids.trace_id
  WHERE s.span_type = 'TOOL' AND s.tool_call_id IS NOT NULL
    AND (s.inputs IS NULL OR s.outputs IS NULL OR s.derived IS NOT NULL)
),
msg AS (
  SELECT s.trace_id, s.span_id, s.start_time_unix_nano, m.side, m.ord, m.value
  FROM (SELECT DISTINCT trace_id FROM tool) AS tt
  JOIN spans s ON s.trace_id = tt.trace_id
  CROSS JOIN LATERAL (
    SELECT 0 AS side, e.ord, e.value
    FROM jsonb_array_elements(${arrayOrEmpty('s.input_messages')}) WITH ORDINALITY AS e(value, ord)
    UNION ALL
    SELECT 1, e.ord, e.value
    FROM jsonb_array_elements(${arrayOrEmpty('s.output_messages')}) WITH ORDINALITY AS e(value, ord)
  ) AS m
  WHERE (s.input_messages IS NOT NULL OR s.output_messages IS NOT NULL) AND jsonb_typeof(m.value) = 'object'
),
call AS (
  SELECT DISTINCT ON (msg.trace_id, tc.value ->> 'id')
    msg.trace_id, tc.value ->> 'id' AS id, tc.value -> 'arguments' AS arguments, msg.span_id
  FROM msg
  CROSS JOIN LATERAL jsonb_array_elements(${arrayOrEmpty("msg.value -> 'tool_calls'")}) WITH ORDINALITY AS tc(value, ord)
  WHERE jsonb_typeof(tc.value) = 'object' AND tc.value ->> 'id' IS NOT NULL
    AND tc.value -> 'arguments' IS NOT NULL AND tc.value -> 'arguments' <> 'null'::jsonb
  ORDER BY msg.trace_id, tc.value ->> 'id', msg.start_time_unix_nano, msg.span_id, msg.side, msg.ord, tc.ord
),
result AS (
  SELECT DISTINCT ON (msg.trace_id, msg.value ->> 'tool_call_id')
    msg.trace_id, msg.value ->> 'tool_call_id' AS id, msg.value -> 'content' AS content, msg.span_id
  FROM msg
  WHERE msg.value ->> 'role' = 'tool' AND msg.value ->> 'tool_call_id' IS NOT NULL
    AND msg.value -> 'content' IS NOT NULL
  ORDER BY msg.trace_id, msg.value ->> 'tool_call_id', msg.start_time_unix_nano, msg.span_id, msg.side, msg.ord
),
next AS (
  SELECT tool.trace_id, tool.span_id,
    CASE WHEN tool.want_inputs THEN c.arguments ELSE tool.inputs END AS inputs,
    CASE WHEN tool.want_outputs THEN r.content ELSE tool.outputs END AS outputs,
    nullif(jsonb_strip_nulls(jsonb_build_object(
      'inputs', CASE WHEN tool.want_inputs AND c.arguments IS NOT NULL
        THEN jsonb_build_object('source', 'tool_call', 'span_id', c.span_id) END,
      'outputs', CASE WHEN tool.want_outputs AND r.content IS NOT NULL
        THEN jsonb_build_object('source', 'tool_message', 'span_id', r.span_id) END
    )), '{}'::jsonb) AS derived
  FROM tool
  LEFT JOIN call c ON c.trace_id = tool.trace_id AND c.id = tool.tool_call_id
  LEFT JOIN result r ON r.trace_id = tool.trace_id AND r.id = tool.tool_call_id
)
UPDATE spans s SET inputs = n.inputs, outputs = n.outputs, derived = n.derived
FROM next n
WHERE s.trace_id = n.trace_id AND s.span_id = n.span_id
  AND (s.inputs IS DISTINCT FROM n.inputs OR s.outputs IS DISTINCT FROM n.outputs
       OR s.derived IS DISTINCT FROM n.derived)`;

/** Fills the tool spans of `traceIds` (locked by the caller) from their traces' messages. */
export async function deriveToolIo(tx: Queryable, traceIds: string[]): Promise<void> {
  if (traceIds.length) await tx.query(DERIVE_SQL, [traceIds]);
}
