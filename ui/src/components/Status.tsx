/** Loading, empty and error states, worded the same everywhere. */
import { ApiError } from '../api/client.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  const status = error instanceof ApiError ? error.status : null;
  const title =
    status === 404
      ? 'Not found'
      : status === 403
        ? 'Not allowed with this key'
        : status === 503
          ? 'The database is not reachable'
          : 'Something went wrong';
  return (
    <div class="error-box" role="alert">
      <strong>{title}</strong>
      <p>{error.message}</p>
    </div>
  );
}

export function Empty({ children }: { children: preact.ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
