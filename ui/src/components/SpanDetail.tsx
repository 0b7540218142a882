/**
 * The selected span: a header with what matters at a glance (type, status, timing, model, tokens) and the tabs —
 * Chat, Inputs / Outputs, Attributes, Events, Links. Content loads per span from
 * `GET /api/v1/traces/<trace_id>/spans/<span_id>` when the span is opened.
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { CompactSpan, SpanContent, SpanEvent } from '../../../api/types.ts';
import { apiPath } from '../api/client.ts';
import { formatCount, formatDuration } from '../lib/format.ts';
import { useApi } from '../lib/use-api.ts';
import { ChatView } from './ChatView.tsx';
import { JsonView } from './JsonView.tsx';
import { SpanTypeIcon, spanTypeStyle } from './SpanTypeIcon.tsx';
import { ErrorBox, Loading } from './Status.tsx';

type Tab = 'chat' | 'io' | 'attributes' | 'events' | 'links';

export function SpanDetail({
  traceId,
  span,
  startNs,
  offsetMs,
  tab,
  onTab,
}: {
  traceId: string;
  span: CompactSpan;
  /** The span's start in Unix nanoseconds: its events are shown against it. */
  startNs: bigint | null;
  offsetMs: number;
  tab: Tab | null;
  onTab: (t: Tab) => void;
}) {
  const content = useApi<SpanContent>(
    apiPath(`/api/v1/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(span.span_id)}`),
  );
  const tabs: { id: Tab; label: string; count?: number }[] = [
    ...(span.has_messages ? [{ id: 'chat' as const, label: 'Chat' }] : []),
    { id: 'io', label: 'Inputs / Outputs' },
    { id: 'attributes', label: 'Attributes' },
    { id: 'events', label: 'Events', count: span.event_count },
    { id: 'links', label: 'Links', count: span.links?.length ?? 0 },
  ];
  const active: Tab = tab && tabs.some((t) => t.id === tab) ? tab : span.has_messages ? 'chat' : 'io';
  const failed = span.status === 'ERROR';
  return (
    <section class="span-detail" aria-label="Selected span">
      <header class="span-detail-head">
        <div class="span-title">
          <SpanTypeIcon type={span.span_type} size={16} />
          <h2 title={span.name}>{span.name || '(unnamed)'}</h2>
        </div>
        <dl class="facts">
          <div>
            <dt>Type</dt>
            <dd>{spanTypeStyle(span.span_type).label}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd class={failed ? 'text-fail' : ''}>{span.status ?? 'UNSET'}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(span.duration_ms)}</dd>
          </div>
          <div>
            <dt>Starts at</dt>
            <dd>+{formatDuration(offsetMs)}</dd>
          </div>
          {span.model ? (
            <div>
              <dt>Model</dt>
              <dd>
                {span.model}
                {span.provider ? <span class="muted"> · {span.provider}</span> : null}
              </dd>
            </div>
          ) : null}
          {span.total_tokens != null || span.input_tokens != null ? (
            <div>
              <dt>Tokens</dt>
              <dd>
                {formatCount(span.total_tokens)}{' '}
                <span class="muted">
                  ({formatCount(span.input_tokens)} in · {formatCount(span.output_tokens)} out)
                </span>
              </dd>
            </div>
          ) : null}
          {span.tool_name ? (
            <div>
              <dt>Tool</dt>
              <dd>{span.tool_name}</dd>
            </div>
          ) : null}
          {span.agent_name ? (
            <div>
              <dt>Agent</dt>
              <dd>{span.agent_name}</dd>
            </div>
          ) : null}
          <div>
            <dt>Span id</dt>
            <dd>
              <code>{span.span_id}</code>
            </dd>
          </div>
        </dl>
        {failed && (span.status_message || span.error_type) ? (
          <p class="error-line">
            {span.error_type ? <strong>{span.error_type}: </strong> : null}
            {span.status_message}
          </p>
        ) : null}
      </header>
      <div class="tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={active === t.id}
            class={active === t.id ? 'tab active' : 'tab'}
            onClick={() => onTab(t.id)}
          >
            {t.label}
            {t.count ? <span class="tab-count">{t.count}</span> : null}
          </button>
        ))}
      </div>
      <div class="tab-panel" role="tabpanel">
        {content.error ? (
          <ErrorBox error={content.error} />
        ) : !content.data ? (
          <Loading />
        ) : (
          <TabBody tab={active} content={content.data} startNs={startNs} />
        )}
      </div>
    </section>
  );
}

function TabBody({ tab, content, startNs }: { tab: Tab; content: SpanContent; startNs: bigint | null }) {
  switch (tab) {
    case 'chat':
      return <ChatTab content={content} />;
    case 'io':
      return (
        <>
          <h3 class="section-title">
            Inputs <DerivedNote derived={content.derived} column="inputs" />
          </h3>
          <JsonView data={content.inputs} />
          <h3 class="section-title">
            Outputs <DerivedNote derived={content.derived} column="outputs" />
          </h3>
          <JsonView data={content.outputs} />
          {content.request_params && Object.keys(content.request_params).length ? (
            <>
              <h3 class="section-title">Request parameters</h3>
              <JsonView data={content.request_params} />
            </>
          ) : null}
        </>
      );
    case 'attributes':
      return (
        <>
          <h3 class="section-title">Span attributes</h3>
          <KeyValues values={content.attributes} />
          <h3 class="section-title">Resource</h3>
          <KeyValues values={content.resource_attributes} />
          <h3 class="section-title">
            Scope{' '}
            <span class="muted">
              {content.scope.name ?? ''} {content.scope.version ?? ''}
            </span>
          </h3>
          <KeyValues values={content.scope.attributes} />
          {content.conventions.length ? (
            <p class="muted small">Mapped by: {content.conventions.join(', ')}</p>
          ) : null}
        </>
      );
    case 'events':
      return <Events events={content.events} startNs={startNs} />;
    case 'links':
      return <Links links={content.links} />;
  }
}

/**
 * "Derived": tracebridge filled this tool span's arguments or result from another span of the trace (the chat
 * message carrying the same tool call, `spans.derived`), because the span itself did not carry them.
 */
function DerivedNote({ derived, column }: { derived: SpanContent['derived']; column: 'inputs' | 'outputs' }) {
  const how = derived?.[column];
  if (how == null || typeof how !== 'object') return null;
  const source = (how as Record<string, unknown>).source;
  const what =
    source === 'tool_message'
      ? 'the tool message'
      : source === 'tool_call'
        ? 'the model’s tool call'
        : 'another span';
  return (
    <span class="derived-note" title={JSON.stringify(how)}>
      derived from {what} in the chat messages
    </span>
  );
}

function ChatTab({ content }: { content: SpanContent }) {
  const [raw, setRaw] = useState(false);
  return (
    <>
      <div class="tab-tools">
        <label class="toggle">
          <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.currentTarget.checked)} /> Raw
        </label>
      </div>
      {raw ? (
        <JsonView
          data={{ input_messages: content.input_messages, output_messages: content.output_messages }}
        />
      ) : (
        <ChatView input={content.input_messages} output={content.output_messages} />
      )}
    </>
  );
}

function KeyValues({ values }: { values: Record<string, unknown> | null | undefined }) {
  const keys = values ? Object.keys(values).sort() : [];
  if (!values || keys.length === 0) return <p class="muted small">none</p>;
  return (
    <table class="kv">
      <tbody>
        {keys.map((k) => {
          const v = values[k];
          return (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>
                {typeof v === 'object' && v !== null ? (
                  <JsonView data={v} />
                ) : (
                  <code>{JSON.stringify(v)}</code>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Events({ events, startNs }: { events: SpanEvent[]; startNs: bigint | null }) {
  if (!events.length) return <p class="muted small">This span has no events.</p>;
  return (
    <ol class="events">
      {events.map((e, i) => {
        const a = e.attributes ?? {};
        const at =
          startNs != null && /^\d+$/.test(e.time_unix_nano ?? '')
            ? Number(BigInt(e.time_unix_nano) - startNs) / 1e6
            : null;
        const isException = e.name === 'exception';
        return (
          <li key={i} class={isException ? 'event exception' : 'event'}>
            <div class="event-head">
              <strong>{e.name}</strong>
              {at != null ? <span class="muted">+{formatDuration(at)}</span> : null}
            </div>
            {isException ? (
              <>
                <p class="error-line">
                  <strong>{String(a['exception.type'] ?? 'Exception')}</strong>
                  {a['exception.message'] != null ? `: ${String(a['exception.message'])}` : ''}
                </p>
                {a['exception.stacktrace'] != null ? (
                  <pre class="stack">{String(a['exception.stacktrace'])}</pre>
                ) : null}
              </>
            ) : (
              <KeyValues values={a} />
            )}
          </li>
        );
      })}
    </ol>
  );
}

function Links({ links }: { links: SpanContent['links'] }) {
  if (!links.length) return <p class="muted small">This span links to no other span.</p>;
  return (
    <ul class="links">
      {links.map((l) => (
        <li key={`${l.trace_id}:${l.span_id}`}>
          <Link href={`/traces/${encodeURIComponent(l.trace_id)}?span=${encodeURIComponent(l.span_id)}`}>
            trace <code>{l.trace_id}</code> · span <code>{l.span_id}</code>
          </Link>
          {l.attributes && Object.keys(l.attributes).length ? <KeyValues values={l.attributes} /> : null}
        </li>
      ))}
    </ul>
  );
}
