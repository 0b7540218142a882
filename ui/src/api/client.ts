/**
 * Every request the explorer makes goes through here: same origin, `Authorization: Bearer <key>` when a key is
 * held. A 401 asks the user for a key once (the dialog in components/KeyDialog.tsx), keeps it in sessionStorage —
 * never in a URL, never in localStorage, so it ends with the tab — and retries.
 */

const KEY_STORAGE = 'tracebridge.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type KeyRequest = { refused: boolean; resolve: (key: string) => void };
let pendingKey: Promise<string> | null = null;
const keyListeners = new Set<(req: KeyRequest | null) => void>();

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: nothing was kept
  }
}

/** The key dialog subscribes here; `null` closes it. */
export function onKeyRequest(listener: (req: KeyRequest | null) => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

/** One dialog however many requests were refused at once; they all retry with the key it returns. */
function askForKey(refused: boolean): Promise<string> {
  if (!pendingKey) {
    pendingKey = new Promise<string>((resolve) => {
      const req: KeyRequest = {
        refused,
        resolve: (key) => {
          try {
            sessionStorage.setItem(KEY_STORAGE, key);
          } catch {
            // storage disabled: the key lives only as long as this promise's users
          }
          pendingKey = null;
          for (const l of keyListeners) l(null);
          resolve(key);
        },
      };
      for (const l of keyListeners) l(req);
    });
  }
  return pendingKey;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as {
      error?: { code?: string; message?: string };
      code?: string;
      message?: string;
    };
    const e = body.error ?? body;
    if (typeof e.code === 'string') code = e.code;
    if (typeof e.message === 'string') message = e.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/** GET a JSON document from the read API. `path` starts with /api/v1/. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let key = storedKey();
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(path, { headers, signal, credentials: 'omit', cache: 'no-store' });
    if (res.status === 401 && attempt < 5) {
      // A key we sent and the server refused is wrong or revoked: drop it and say so in the dialog.
      if (key) forgetKey();
      key = await askForKey(key != null);
      continue;
    }
    if (!res.ok) throw await errorFrom(res);
    return (await res.json()) as T;
  }
}

/** Builds `/api/v1/...?a=b` leaving out empty values; arrays repeat the parameter. */
export function apiPath(
  path: string,
  params: Record<string, string | string[] | number | undefined | null> = {},
) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v == null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) qs.append(k, x);
    else qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}
