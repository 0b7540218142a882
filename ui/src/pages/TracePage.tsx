/** One trace: its header (state, timing, totals) above the span tree and the selected span. */
import { useEffect, useMemo } from 'preact/hooks';
import type { TraceTree } from '../../../api/types.ts';
import { apiPath } from '../api/client.ts';
import { ErrorBox, Loading } from '../components/Status.tsx';
import { TraceHeader } from '../components/TraceHeader.tsx';
import { TreeExplorer } from '../components/TreeExplorer.tsx';
import { minOffset, spanItems } from '../lib/span-items.ts';
import { useApi } from '../lib/use-api.ts';
import { POLL_MS } from '../lib/use-keyset-list.ts';

const LIVE_MAX_SPANS = 2000;

export function TracePage({ traceId }: { traceId: string }) {
  // The compact tree: about half the bytes of the full one for a 10,000-span trace, so half the parsing.
  const trace = useApi<TraceTree>(apiPath(`/api/v1/traces/${encodeURIComponent(traceId)}/tree`));
  // A trace still arriving refreshes itself (spans appear as they are stored); a huge one does not, to spare the
  // page re-reading megabytes every few seconds.
  const live = trace.data?.trace.state === 'IN_PROGRESS' && trace.data.trace.span_count <= LIVE_MAX_SPANS;
  const { reload } = trace;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [live, reload]);
  if (trace.error && !trace.data) return <ErrorBox error={trace.error} />;
  if (!trace.data) return <Loading label="Loading trace…" />;
  return <TraceView key={traceId} detail={trace.data} />;
}

function TraceView({ detail }: { detail: TraceTree }) {
  const { trace, spans } = detail;
  const items = useMemo(
    () => spanItems(trace.trace_id, spans, trace.start_ns, -minOffset(spans) / 1e6),
    [trace.trace_id, trace.start_ns, spans],
  );
  return (
    <div class="trace-page">
      <TraceHeader trace={trace} spans={spans} />
      <TreeExplorer
        items={items}
        preferredKey={trace.root_span_id}
        basePath={`/traces/${encodeURIComponent(trace.trace_id)}`}
        rootMissing={trace.root_missing}
      />
    </div>
  );
}
