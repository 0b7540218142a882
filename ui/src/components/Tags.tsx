/** Tags as key=value chips; a click filters the list by that tag. Values are untrusted text, shown as text. */
import { Link } from 'wouter-preact';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function Tags({
  tags,
  max = 12,
  linked = true,
}: {
  tags: Record<string, unknown> | null | undefined;
  max?: number;
  /** false inside a row that is itself a link (no nested links). */
  linked?: boolean;
}) {
  const entries = tags ? Object.entries(tags) : [];
  if (!entries.length) return null;
  return (
    <ul class="tags">
      {entries.slice(0, max).map(([k, v]) => (
        <li key={k}>
          {linked ? (
            <Link
              class="tag"
              href={`/?tag=${encodeURIComponent(`${k}=${show(v)}`)}`}
              title={`${k}=${show(v)}`}
            >
              <span class="tag-key">{k}</span>
              <span class="tag-value">{show(v)}</span>
            </Link>
          ) : (
            <span class="tag" title={`${k}=${show(v)}`}>
              <span class="tag-key">{k}</span>
              <span class="tag-value">{show(v)}</span>
            </span>
          )}
        </li>
      ))}
      {entries.length > max ? <li class="muted small">+{entries.length - max} more</li> : null}
    </ul>
  );
}
