/**
 * `tracebridge trace <id>` as text: a header, then the span tree with a waterfall bar per span on the trace's time
 * axis, and under chat spans the last user message and the reply, under tool spans the arguments and result.
 * Every line fits `width` cells.
 */
import type { SpanDetail, TraceDetail } from '../../store/queries.js';
import { compactJson, formatCount, formatDuration, formatTime, formatTokens, nsToDate } from './format.js';
import { buildSpanTree, type TreeNode } from './span-tree.js';
import { type Palette, type Style, stateStyle, typeStyle } from './terminal.js';
import { displayWidth, fit, oneLine, truncate } from './text.js';
import { type TimeAxis, waterfallBar } from './waterfall.js';

const CHAT_TYPES = new Set(['LLM', 'CHAT_MODEL']);
const DURATION_W = 8;
const STATUS_W = 6;
const MAX_BAR_W = 48;
const MIN_BAR_W = 10;

interface Row {
  node: TreeNode<SpanDetail>;
  /** Tree glyphs before the span's label. */
  branch: string;
  /** Glyphs that continue the tree on the span's detail lines. */
  detailIndent: string;
}

function treeRows(roots: TreeNode<SpanDetail>[]): Row[] {
  const rows: Row[] = [];
  const visit = (nodes: TreeNode<SpanDetail>[], indent: string, isRootLevel: boolean) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      const branch = isRootLevel ? '' : indent + (last ? '└─ ' : '├─ ');
      const childIndent = isRootLevel ? '' : indent + (last ? '   ' : '│  ');
      rows.push({ node, branch, detailIndent: childIndent + (node.children.length ? '│    ' : '     ') });
      visit(node.children, childIndent, false);
    });
  };
  visit(roots, '', true);
  return rows;
}

/** The lines shown under a span: what a person wants to read without opening the JSON. */
function details(s: SpanDetail): [label: string, text: string][] {
  const out: [string, string][] = [];
  if (CHAT_TYPES.has(s.spanType)) {
    if (s.lastUserMessage) out.push(['user', s.lastUserMessage]);
    if (s.reply) out.push(['reply', s.reply]);
    if (s.requestedTools?.length) out.push(['tools', s.requestedTools.join(', ')]);
  } else if (s.spanType === 'TOOL') {
    if (s.inputs !== null) out.push(['args', compactJson(s.inputs)]);
    if (s.outputs !== null) out.push(['result', compactJson(s.outputs)]);
  }
  if (s.status === 'ERROR') {
    const message = [s.errorType, s.statusMessage].filter(Boolean).join(': ');
    out.push(['error', message || 'error']);
  }
  return out;
}

function spanLabel(s: SpanDetail): string {
  const model = CHAT_TYPES.has(s.spanType) && s.model && !s.name.includes(s.model) ? ` (${s.model})` : '';
  return `${s.spanType} ${oneLine(s.name)}${model}`;
}

function spanTokens(s: SpanDetail): string {
  return formatTokens(s.inputTokens, s.outputTokens, s.totalTokens);
}

/** "N failed spans", or '' when none failed: a trace whose root is OK can still hold failed tool calls. */
export function failedSpans(n: number): string {
  return n === 0 ? '' : `${formatCount(n)} failed span${n === 1 ? '' : 's'}`;
}

/** The first header line of a trace or a run: name, state, duration, counts, tokens, failed spans. */
export function headerLine(
  h: {
    name: string | null;
    state: TraceDetail['state'];
    durationMs: number | null;
    counts: string;
    errorCount: number;
    inputTokens: number | null;
    outputTokens: number | null;
    totalTokens: number | null;
  },
  p: Palette,
  width: number,
): string {
  const tokens =
    h.totalTokens === null
      ? ''
      : `  ${formatCount(h.totalTokens)} tokens (${formatCount(h.inputTokens ?? 0)} in, ${formatCount(h.outputTokens ?? 0)} out)`;
  const name = oneLine(h.name ?? '(unnamed)');
  const failed = failedSpans(h.errorCount);
  const rest = `  ${formatDuration(h.durationMs)}  ${h.counts}${tokens}`;
  const plain = `${name}  ${h.state}${rest}${failed ? `  ${failed}` : ''}`;
  return displayWidth(plain) <= width
    ? `${p.bold(name)}  ${stateStyle(p, h.state)(h.state)}${rest}${failed ? `  ${p.red(failed)}` : ''}`
    : truncate(plain, width);
}

export function renderTraceHeader(trace: TraceDetail, p: Palette, width: number): string[] {
  const lines = [headerLine({ ...trace, counts: `${trace.spanCount} spans` }, p, width)];
  const facts = [
    `trace ${trace.traceId}`,
    // Part of a run of linked traces: `tracebridge run <id>` shows them together.
    trace.runId !== trace.traceId ? `run ${trace.runId.slice(0, 12)}` : '',
    `experiment ${trace.experimentName}`,
    trace.startNs ? `started ${formatTime(nsToDate(trace.startNs))}` : '',
    trace.sessionId ? `session ${trace.sessionId}` : '',
    trace.userId ? `user ${trace.userId}` : '',
  ].filter(Boolean);
  lines.push(p.dim(truncate(facts.join('  '), width)));
  if (trace.rootOverdue) {
    const note = `no root span: its last span arrived ${formatTime(new Date(trace.lastWriteAt))} and the root never came; the client most likely dropped it (README, MLflow)`;
    lines.push(p.red(truncate(note, width)));
  }
  if (trace.requestPreview) lines.push(truncate(`request:  ${oneLine(trace.requestPreview)}`, width));
  if (trace.responsePreview) lines.push(truncate(`response: ${oneLine(trace.responsePreview)}`, width));
  return lines;
}

export function renderSpanTree(
  trace: Pick<TraceDetail, 'startNs' | 'endNs'>,
  spans: SpanDetail[],
  p: Palette,
  width: number,
): string[] {
  const rows = treeRows(buildSpanTree(spans));
  const tokensW = Math.max(6, ...rows.map((r) => displayWidth(spanTokens(r.node.span))));
  const rightW = 1 + DURATION_W + 1 + STATUS_W + 1 + tokensW;
  const naturalLabelW = Math.max(4, ...rows.map((r) => displayWidth(r.branch + spanLabel(r.node.span))));
  let labelW = Math.min(naturalLabelW, Math.max(20, Math.floor(width * 0.45)));
  let barW = Math.min(MAX_BAR_W, width - labelW - 1 - rightW);
  if (barW < MIN_BAR_W) {
    labelW = Math.max(12, width - 1 - rightW - MIN_BAR_W);
    barW = Math.max(0, width - labelW - 1 - rightW);
  }

  const axis: TimeAxis = {
    startNs: BigInt(trace.startNs ?? spans[0]?.startNs ?? '0'),
    endNs: BigInt(trace.endNs ?? spans[0]?.endNs ?? '0'),
  };
  const axisLabel = (() => {
    const end = formatDuration(Number(axis.endNs - axis.startNs) / 1e6);
    return barW >= end.length + 2 ? `0${' '.repeat(barW - 1 - end.length)}${end}` : ' '.repeat(barW);
  })();
  const header = `${fit('SPAN', labelW)} ${axisLabel} ${fit('DURATION', DURATION_W, 'right')} ${fit('STATUS', STATUS_W)} TOKENS`;
  const lines = [p.dim(truncate(header, width))];

  for (const { node, branch, detailIndent } of rows) {
    const s = node.span;
    const style: Style = typeStyle(p, s.spanType);
    const label = fit(branch + spanLabel(s), labelW);
    // Colour the span type, keep the tree glyphs dim and the name plain.
    const typeAt = branch.length;
    const coloured =
      p.dim(label.slice(0, typeAt)) +
      style(label.slice(typeAt, typeAt + s.spanType.length)) +
      label.slice(typeAt + s.spanType.length);
    const [before, bar, after] = waterfallBar(axis, BigInt(s.startNs), BigInt(s.endNs), barW);
    const barStyle = s.status === 'ERROR' ? p.red : style;
    // Pad outside the colour codes so a line's end can be trimmed.
    const statusText = truncate(s.status, STATUS_W);
    const statusPad = ' '.repeat(STATUS_W - displayWidth(statusText));
    const status = (s.status === 'UNSET' ? p.dim : stateStyle(p, s.status))(statusText) + statusPad;
    lines.push(
      `${coloured} ${p.dim(before)}${barStyle(bar)}${p.dim(after)} ${fit(formatDuration(s.durationMs), DURATION_W, 'right')} ` +
        `${status} ${p.dim(spanTokens(s))}`.trimEnd(),
    );
    for (const [name, text] of details(s)) {
      const lead = `${detailIndent}${name}: `;
      const room = width - displayWidth(lead);
      const labelStyle = name === 'error' ? p.red : p.dim;
      // A tree deeper than the terminal is wide: no room for colours, just cut the line.
      if (room < 1) lines.push(truncate(lead + oneLine(text), width));
      else lines.push(p.dim(detailIndent) + labelStyle(`${name}: `) + truncate(oneLine(text), room));
    }
  }
  return lines;
}
