/**
 * Whether a trace's run holds other traces (then the trace page links to the run). A run's id is its smallest
 * trace id, so the id alone cannot tell; two rows of the list filtered by run can.
 */
import type { Page, TraceListItem } from '../../../api/types.ts';
import { apiPath } from '../api/client.ts';
import { useApi } from './use-api.ts';

export function useRunHasOthers(runId: string | null | undefined): boolean {
  const res = useApi<Page<TraceListItem>>(runId ? apiPath('/api/v1/traces', { run: runId, limit: 2 }) : null);
  return (res.data?.items.length ?? 0) > 1;
}
