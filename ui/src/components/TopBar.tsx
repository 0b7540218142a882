/** The bar on every page: the product, the list views, the experiment picker, the keyboard help. */
import { useRef } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import type { ExperimentList } from '../../../api/types.ts';
import { forgetKey, storedKey } from '../api/client.ts';
import { filtersToSearch, parseFilters } from '../lib/filters.ts';
import { useApi } from '../lib/use-api.ts';
import { useKeys } from '../lib/use-keys.ts';

export function TopBar() {
  const [location, navigate] = useLocation();
  const search = useSearch();
  const experiments = useApi<ExperimentList>('/api/v1/experiments');
  const onList = location === '/';
  const filters = parseFilters(onList ? search : '');
  const help = useRef<HTMLDetailsElement>(null);
  useKeys({
    '?': () => {
      if (help.current) help.current.open = !help.current.open;
    },
    Escape: () => {
      if (help.current) help.current.open = false;
    },
  });
  return (
    <header class="top-bar">
      <Link href="/" class="brand" aria-label="tracebridge: traces">
        <span class="brand-mark" aria-hidden="true" />
        tracebridge
      </Link>
      <select
        class="experiment-picker"
        aria-label="Experiment"
        value={filters.experiment}
        onChange={(e) => {
          const s = filtersToSearch({ ...filters, experiment: e.currentTarget.value });
          navigate(s ? `/?${s}` : '/');
        }}
      >
        <option value="">All experiments</option>
        {experiments.data?.items.map((x) => (
          <option key={x.experiment_id} value={x.name}>
            {x.name}
          </option>
        ))}
        {filters.experiment && !experiments.data?.items.some((x) => x.name === filters.experiment) ? (
          <option value={filters.experiment}>{filters.experiment}</option>
        ) : null}
      </select>
      <span class="spacer" />
      <details class="help" ref={help}>
        <summary title="Keyboard shortcuts (?)">Keys</summary>
        <dl>
          <dt>j / k, ↓ / ↑</dt>
          <dd>next / previous row or span</dd>
          <dt>Enter</dt>
          <dd>open the trace; in a trace, collapse / expand</dd>
          <dt>← / →</dt>
          <dd>collapse / expand a span</dd>
          <dt>[ / ]</dt>
          <dd>collapse / expand all</dd>
          <dt>/</dt>
          <dd>search</dd>
          <dt>n / N</dt>
          <dd>next / previous match</dd>
          <dt>e / E</dt>
          <dd>next / previous failed span</dd>
          <dt>g / G</dt>
          <dd>first / last span</dd>
          <dt>?</dt>
          <dd>this help</dd>
        </dl>
      </details>
      {storedKey() ? (
        <button
          type="button"
          class="btn bare small"
          onClick={() => {
            forgetKey();
            location === '/' ? window.location.reload() : navigate('/');
          }}
        >
          Forget key
        </button>
      ) : null}
    </header>
  );
}
