/** The runs and sessions lists in tests: a filter that keeps every group, and a walk over every page of a list. */
import assert from 'node:assert/strict';
import type { GroupListFilter } from '../../store/read/runs.js';
import type { ListCursor } from '../../store/read/trace-list.js';

/** No filter, pages of 50. */
export const EVERY_GROUP: GroupListFilter = {
  experimentIds: null,
  state: null,
  errors: false,
  from: null,
  to: null,
  limit: 50,
  after: null,
};

/** Every row of `list` under `f`, page by page (no page over the limit), until the cursor ends. */
export async function allPages<T>(
  list: (f: GroupListFilter) => Promise<{ rows: T[]; next: ListCursor | null }>,
  f: GroupListFilter,
  maxPages = 2000,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: ListCursor | null = null;
  for (let page = 0; page < maxPages; page++) {
    const r = await list({ ...f, after: cursor });
    assert.ok(r.rows.length <= f.limit, `a page of ${r.rows.length} rows over the limit ${f.limit}`);
    all.push(...r.rows);
    if (r.next === null) return all;
    cursor = r.next;
  }
  throw new Error(`more than ${maxPages} pages`);
}
