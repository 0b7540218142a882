/**
 * The span tree with its waterfall: one virtualized list (only the rows in view are in the DOM, so a 10,000-span
 * trace scrolls like a 10-span one). Each row: indent guides, a chevron, the type icon, the name, failure and model
 * marks, tokens, duration, and a bar on the trace's time axis.
 */
import { ChevronDown, ChevronRight, CircleAlert } from 'lucide-preact';
import { useEffect, useRef } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { formatCompact, formatDuration } from '../lib/format.ts';
import type { SpanItem } from '../lib/span-items.ts';
import type { TreeRow } from '../lib/tree.ts';
import { useVirtualRows } from '../lib/use-virtual.ts';
import { SpanTypeIcon } from './SpanTypeIcon.tsx';

export const ROW_HEIGHT = 30;
const INDENT = 16;

export interface SpanTreeProps {
  rows: TreeRow<SpanItem>[];
  /** The axis: milliseconds from the origin to the latest end. */
  axisMs: number;
  selectedKey: string | null;
  /** Keys matching the in-trace search (empty: no search). */
  matches: ReadonlySet<string>;
  searching: boolean;
  onSelect: (key: string) => void;
  onToggle: (key: string) => void;
  /** Index of the row to bring into view (after a keyboard move or a search jump). */
  scrollToIndex: number | null;
}

export function SpanTree(props: SpanTreeProps) {
  const { rows, axisMs, selectedKey, matches, searching } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualRows({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    rowHeight: ROW_HEIGHT,
  });
  // When rows were first on screen, on the page's performance timeline (the browser test and profiling read it).
  const drawn = useRef(false);
  const virtualRows = virtualizer.getVirtualItems();
  useEffect(() => {
    if (!drawn.current && virtualRows.length > 0) {
      drawn.current = true;
      performance.mark('tracebridge:tree-drawn');
    }
  });
  useEffect(() => {
    if (props.scrollToIndex != null && props.scrollToIndex >= 0) {
      virtualizer.scrollToIndex(props.scrollToIndex, { align: 'auto' });
    }
  }, [props.scrollToIndex, virtualizer]);

  const axis = axisMs > 0 ? axisMs : 1;
  const ticks = [0, 0.5, 1];
  return (
    <div class="span-tree">
      <div class="span-tree-head" aria-hidden="true">
        <span>Span</span>
        <span class="num">Tokens</span>
        <span class="num">Duration</span>
        <span class="waterfall-axis">
          {ticks.map((t) => (
            <span key={t} class="tick" style={{ left: `${t * 100}%` }}>
              {t === 0 ? '0' : formatDuration(t * axisMs)}
            </span>
          ))}
        </span>
      </div>
      <div
        ref={scrollRef}
        class="span-tree-scroll"
        role="tree"
        aria-label="Spans"
        tabIndex={0}
        aria-activedescendant={selectedKey ? `row-${selectedKey}` : undefined}
      >
        <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
          {virtualRows.map((v, slot) => {
            const row = rows[v.index]!;
            const { item } = row.node;
            const { span } = item;
            const selected = item.key === selectedKey;
            const hasChildren = row.node.children.length > 0;
            const left = Math.min(100, Math.max(0, (item.start / axis) * 100));
            const width = Math.max(0.2, Math.min(100 - left, ((item.end - item.start) / axis) * 100));
            const cls = [
              'span-row',
              selected ? 'selected' : '',
              item.failed ? 'failed' : '',
              searching ? (matches.has(item.key) ? 'match' : 'dim') : '',
            ].join(' ');
            return (
              // Keys are handled page-wide (TreeExplorer): the tree is one tab stop, rows are its items.
              // biome-ignore lint/a11y/useKeyWithClickEvents: see above
              <div
                // Keyed by slot, not by span: a jump through the tree patches the rows in view instead of
                // recreating them.
                key={slot}
                tabIndex={-1}
                id={`row-${item.key}`}
                class={cls}
                role="treeitem"
                aria-selected={selected}
                aria-expanded={hasChildren ? row.expanded : undefined}
                aria-level={row.node.depth + 1}
                style={{ transform: `translateY(${v.start}px)`, height: `${ROW_HEIGHT}px` }}
                onClick={() => props.onSelect(item.key)}
              >
                <span class="span-name-cell" style={{ paddingLeft: `${6 + row.node.depth * INDENT}px` }}>
                  <span class="guides" style={{ width: `${row.node.depth * INDENT}px` }} />
                  {hasChildren ? (
                    <button
                      type="button"
                      class="chevron"
                      tabIndex={-1}
                      aria-label={row.expanded ? 'Collapse' : 'Expand'}
                      onClick={(e) => {
                        e.stopPropagation();
                        props.onToggle(item.key);
                      }}
                    >
                      {row.expanded ? <ChevronDown size={14} /> : <ChevronRight size={14} />}
                    </button>
                  ) : (
                    <span class="chevron-space" />
                  )}
                  <SpanTypeIcon type={span.span_type} />
                  <span class="span-name" title={span.name}>
                    {span.name || '(unnamed)'}
                  </span>
                  {item.failed ? (
                    <span class="fail-mark" title={span.status_message ?? 'failed'}>
                      <CircleAlert size={13} aria-label="failed" />
                    </span>
                  ) : null}
                  {!row.expanded && hasChildren ? (
                    <span class="chip subtle">+{row.node.descendants}</span>
                  ) : null}
                  {item.attachedFrom ? (
                    <Link
                      class="chip link-chip"
                      href={`/traces/${encodeURIComponent(item.traceId)}`}
                      title={`This trace (${item.traceId}) links to the span above it`}
                      onClick={(e: MouseEvent) => e.stopPropagation()}
                    >
                      trace {item.traceId.slice(0, 8)}
                    </Link>
                  ) : null}
                  {span.model ? <span class="chip model-chip">{span.model}</span> : null}
                </span>
                <span class="num muted">
                  {span.total_tokens != null ? formatCompact(span.total_tokens) : ''}
                </span>
                <span class="num">{formatDuration(span.duration_ms)}</span>
                <span class="waterfall">
                  <span
                    class={`bar ${item.failed ? 'bar-failed' : ''} bar-${span.span_type?.toLowerCase() ?? 'unknown'}`}
                    style={{ left: `${left}%`, width: `${width}%` }}
                  />
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
