/** The trace page's header: name, state, when, how long, how big, what it cost, and where it belongs. */
import { Link } from 'wouter-preact';
import type { CompactSpan, TraceRow } from '../../../api/types.ts';
import { formatCount, formatDuration, formatFullTime, sessionPath } from '../lib/format.ts';
import { CopyId } from './CopyId.tsx';
import { StateBadge } from './StateBadge.tsx';
import { Tags } from './Tags.tsx';

export function TraceHeader({ trace, spans }: { trace: TraceRow; spans: readonly CompactSpan[] }) {
  const inRun = trace.run_trace_count > 1;
  const models = trace.models.length ? trace.models : [...new Set(spans.map((s) => s.model).filter(Boolean))];
  return (
    <header class="page-head">
      <div class="crumbs">
        <Link href={`/?experiment=${encodeURIComponent(trace.experiment_name)}`}>
          {trace.experiment_name}
        </Link>
        <span aria-hidden="true">/</span>
        <span>trace</span>
        <CopyId id={trace.trace_id} />
      </div>
      <div class="title-row">
        <h1 title={trace.name ?? ''}>{trace.name || '(unnamed trace)'}</h1>
        <StateBadge state={trace.state} failed={trace.failed_span_count} />
      </div>
      <dl class="facts wide">
        <div>
          <dt>Started</dt>
          <dd>{formatFullTime(trace.start_time)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(trace.duration_ms)}</dd>
        </div>
        <div>
          <dt>Spans</dt>
          <dd>{formatCount(trace.span_count)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>
            {formatCount(trace.total_tokens)}{' '}
            {trace.total_tokens != null ? (
              <span class="muted">
                ({formatCount(trace.input_tokens)} in · {formatCount(trace.output_tokens)} out)
              </span>
            ) : null}
          </dd>
        </div>
        {models.length ? (
          <div>
            <dt>Models</dt>
            <dd>{models.join(', ')}</dd>
          </div>
        ) : null}
        {trace.session_id ? (
          <div>
            <dt>Session</dt>
            <dd>
              <Link href={sessionPath(trace.session_id, trace.experiment_name)}>{trace.session_id}</Link>
            </dd>
          </div>
        ) : null}
        {inRun ? (
          <div>
            <dt>Run</dt>
            <dd>
              <Link href={`/runs/${encodeURIComponent(trace.run_id)}`}>{trace.run_id.slice(0, 12)}</Link>
            </dd>
          </div>
        ) : null}
        {trace.user_id ? (
          <div>
            <dt>User</dt>
            <dd>{trace.user_id}</dd>
          </div>
        ) : null}
      </dl>
      <Tags tags={trace.tags} />
    </header>
  );
}
