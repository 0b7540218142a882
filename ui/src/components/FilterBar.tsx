/**
 * The list's filters. Each change rewrites the query string (replace, not push: typing is not history), and the
 * list reads its filters only from there, so what is shown is always what a copied link shows.
 */
import { Search, X } from 'lucide-preact';
import { useEffect, useState } from 'preact/hooks';
import { activeFilterCount, type ListFilters, SINCE_OPTIONS } from '../lib/filters.ts';
import { SPAN_TYPES, spanTypeStyle } from './SpanTypeIcon.tsx';

export function FilterBar({
  filters,
  onChange,
}: {
  filters: ListFilters;
  onChange: (f: ListFilters) => void;
}) {
  const [q, setQ] = useState(filters.q);
  const [tag, setTag] = useState('');
  useEffect(() => setQ(filters.q), [filters.q]);
  // Search as the user pauses typing, not on every key.
  useEffect(() => {
    if (q === filters.q) return;
    const t = setTimeout(() => onChange({ ...filters, q: q.trim() ? q : '' }), 350);
    return () => clearTimeout(t);
  }, [q]);
  const set = (patch: Partial<ListFilters>) => onChange({ ...filters, ...patch });
  const traces = filters.view === 'traces';
  const sessions = filters.view === 'sessions';
  const addTag = () => {
    const t = tag.trim();
    if (!t.includes('=') || filters.tag.includes(t)) return;
    set({ tag: [...filters.tag, t] });
    setTag('');
  };
  return (
    <form class="filter-bar" onSubmit={(e) => e.preventDefault()}>
      {traces ? (
        <label class="search-field grow">
          <Search size={14} aria-hidden={true} />
          <input
            type="search"
            name="q"
            placeholder="Search messages, inputs and outputs"
            title="Traces whose user and assistant messages, or whose input and output, hold every word (or a word's beginning), in any case"
            aria-label="Search traces"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') set({ q: q.trim() ? q : '' });
              if (e.key === 'Escape') e.currentTarget.blur();
            }}
          />
        </label>
      ) : null}
      {!sessions ? (
        <select
          aria-label="State"
          name="state"
          value={filters.state}
          onChange={(e) => set({ state: e.currentTarget.value })}
        >
          <option value="">Any state</option>
          <option value="OK">OK</option>
          <option value="ERROR">Error</option>
          <option value="IN_PROGRESS">In progress</option>
        </select>
      ) : null}
      {!sessions ? (
        <label class="check">
          <input
            type="checkbox"
            name="errors"
            checked={filters.errors}
            onChange={(e) => set({ errors: e.currentTarget.checked })}
          />
          With failed spans
        </label>
      ) : null}
      <select
        aria-label="Time range"
        name="since"
        value={filters.since || (filters.from || filters.to ? 'custom' : '')}
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (v !== 'custom') set({ since: v, from: '', to: '' });
        }}
      >
        <option value="">Any time</option>
        {SINCE_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {filters.from || filters.to ? <option value="custom">Custom range</option> : null}
      </select>
      {traces ? (
        <>
          <select
            aria-label="Span type"
            name="span_type"
            value={filters.span_type}
            onChange={(e) => set({ span_type: e.currentTarget.value })}
          >
            <option value="">Any span type</option>
            {SPAN_TYPES.map((t) => (
              <option key={t} value={t}>
                has {spanTypeStyle(t).label.toLowerCase()}
              </option>
            ))}
          </select>
          <label class="inline-field">
            <span>≥</span>
            <input
              type="number"
              min="0"
              step="any"
              inputMode="numeric"
              name="min_duration_ms"
              aria-label="Minimum duration in milliseconds"
              placeholder="min ms"
              value={filters.min_duration_ms}
              onChange={(e) => set({ min_duration_ms: e.currentTarget.value })}
            />
          </label>
          <input
            type="text"
            class="tag-input"
            name="tag"
            aria-label="Add a tag filter, key=value"
            placeholder="tag key=value"
            value={tag}
            onInput={(e) => setTag(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') addTag();
            }}
            onBlur={addTag}
          />
        </>
      ) : null}
      {filters.tag.map((t) => (
        <button
          key={t}
          type="button"
          class="chip removable"
          title="Remove this tag filter"
          onClick={() => set({ tag: filters.tag.filter((x) => x !== t) })}
        >
          {t} <X size={12} aria-hidden={true} />
        </button>
      ))}
      {activeFilterCount(filters) ? (
        <button
          type="button"
          class="btn bare"
          onClick={() =>
            onChange({
              ...filters,
              q: '',
              state: '',
              errors: false,
              since: '',
              from: '',
              to: '',
              tag: [],
              span_type: '',
              min_duration_ms: '',
            })
          }
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}
