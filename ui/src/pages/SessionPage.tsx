/**
 * A session's traces in time order as a conversation: each trace's request and response, with its time, state,
 * duration and tokens, and the session's totals above.
 */
import { Link, useSearch } from 'wouter-preact';
import type { SessionDetail } from '../../../api/types.ts';
import { apiPath } from '../api/client.ts';
import { CopyId } from '../components/CopyId.tsx';
import { Markdown } from '../components/Markdown.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorBox, Loading } from '../components/Status.tsx';
import { formatCompact, formatCount, formatDuration, formatFullTime, formatTime } from '../lib/format.ts';
import { useApi } from '../lib/use-api.ts';

export function SessionPage({ sessionId }: { sessionId: string }) {
  // A session id is per experiment: links carry ?experiment=; without it the API answers with the most recently
  // active session of that id.
  const experiment = new URLSearchParams(useSearch()).get('experiment');
  const res = useApi<SessionDetail>(
    apiPath(`/api/v1/sessions/${encodeURIComponent(sessionId)}`, { experiment }),
  );
  if (res.error) return <ErrorBox error={res.error} />;
  if (!res.data) return <Loading label="Loading session…" />;
  const { session, traces } = res.data;
  const span =
    session.first_time && session.last_time
      ? new Date(session.last_time).getTime() - new Date(session.first_time).getTime()
      : null;
  return (
    <div class="session-page">
      <header class="page-head">
        <div class="crumbs">
          <Link href={`/?view=sessions&experiment=${encodeURIComponent(session.experiment_name)}`}>
            {session.experiment_name}
          </Link>
          <span aria-hidden="true">/</span>
          <span>session</span>
          <CopyId id={session.session_id} />
        </div>
        <div class="title-row">
          <h1 title={session.session_id}>Session {session.session_id}</h1>
          {session.failed_span_count ? (
            <span class="failed-count">{session.failed_span_count} failed spans</span>
          ) : null}
        </div>
        <dl class="facts wide">
          <div>
            <dt>First</dt>
            <dd>{formatFullTime(session.first_time)}</dd>
          </div>
          <div>
            <dt>Spanning</dt>
            <dd>{formatDuration(span)}</dd>
          </div>
          <div>
            <dt>Traces</dt>
            <dd>{formatCount(session.trace_count)}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>
              {formatCount(session.total_tokens)}{' '}
              {session.total_tokens != null ? (
                <span class="muted">
                  ({formatCount(session.input_tokens)} in · {formatCount(session.output_tokens)} out)
                </span>
              ) : null}
            </dd>
          </div>
        </dl>
        {res.data.truncated ? <p class="notice">Only the first {traces.length} traces are shown.</p> : null}
      </header>
      <ol class="conversation">
        {traces.map((t) => (
          <li key={t.trace_id} class="turn">
            <div class="turn-meta">
              <Link href={`/traces/${encodeURIComponent(t.trace_id)}`} class="turn-link">
                {t.name || '(unnamed)'}
              </Link>
              <span class="muted">{formatTime(t.start_time)}</span>
              <span class="muted">{formatDuration(t.duration_ms)}</span>
              {t.total_tokens != null ? <span class="muted">{formatCompact(t.total_tokens)} tok</span> : null}
              {t.models.length ? <span class="chip model-chip">{t.models[0]}</span> : null}
              <StateBadge state={t.state} failed={t.failed_span_count} />
            </div>
            <div class="message role-user">
              <div class="message-head">
                <span class="role">user</span>
              </div>
              <div class="message-body">
                {t.request_preview ? (
                  <Markdown text={t.request_preview} />
                ) : (
                  <p class="muted">no request text</p>
                )}
              </div>
            </div>
            <div class="message role-assistant">
              <div class="message-head">
                <span class="role">assistant</span>
              </div>
              <div class="message-body">
                {t.response_preview ? (
                  <Markdown text={t.response_preview} />
                ) : (
                  <p class="muted">no response text</p>
                )}
              </div>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
