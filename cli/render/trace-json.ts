/** `tracebridge trace <id> --json`: the trace and its span tree as one JSON document, for scripts. */
import type { SpanDetail, TraceDetail } from '../../store/queries.js';
import { nsToDate } from './format.js';
import { buildSpanTree, type TreeNode } from './span-tree.js';

const iso = (ns: string | null) => (ns === null ? null : nsToDate(ns).toISOString());

interface JsonSpan {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  span_type: string;
  kind: string;
  status: string;
  status_message: string | null;
  error_type: string | null;
  start_time: string | null;
  end_time: string | null;
  /** Exact nanoseconds since the epoch, as decimal strings (they exceed JSON's safe integers). */
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  duration_ms: number;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  tool_name: string | null;
  tool_call_id: string | null;
  agent_name: string | null;
  last_user_message: string | null;
  reply: string | null;
  requested_tools: string[] | null;
  inputs: unknown;
  outputs: unknown;
  children: JsonSpan[];
}

function spanJson(node: TreeNode<SpanDetail>): JsonSpan {
  const s = node.span;
  return {
    span_id: s.spanId,
    parent_span_id: s.parentSpanId,
    name: s.name,
    span_type: s.spanType,
    kind: s.kind,
    status: s.status,
    status_message: s.statusMessage,
    error_type: s.errorType,
    start_time: iso(s.startNs),
    end_time: iso(s.endNs),
    start_time_unix_nano: s.startNs,
    end_time_unix_nano: s.endNs,
    duration_ms: s.durationMs,
    model: s.model,
    provider: s.provider,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    total_tokens: s.totalTokens,
    tool_name: s.toolName,
    tool_call_id: s.toolCallId,
    agent_name: s.agentName,
    last_user_message: s.lastUserMessage,
    reply: s.reply,
    requested_tools: s.requestedTools,
    inputs: s.inputs,
    outputs: s.outputs,
    children: node.children.map(spanJson),
  };
}

/** Column names as in the tables (snake_case), so scripts can mix this output with SQL results. */
export function traceJson(trace: TraceDetail, spans: SpanDetail[]): unknown {
  return {
    trace: {
      trace_id: trace.traceId,
      experiment_id: trace.experimentId,
      experiment_name: trace.experimentName,
      name: trace.name,
      state: trace.state,
      // Computed when read: IN_PROGRESS with its last span long ago (store/queries.ts ROOT_OVERDUE_MINUTES).
      root_missing: trace.rootOverdue,
      start_time: iso(trace.startNs),
      end_time: iso(trace.endNs),
      start_time_unix_nano: trace.startNs,
      end_time_unix_nano: trace.endNs,
      duration_ms: trace.durationMs,
      span_count: trace.spanCount,
      error_count: trace.errorCount,
      input_tokens: trace.inputTokens,
      output_tokens: trace.outputTokens,
      total_tokens: trace.totalTokens,
      session_id: trace.sessionId,
      user_id: trace.userId,
      request_preview: trace.requestPreview,
      response_preview: trace.responsePreview,
      tags: trace.tags,
      metadata: trace.metadata,
      run_id: trace.runId,
    },
    spans: buildSpanTree(spans).map(spanJson),
  };
}
