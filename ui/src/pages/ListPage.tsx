/**
 * The home page: traces (or runs, or sessions) newest first, filtered by the query string, paged by keyset
 * ("Load more" and an infinite-scroll sentinel), refreshed by a poll. Keys: j/k or ↓/↑ move, Enter or o opens,
 * / focuses the search.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import type { RunListItem, SessionListItem, TraceListItem } from '../../../api/types.ts';
import { FilterBar } from '../components/FilterBar.tsx';
import { RunRow, SessionRow, TraceRowView } from '../components/ListRows.tsx';
import { Empty, ErrorBox, Loading } from '../components/Status.tsx';
import { apiParams, filtersToSearch, type ListFilters, type ListView, parseFilters } from '../lib/filters.ts';
import { sessionPath } from '../lib/format.ts';
import { useKeys } from '../lib/use-keys.ts';
import { type KeysetList, useKeysetList } from '../lib/use-keyset-list.ts';

type AnyItem = TraceListItem | RunListItem | SessionListItem;

const VIEWS: { view: ListView; label: string }[] = [
  { view: 'traces', label: 'Traces' },
  { view: 'runs', label: 'Runs' },
  { view: 'sessions', label: 'Sessions' },
];

function idOf(view: ListView, item: AnyItem): string {
  if (view === 'runs') return (item as RunListItem).run_id;
  if (view === 'sessions')
    return `${(item as SessionListItem).experiment_id}/${(item as SessionListItem).session_id}`;
  return (item as TraceListItem).trace_id;
}

function hrefOf(view: ListView, item: AnyItem): string {
  if (view === 'runs') return `/runs/${encodeURIComponent((item as RunListItem).run_id)}`;
  if (view === 'sessions') {
    const s = item as SessionListItem;
    return sessionPath(s.session_id, s.experiment_name);
  }
  return `/traces/${encodeURIComponent((item as TraceListItem).trace_id)}`;
}

function timeOf(view: ListView, item: AnyItem): string | null {
  if (view === 'sessions') return (item as SessionListItem).last_time;
  return (item as TraceListItem | RunListItem).start_time;
}

export function ListPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => parseFilters(search), [search]);
  const setFilters = (f: ListFilters) => {
    const s = filtersToSearch(f);
    navigate(s ? `/?${s}` : '/', { replace: true });
  };
  const view = filters.view;
  const endpoint = `/api/v1/${view}`;
  const list = useKeysetList<AnyItem>(
    endpoint,
    () => apiParams(filters),
    filtersToSearch(filters),
    (i) => idOf(view, i),
    (i) => timeOf(view, i),
  );

  return (
    <div class="list-page">
      <nav class="view-tabs" aria-label="List">
        {VIEWS.map((v) => (
          <Link
            key={v.view}
            href={`/?${filtersToSearch({ ...filters, view: v.view })}`}
            class={v.view === view ? 'view-tab active' : 'view-tab'}
            aria-current={v.view === view ? 'page' : undefined}
          >
            {v.label}
          </Link>
        ))}
        <span class="live" title="New items appear without a reload">
          <span class="live-dot" aria-hidden="true" /> live
        </span>
      </nav>
      <FilterBar filters={filters} onChange={setFilters} />
      <ListBody list={list} view={view} showExperiment={!filters.experiment} onOpen={navigate} />
    </div>
  );
}

/** Column titles, in the rows' grid (hidden on narrow windows, where a row is a card). */
function ListHeader({ view }: { view: ListView }) {
  const cols =
    view === 'traces'
      ? ['Started', 'Trace', 'State', 'Duration', 'Spans', 'Tokens', 'Models']
      : view === 'runs'
        ? ['Started', 'Run', 'State', 'Duration', 'Traces', 'Spans', 'Tokens']
        : ['Last activity', 'Session', 'Failures', 'Traces', 'Tokens'];
  return (
    <div class={`row list-head ${view.slice(0, -1)}-row`} aria-hidden="true">
      {cols.map((c, i) => (
        <span key={c} class={view === 'traces' && i === 6 ? 'cell-models' : i >= 3 ? 'cell-num' : ''}>
          {c}
        </span>
      ))}
    </div>
  );
}

function ListBody({
  list,
  view,
  showExperiment,
  onOpen,
}: {
  list: KeysetList<AnyItem>;
  view: ListView;
  showExperiment: boolean;
  onOpen: (href: string) => void;
}) {
  const [cursor, setCursor] = useState(-1);
  const listRef = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const { items } = list;

  useEffect(() => setCursor(-1), [view]);
  useEffect(() => {
    if (cursor < 0) return;
    listRef.current
      ?.querySelector<HTMLElement>(`[data-index="${cursor}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);
  // Infinite scroll: the sentinel under the last row loads the next page when it comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) list.loadMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [list.loadMore, list.hasMore]);

  const move = (d: number) => {
    if (!items.length) return;
    setCursor((c) => Math.max(0, Math.min(items.length - 1, c < 0 ? 0 : c + d)));
    if (d > 0 && cursor >= items.length - 3) list.loadMore();
  };
  const open = () => {
    const item = items[cursor];
    if (item) onOpen(hrefOf(view, item));
  };
  useKeys({
    j: () => move(1),
    k: () => move(-1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    Enter: open,
    o: open,
    '/': () => document.querySelector<HTMLInputElement>('.filter-bar input[type=search]')?.focus(),
  });

  if (list.error && !items.length) return <ErrorBox error={list.error} />;
  if (list.loading) return <Loading />;
  if (!items.length) {
    return (
      <Empty>
        <p>
          <strong>No {view} match.</strong>
        </p>
        <p class="muted">
          Send OTLP traces to this bridge (<code>/v1/traces</code>) or clear the filters. New {view} appear
          here without a reload.
        </p>
      </Empty>
    );
  }
  return (
    <div class={`list list-${view}`} ref={listRef}>
      <ListHeader view={view} />
      {items.map((item, i) => {
        const props = {
          key: idOf(view, item),
          index: i,
          href: hrefOf(view, item),
          active: i === cursor,
          fresh: list.fresh.has(idOf(view, item)),
          showExperiment,
        };
        if (view === 'runs') return <RunRow {...props} run={item as RunListItem} />;
        if (view === 'sessions') return <SessionRow {...props} session={item as SessionListItem} />;
        return <TraceRowView {...props} trace={item as TraceListItem} />;
      })}
      <div ref={sentinel} class="list-foot">
        {list.hasMore ? (
          <button type="button" class="btn" disabled={list.loadingMore} onClick={list.loadMore}>
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        ) : (
          <span class="muted small">
            {items.length} {view}
          </span>
        )}
      </div>
    </div>
  );
}
