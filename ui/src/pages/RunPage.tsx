/**
 * A run (traces joined by span links, issue 17) as one tree: each linked trace under the span it links from, with
 * the run's totals. The trees come from `GET /api/v1/runs/<id>/spans`, whole traces a page (bounded in traces and
 * spans by the API), read page after page up to MAX_SPANS.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { Page, RunDetail, RunTraceTree } from '../../../api/types.ts';
import { apiPath, getJson } from '../api/client.ts';
import { CopyId } from '../components/CopyId.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorBox, Loading } from '../components/Status.tsx';
import { TreeExplorer } from '../components/TreeExplorer.tsx';
import { formatCount, formatDuration, formatFullTime } from '../lib/format.ts';
import { runItems, runKey } from '../lib/run-tree.ts';
import { useApi } from '../lib/use-api.ts';

/** Spans the run page draws at most (five 10,000-span traces); past it the page says the tree is cut. */
const MAX_SPANS = 50_000;
const PAGE_TRACES = 200;

export function RunPage({ runId }: { runId: string }) {
  const run = useApi<RunDetail>(apiPath(`/api/v1/runs/${encodeURIComponent(runId)}`));
  if (run.error) return <ErrorBox error={run.error} />;
  if (!run.data) return <Loading label="Loading run…" />;
  return <RunView key={runId} detail={run.data} />;
}

function useRunTrees(runId: string) {
  const [state, setState] = useState<{
    trees: RunTraceTree[];
    error: Error | null;
    done: boolean;
    cut: boolean;
  }>({ trees: [], error: null, done: false, cut: false });
  useEffect(() => {
    const ac = new AbortController();
    (async () => {
      const trees: RunTraceTree[] = [];
      let spans = 0;
      let cursor: string | null = null;
      do {
        const page: Page<RunTraceTree> = await getJson<Page<RunTraceTree>>(
          apiPath(`/api/v1/runs/${encodeURIComponent(runId)}/spans`, { limit: PAGE_TRACES, cursor }),
          ac.signal,
        );
        for (const t of page.items) spans += t.spans.length;
        trees.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor !== null && spans < MAX_SPANS && !ac.signal.aborted);
      if (!ac.signal.aborted) setState({ trees, error: null, done: true, cut: cursor !== null });
    })().catch((error: Error) => {
      if (!ac.signal.aborted) setState((s) => ({ ...s, error }));
    });
    return () => ac.abort();
  }, [runId]);
  return state;
}

function RunView({ detail }: { detail: RunDetail }) {
  const { run } = detail;
  const { trees, error, done, cut } = useRunTrees(run.run_id);
  const items = useMemo(() => runItems(trees, detail.attachments), [trees, detail.attachments]);
  const first = trees[0];
  const preferred = first?.root_span_id ? runKey(first.trace_id, first.root_span_id) : null;
  return (
    <div class="trace-page">
      <header class="page-head">
        <div class="crumbs">
          <Link href={`/?view=runs&experiment=${encodeURIComponent(run.experiment_name)}`}>
            {run.experiment_name}
          </Link>
          <span aria-hidden="true">/</span>
          <span>run</span>
          <CopyId id={run.run_id} />
        </div>
        <div class="title-row">
          <h1>{run.name || '(unnamed run)'}</h1>
          <StateBadge state={run.state} failed={run.failed_span_count} />
        </div>
        <dl class="facts wide">
          <div>
            <dt>Started</dt>
            <dd>{formatFullTime(run.start_time)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(run.duration_ms)}</dd>
          </div>
          <div>
            <dt>Traces</dt>
            <dd>{formatCount(run.trace_count)}</dd>
          </div>
          <div>
            <dt>Spans</dt>
            <dd>{formatCount(run.span_count)}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>
              {formatCount(run.total_tokens)}{' '}
              {run.total_tokens != null ? (
                <span class="muted">
                  ({formatCount(run.input_tokens)} in · {formatCount(run.output_tokens)} out)
                </span>
              ) : null}
            </dd>
          </div>
        </dl>
        {cut || detail.truncated ? (
          <p class="notice">
            This run is larger than the page draws: the first {formatCount(trees.length)} of its{' '}
            {formatCount(run.trace_count)} traces are shown.
          </p>
        ) : null}
      </header>
      {error ? (
        <ErrorBox error={error} />
      ) : !done ? (
        <Loading label={`Loading ${formatCount(run.trace_count)} traces…`} />
      ) : (
        <TreeExplorer
          items={items}
          preferredKey={preferred}
          basePath={`/runs/${encodeURIComponent(run.run_id)}`}
          rootMissing={false}
        />
      )}
    </div>
  );
}
