/** A trace's state with its failed-span count: "OK", "OK · 1 failed", "ERROR · 3 failed", "In progress". */
import type { TraceState } from '../../../api/types.ts';

export function StateBadge({ state, failed }: { state: TraceState; failed: number }) {
  const label = state === 'IN_PROGRESS' ? 'In progress' : state === 'ERROR' ? 'Error' : 'OK';
  const tone =
    state === 'ERROR'
      ? 'state-error'
      : state === 'IN_PROGRESS'
        ? 'state-progress'
        : failed
          ? 'state-warn'
          : 'state-ok';
  return (
    <span class={`state ${tone}`} title={failed ? `${failed} failed span${failed === 1 ? '' : 's'}` : state}>
      <span class="dot" aria-hidden="true" />
      {label}
      {failed ? <span class="failed-count">{failed} failed</span> : null}
    </span>
  );
}
