/**
 * A run (traces joined by span links, issue 17) as one tree: each linked trace under the span it links from, with
 * the run's totals. Trace trees load in parallel (a few at a time) from the trace endpoint.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { RunDetail, SpanNode, TraceDetail } from '../../../api/types.ts';
import { apiPath, getJson } from '../api/client.ts';
import { CopyId } from '../components/CopyId.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorBox, Loading } from '../components/Status.tsx';
import { TreeExplorer } from '../components/TreeExplorer.tsx';
import { formatCount, formatDuration, formatFullTime } from '../lib/format.ts';
import { runItems, runKey } from '../lib/run-tree.ts';
import { useApi } from '../lib/use-api.ts';

const PARALLEL = 4;

export function RunPage({ runId }: { runId: string }) {
  const run = useApi<RunDetail>(apiPath(`/api/v1/runs/${encodeURIComponent(runId)}`));
  if (run.error) return <ErrorBox error={run.error} />;
  if (!run.data) return <Loading label="Loading run…" />;
  return <RunView key={runId} detail={run.data} />;
}

function useTraceTrees(traceIds: string[]) {
  const [trees, setTrees] = useState<{ traceId: string; spans: SpanNode[]; rootSpanId: string | null }[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    const out: { traceId: string; spans: SpanNode[]; rootSpanId: string | null }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < traceIds.length && !ac.signal.aborted) {
        const id = traceIds[next++]!;
        const d = await getJson<TraceDetail>(apiPath(`/api/v1/traces/${encodeURIComponent(id)}`), ac.signal);
        out.push({ traceId: id, spans: d.spans, rootSpanId: d.trace.root_span_id });
      }
    };
    Promise.all(Array.from({ length: PARALLEL }, worker)).then(
      () => {
        if (ac.signal.aborted) return;
        const order = new Map(traceIds.map((id, i) => [id, i]));
        setTrees(out.sort((a, b) => order.get(a.traceId)! - order.get(b.traceId)!));
        setDone(true);
      },
      (e: Error) => {
        if (!ac.signal.aborted) setError(e);
      },
    );
    return () => ac.abort();
  }, [traceIds.join(',')]);
  return { trees, error, done };
}

function RunView({ detail }: { detail: RunDetail }) {
  const { run } = detail;
  const ids = useMemo(() => detail.traces.map((t) => t.trace_id), [detail]);
  const { trees, error, done } = useTraceTrees(ids);
  const items = useMemo(() => runItems(trees, detail.attachments), [trees, detail.attachments]);
  const first = detail.traces[0];
  const firstTree = trees.find((t) => t.traceId === first?.trace_id);
  const preferred = first && firstTree?.rootSpanId ? runKey(first.trace_id, firstTree.rootSpanId) : null;
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
        {detail.truncated ? (
          <p class="notice">This run has more traces than are shown here ({detail.traces.length}).</p>
        ) : null}
      </header>
      {error ? (
        <ErrorBox error={error} />
      ) : !done ? (
        <Loading label={`Loading ${ids.length} traces…`} />
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
