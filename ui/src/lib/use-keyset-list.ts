/**
 * A newest-first list paged by the API's keyset cursor: the first page on every filter change, `loadMore` for
 * the next, and a poll of the first page every few seconds (while the tab is visible) that puts new rows on top
 * and refreshes rows already shown (a trace in progress finishing) — new traces appear without a reload.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../../../api/types.ts';
import { apiPath, getJson } from '../api/client.ts';

export const POLL_MS = 4000;

export interface KeysetList<T> {
  items: T[];
  /** Ids that arrived through the poll (highlighted briefly). */
  fresh: ReadonlySet<string>;
  loading: boolean;
  loadingMore: boolean;
  error: Error | null;
  hasMore: boolean;
  loadMore: () => void;
}

export function useKeysetList<T>(
  endpoint: string,
  /** Recomputed per request (a relative time range moves with the clock). */
  params: () => Record<string, string | string[]>,
  /** Identity of the filters: a change starts over. */
  filterKey: string,
  idOf: (item: T) => string,
  /** The list's order (newest first): where a polled row goes. */
  timeOf: (item: T) => string | null,
): KeysetList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const generation = useRef(0);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const idRef = useRef(idOf);
  idRef.current = idOf;
  const timeRef = useRef(timeOf);
  timeRef.current = timeOf;

  useEffect(() => {
    const gen = ++generation.current;
    const ac = new AbortController();
    setLoading(true);
    setError(null);
    setItems([]);
    setFresh(new Set());
    setCursor(null);
    getJson<Page<T>>(apiPath(endpoint, paramsRef.current()), ac.signal).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems(page.items);
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (e: Error) => {
        if (gen !== generation.current || ac.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );

    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      getJson<Page<T>>(apiPath(endpoint, paramsRef.current()), ac.signal).then(
        (page) => {
          if (gen !== generation.current) return;
          setItems((old) => {
            const id = idRef.current;
            const known = new Set(old.map(id));
            const latest = new Map(page.items.map((i) => [id(i), i]));
            const added = page.items.filter((i) => !known.has(id(i)));
            if (added.length) setFresh(new Set(added.map(id)));
            const merged = [...added, ...old.map((i) => latest.get(id(i)) ?? i)];
            if (!added.length) return merged;
            // A late trace can start before rows already shown: keep the list in its order.
            const t = (i: T) => Date.parse(timeRef.current(i) ?? '') || 0;
            return merged.sort((a, b) => t(b) - t(a));
          });
        },
        () => {
          // A failed poll keeps what is shown; the next one tries again.
        },
      );
    }, POLL_MS);
    return () => {
      ac.abort();
      clearInterval(timer);
    };
  }, [endpoint, filterKey]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const gen = generation.current;
    setLoadingMore(true);
    getJson<Page<T>>(apiPath(endpoint, { ...paramsRef.current(), cursor })).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems((old) => {
          const known = new Set(old.map(idRef.current));
          return [...old, ...page.items.filter((i) => !known.has(idRef.current(i)))];
        });
        setCursor(page.next_cursor);
        setLoadingMore(false);
      },
      (e: Error) => {
        if (gen !== generation.current) return;
        setError(e);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore, endpoint]);

  return { items, fresh, loading, loadingMore, error, hasMore: cursor != null, loadMore };
}
