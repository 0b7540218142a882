/** A collapsible JSON view (react-json-view-lite through preact/compat); strings and scalars as plain text. */
import { JsonView as LiteJsonView } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';

/** Large documents open two levels deep; small ones fully. */
const expandLevels = (data: unknown) => ((JSON.stringify(data)?.length ?? 0) > 20_000 ? 1 : 3);

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
