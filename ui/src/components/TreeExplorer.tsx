/**
 * A span tree with its waterfall on the left and the selected span on the right — the trace page's body and the
 * run page's. The selected span is in the URL (`?span=`), so a link can point at one span.
 * Keys: j/k or ↓/↑ move, ←/→ (h/l) collapse/expand or go to parent/child, [ ] collapse/expand all, / search,
 * n/N next/previous match, e/E next/previous failed span, g/G (Home/End) first/last span, Enter toggles.
 */
import { ChevronsDownUp, ChevronsUpDown, CircleAlert, Search } from 'lucide-preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { haystackOf, type SpanItem, spanStartNs } from '../lib/span-items.ts';
import { ancestorsOf, buildTree, parentKeys, visibleRows } from '../lib/tree.ts';
import { useKeys } from '../lib/use-keys.ts';
import { SpanDetail } from './SpanDetail.tsx';
import { SpanTree } from './SpanTree.tsx';

type Tab = 'chat' | 'io' | 'attributes' | 'events' | 'links';

export function TreeExplorer({
  items,
  preferredKey,
  basePath,
  rootMissing,
}: {
  items: SpanItem[];
  /** Selected when the URL names no span (the root). */
  preferredKey: string | null;
  /** The page's path, to which `?span=` is added. */
  basePath: string;
  rootMissing: boolean;
}) {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const byKey = useMemo(() => new Map(items.map((i) => [i.key, i])), [items]);
  const roots = useMemo(() => buildTree(items), [items]);
  const axisMs = useMemo(() => items.reduce((m, i) => Math.max(m, i.end), 0), [items]);

  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => visibleRows(roots, collapsed), [roots, collapsed]);
  const rowIndex = useMemo(() => new Map(rows.map((r, i) => [r.node.item.key, i])), [rows]);

  const urlSpan = search.get('span');
  const fallback = preferredKey && byKey.has(preferredKey) ? preferredKey : roots[0]?.item.key;
  const selectedKey = urlSpan && byKey.has(urlSpan) ? urlSpan : (fallback ?? null);
  const selected = selectedKey ? byKey.get(selectedKey) : undefined;
  const [tab, setTab] = useState<Tab | null>(null);
  const [scrollTo, setScrollTo] = useState<number | null>(null);

  const [query, setQuery] = useState('');
  const [matchAt, setMatchAt] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const needle = query.trim().toLowerCase();
  const matchList = useMemo(
    () =>
      needle ? items.filter((i) => haystackOf(i).includes(needle)).sort((a, b) => a.start - b.start) : [],
    [items, needle],
  );
  const matches = useMemo(() => new Set(matchList.map((m) => m.key)), [matchList]);
  const failedList = useMemo(() => items.filter((i) => i.failed).sort((a, b) => a.start - b.start), [items]);

  const select = (key: string, reveal = false) => {
    let nextRows = rows;
    if (reveal) {
      const hidden = ancestorsOf(byKey, key).filter((k) => collapsed.has(k));
      if (hidden.length) {
        const next = new Set(collapsed);
        for (const k of hidden) next.delete(k);
        setCollapsed(next);
        nextRows = visibleRows(roots, next);
      }
    }
    const params = new URLSearchParams(search);
    params.set('span', key);
    navigate(`${basePath}?${params}`, { replace: true });
    setScrollTo(nextRows.findIndex((r) => r.node.item.key === key));
  };
  const toggle = (key: string) => {
    const next = new Set(collapsed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setCollapsed(next);
  };
  const move = (delta: number) => {
    const at = selectedKey ? (rowIndex.get(selectedKey) ?? 0) : 0;
    const row = rows[Math.max(0, Math.min(rows.length - 1, at + delta))];
    if (row) select(row.node.item.key);
  };
  const jump = (list: SpanItem[], dir: 1 | -1) => {
    if (!list.length) return;
    const current = selectedKey ? list.findIndex((m) => m.key === selectedKey) : -1;
    const next = current < 0 ? (dir > 0 ? 0 : list.length - 1) : (current + dir + list.length) % list.length;
    if (list === matchList) setMatchAt(next);
    select(list[next]!.key, true);
  };
  const expandOrDescend = () => {
    if (!selected) return;
    const node = rows[rowIndex.get(selected.key) ?? -1]?.node;
    if (!node?.children.length) return;
    if (collapsed.has(selected.key)) toggle(selected.key);
    else move(1);
  };
  const collapseOrAscend = () => {
    if (!selected) return;
    const node = rows[rowIndex.get(selected.key) ?? -1]?.node;
    if (node?.children.length && !collapsed.has(selected.key)) toggle(selected.key);
    else if (selected.parentKey && byKey.has(selected.parentKey)) select(selected.parentKey);
  };

  useKeys({
    j: () => move(1),
    k: () => move(-1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    ArrowRight: expandOrDescend,
    l: expandOrDescend,
    ArrowLeft: collapseOrAscend,
    h: collapseOrAscend,
    '[': () => setCollapsed(parentKeys(roots)),
    ']': () => setCollapsed(new Set()),
    '/': () => searchRef.current?.focus(),
    n: () => jump(matchList, 1),
    N: () => jump(matchList, -1),
    e: () => jump(failedList, 1),
    E: () => jump(failedList, -1),
    Home: () => move(-rows.length),
    g: () => move(-rows.length),
    End: () => move(rows.length),
    G: () => move(rows.length),
    Enter: () => {
      if (selected && rows[rowIndex.get(selected.key) ?? -1]?.node.children.length) toggle(selected.key);
    },
  });

  return (
    <>
      {rootMissing ? (
        <div class="notice" role="note">
          <CircleAlert size={15} aria-hidden={true} />
          The root span of this trace never arrived. The spans that did are shown; those whose parent is
          missing sit at the top level.
        </div>
      ) : null}
      <div class="trace-body">
        <div class="tree-pane" style={{ '--rows': String(rows.length) }}>
          <div class="tree-tools">
            <div class="search-field">
              <Search size={14} aria-hidden={true} />
              <input
                ref={searchRef}
                type="search"
                placeholder="Search spans"
                title="Name, type, model, tool, agent, id or error text; Enter for the next match"
                aria-label="Search within the trace"
                value={query}
                onInput={(e) => {
                  setQuery(e.currentTarget.value);
                  setMatchAt(0);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') jump(matchList, e.shiftKey ? -1 : 1);
                  if (e.key === 'Escape') {
                    setQuery('');
                    e.currentTarget.blur();
                  }
                }}
              />
              {needle ? (
                <span class="match-count" aria-live="polite">
                  {matchList.length
                    ? `${Math.min(matchAt + 1, matchList.length)} of ${matchList.length}`
                    : 'no match'}
                </span>
              ) : null}
            </div>
            {failedList.length ? (
              <button
                type="button"
                class="btn btn-fail"
                onClick={() => jump(failedList, 1)}
                title="Next failed span (e)"
              >
                <CircleAlert size={14} aria-hidden={true} /> {failedList.length} failed
              </button>
            ) : null}
            <button
              type="button"
              class="btn icon-btn"
              title="Collapse all ([)"
              onClick={() => setCollapsed(parentKeys(roots))}
            >
              <ChevronsDownUp size={15} aria-label="Collapse all" />
            </button>
            <button
              type="button"
              class="btn icon-btn"
              title="Expand all (])"
              onClick={() => setCollapsed(new Set())}
            >
              <ChevronsUpDown size={15} aria-label="Expand all" />
            </button>
          </div>
          <SpanTree
            rows={rows}
            axisMs={axisMs}
            selectedKey={selectedKey}
            matches={matches}
            searching={needle.length > 0}
            onSelect={(k) => select(k)}
            onToggle={toggle}
            scrollToIndex={scrollTo}
          />
        </div>
        <div class="detail-pane">
          {selected ? (
            <SpanDetail
              key={selected.key}
              traceId={selected.traceId}
              span={selected.span}
              startNs={spanStartNs(selected)}
              offsetMs={selected.start}
              tab={tab}
              onTab={setTab}
            />
          ) : (
            <p class="muted">No spans.</p>
          )}
        </div>
      </div>
    </>
  );
}
