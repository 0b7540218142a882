/**
 * The list's filters live in the page's query string so a view can be shared: `/?q=refund&state=ERROR`. The names
 * are the API's (api/types.ts TraceListQuery) so they pass straight through, plus two of the UI's own: `view`
 * (traces, runs, sessions) and `since` (a relative time range, resolved to `from` at each request so a shared
 * "last hour" link stays the last hour).
 */

export type ListView = 'traces' | 'runs' | 'sessions';

export interface ListFilters {
  view: ListView;
  q: string;
  experiment: string;
  state: string;
  errors: boolean;
  since: string;
  from: string;
  to: string;
  tag: string[];
  span_type: string;
  min_duration_ms: string;
}

export const SINCE_OPTIONS: { value: string; label: string; ms: number }[] = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

export function parseFilters(search: string): ListFilters {
  const p = new URLSearchParams(search);
  const view = p.get('view');
  return {
    view: view === 'runs' || view === 'sessions' ? view : 'traces',
    q: p.get('q') ?? '',
    experiment: p.get('experiment') ?? '',
    state: p.get('state') ?? '',
    errors: p.get('errors') === 'true' || p.get('errors') === '1',
    since: p.get('since') ?? '',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    tag: p.getAll('tag').filter(Boolean),
    span_type: p.get('span_type') ?? '',
    min_duration_ms: p.get('min_duration_ms') ?? '',
  };
}

/** The page's query string for these filters (empty values left out; `view=traces` is the default). */
export function filtersToSearch(f: ListFilters): string {
  const p = new URLSearchParams();
  if (f.view !== 'traces') p.set('view', f.view);
  if (f.q) p.set('q', f.q);
  if (f.experiment) p.set('experiment', f.experiment);
  if (f.state) p.set('state', f.state);
  if (f.errors) p.set('errors', 'true');
  if (f.since) p.set('since', f.since);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  for (const t of f.tag) p.append('tag', t);
  if (f.span_type) p.set('span_type', f.span_type);
  if (f.min_duration_ms) p.set('min_duration_ms', f.min_duration_ms);
  return p.toString();
}

/** The API's parameters for a view; filters a view's endpoint does not take are left out. */
export function apiParams(f: ListFilters, now = Date.now()): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (f.experiment) out.experiment = f.experiment;
  const since = SINCE_OPTIONS.find((o) => o.value === f.since);
  if (since) out.from = new Date(now - since.ms).toISOString();
  else if (f.from) out.from = f.from;
  if (f.to) out.to = f.to;
  if (f.view === 'sessions') return out;
  if (f.state) out.state = f.state;
  if (f.errors) out.errors = 'true';
  if (f.view === 'runs') return out;
  if (f.q) out.q = f.q;
  if (f.tag.length) out.tag = f.tag;
  if (f.span_type) out.span_type = f.span_type;
  if (f.min_duration_ms) out.min_duration_ms = f.min_duration_ms;
  return out;
}

/** How many filters narrow the list (for the "clear" button). */
export function activeFilterCount(f: ListFilters): number {
  return [
    f.q,
    f.state,
    f.errors,
    f.since || f.from || f.to,
    f.tag.length,
    f.span_type,
    f.min_duration_ms,
  ].filter(Boolean).length;
}
