/**
 * One row of the trace, run and session lists. A row is a link (middle-click opens a tab); its cells are text —
 * previews, names and tags are untrusted and never HTML.
 */
import { ArrowRight } from 'lucide-preact';
import { Link } from 'wouter-preact';
import type { RunListItem, SessionListItem, TraceListItem } from '../../../api/types.ts';
import { formatAgo, formatCompact, formatCount, formatDuration, formatTime, oneLine } from '../lib/format.ts';
import { StateBadge } from './StateBadge.tsx';
import { Tags } from './Tags.tsx';

interface RowProps {
  index: number;
  href: string;
  active: boolean;
  fresh: boolean;
  showExperiment: boolean;
}

/** `service.name` usually names the experiment the row already shows: repeating it on every row is noise. */
function withoutExperimentTag(tags: Record<string, unknown>, experiment: string): Record<string, unknown> {
  if (tags['service.name'] !== experiment) return tags;
  const { 'service.name': _, ...rest } = tags;
  return rest;
}

function rowClass(p: RowProps, extra = '') {
  return `row ${p.active ? 'active' : ''} ${p.fresh ? 'fresh' : ''} ${extra}`;
}

function Previews({ request, response }: { request: string | null; response: string | null }) {
  if (!request && !response) return null;
  return (
    <span class="previews">
      <span class="preview req" title={oneLine(request, 1000)}>
        {oneLine(request, 200) || '—'}
      </span>
      <ArrowRight size={12} class="preview-arrow" aria-hidden={true} />
      <span class="preview res" title={oneLine(response, 1000)}>
        {oneLine(response, 200) || '—'}
      </span>
    </span>
  );
}

function When({ iso }: { iso: string | null }) {
  return (
    <span class="cell-time" title={iso ?? ''}>
      <span>{formatTime(iso)}</span>
      <span class="muted small">{formatAgo(iso)}</span>
    </span>
  );
}

export function TraceRowView(p: RowProps & { trace: TraceListItem }) {
  const t = p.trace;
  return (
    <Link href={p.href} class={rowClass(p, 'trace-row')} data-index={p.index} aria-current={p.active}>
      <When iso={t.start_time} />
      <span class="cell-main">
        <span class="name-line">
          <span class="name">{t.name || '(unnamed)'}</span>
          {p.showExperiment ? <span class="muted small">{t.experiment_name}</span> : null}
        </span>
        <Previews request={t.request_preview} response={t.response_preview} />
        <span class="meta-line">
          {t.session_id ? (
            <span class="session" title={`session ${t.session_id}`}>
              session {oneLine(t.session_id, 40)}
            </span>
          ) : null}
          <Tags tags={withoutExperimentTag(t.tags, t.experiment_name)} max={4} linked={false} />
        </span>
      </span>
      <span class="cell-state">
        <StateBadge state={t.state} failed={t.failed_span_count} />
      </span>
      <span class="cell-num" title="Duration">
        {formatDuration(t.duration_ms)}
      </span>
      <span class="cell-num" title="Spans">
        {formatCount(t.span_count)}
        <span class="unit"> spans</span>
      </span>
      <span
        class="cell-num"
        title={`${formatCount(t.input_tokens)} in · ${formatCount(t.output_tokens)} out`}
      >
        {formatCompact(t.total_tokens)}
        <span class="unit"> tok</span>
      </span>
      <span class="cell-models">
        {t.models.slice(0, 2).map((m) => (
          <span key={m} class="chip model-chip">
            {m}
          </span>
        ))}
        {t.models.length > 2 ? <span class="muted small">+{t.models.length - 2}</span> : null}
      </span>
    </Link>
  );
}

export function RunRow(p: RowProps & { run: RunListItem }) {
  const r = p.run;
  return (
    <Link href={p.href} class={rowClass(p, 'run-row')} data-index={p.index} aria-current={p.active}>
      <When iso={r.start_time} />
      <span class="cell-main">
        <span class="name-line">
          <span class="name">{r.name || '(unnamed run)'}</span>
          {p.showExperiment ? <span class="muted small">{r.experiment_name}</span> : null}
        </span>
        <Previews request={r.request_preview} response={r.response_preview} />
      </span>
      <span class="cell-state">
        <StateBadge state={r.state} failed={r.failed_span_count} />
      </span>
      <span class="cell-num">{formatDuration(r.duration_ms)}</span>
      <span class="cell-num" title="Traces">
        {formatCount(r.trace_count)}
        <span class="unit"> traces</span>
      </span>
      <span class="cell-num">
        {formatCount(r.span_count)}
        <span class="unit"> spans</span>
      </span>
      <span class="cell-num">
        {formatCompact(r.total_tokens)}
        <span class="unit"> tok</span>
      </span>
    </Link>
  );
}

export function SessionRow(p: RowProps & { session: SessionListItem }) {
  const s = p.session;
  return (
    <Link href={p.href} class={rowClass(p, 'session-row')} data-index={p.index} aria-current={p.active}>
      <When iso={s.last_time} />
      <span class="cell-main">
        <span class="name-line">
          <span class="name">{oneLine(s.session_id, 80)}</span>
          {p.showExperiment ? <span class="muted small">{s.experiment_name}</span> : null}
        </span>
        <Previews request={s.request_preview} response={s.response_preview} />
      </span>
      <span class="cell-state">
        {s.failed_span_count ? <span class="failed-count">{s.failed_span_count} failed</span> : null}
      </span>
      <span class="cell-num" title="Traces">
        {formatCount(s.trace_count)}
        <span class="unit"> traces</span>
      </span>
      <span class="cell-num">
        {formatCompact(s.total_tokens)}
        <span class="unit"> tok</span>
      </span>
    </Link>
  );
}
