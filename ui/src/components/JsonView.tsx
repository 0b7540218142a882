/** A collapsible JSON view (react-json-view-lite through preact/compat); strings and scalars as plain text. */
import { JsonView as LiteJsonView } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';

/** Small documents open fully, larger ones a few levels deep, very large ones one level. */
function expandLevels(data: unknown): number {
  const size = JSON.stringify(data)?.length ?? 0;
  return size < 4_000 ? 50 : size < 50_000 ? 3 : 1;
}

export function JsonView({ data }: { data: unknown }) {
  if (data === undefined || data === null) return <p class="muted">null</p>;
  if (typeof data !== 'object') {
    return <pre class="plain-text">{typeof data === 'string' ? data : JSON.stringify(data)}</pre>;
  }
  const levels = expandLevels(data);
  return (
    <div class="json-view">
      <LiteJsonView data={data as object} shouldExpandNode={(level) => level < levels} />
    </div>
  );
}
