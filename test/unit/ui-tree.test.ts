/**
 * The explorer's span tree and list filters (ui/src/lib/), pure functions: orphans and parent cycles from hostile
 * parent ids still show every span once, a 20,000-deep chain builds without recursion, collapse hides exactly a
 * subtree, and the list's query string round-trips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiParams, filtersToSearch, parseFilters } from '../../ui/src/lib/filters.js';
import { ancestorsOf, buildTree, parentKeys, type TreeInput, visibleRows } from '../../ui/src/lib/tree.js';

const item = (key: string, parentKey: string | null, start = 0): TreeInput => ({ key, parentKey, start });
const keys = (rows: { node: { item: TreeInput } }[]) => rows.map((r) => r.node.item.key);

describe('span tree', () => {
  it('orders children by start time and counts descendants', () => {
    const roots = buildTree([item('c', 'a', 5), item('a', null, 0), item('b', 'a', 1), item('d', 'b', 2)]);
    assert.deepEqual(keys(visibleRows(roots, new Set())), ['a', 'b', 'd', 'c']);
    assert.equal(roots[0]!.descendants, 3);
    assert.equal(roots[0]!.children[0]!.depth, 1);
    assert.deepEqual([...parentKeys(roots)].sort(), ['a', 'b']);
  });

  it('puts spans whose parent never arrived at the top, marked orphan', () => {
    const roots = buildTree([item('x', 'missing', 1), item('y', 'x', 2), item('z', 'gone', 0)]);
    assert.deepEqual(
      roots.map((r) => [r.item.key, r.orphan]),
      [
        ['z', true],
        ['x', true],
      ],
    );
    assert.deepEqual(keys(visibleRows(roots, new Set())), ['z', 'x', 'y']);
  });

  it('shows every span of a parent cycle once', () => {
    const roots = buildTree([
      item('a', 'c', 0),
      item('b', 'a', 1),
      item('c', 'b', 2),
      item('self', 'self', 3),
    ]);
    const shown = keys(visibleRows(roots, new Set()));
    assert.deepEqual([...shown].sort(), ['a', 'b', 'c', 'self']);
    assert.equal(new Set(shown).size, shown.length);
  });

  it('builds a 20,000-deep chain without overflowing the stack, and collapses a subtree', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => item(`s${i}`, i ? `s${i - 1}` : null, i));
    const roots = buildTree(chain);
    assert.equal(visibleRows(roots, new Set()).length, 20_000);
    assert.equal(visibleRows(roots, new Set(['s10'])).length, 11);
    const byKey = new Map(chain.map((c) => [c.key, c]));
    assert.equal(ancestorsOf(byKey, 's19999').length, 19_999);
  });
});

describe('list filters in the query string', () => {
  it('round-trips every filter and passes the API only what a view takes', () => {
    const search =
      'view=runs&q=refund&experiment=shop&state=ERROR&errors=true&since=1h&tag=env%3Dprod&tag=team%3Da&span_type=TOOL&min_duration_ms=250';
    const f = parseFilters(search);
    assert.deepEqual(parseFilters(filtersToSearch(f)), f);
    assert.deepEqual(f.tag, ['env=prod', 'team=a']);
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.deepEqual(apiParams(f, now), {
      experiment: 'shop',
      from: '2026-01-01T11:00:00.000Z',
      state: 'ERROR',
      errors: 'true',
    });
    const traces = apiParams({ ...f, view: 'traces' }, now);
    assert.deepEqual(traces.tag, ['env=prod', 'team=a']);
    assert.equal(traces.q, 'refund');
    assert.equal(traces.min_duration_ms, '250');
    assert.deepEqual(Object.keys(apiParams({ ...f, view: 'sessions' }, now)).sort(), ['experiment', 'from']);
  });

  it('ignores an unknown view and keeps the default out of the URL', () => {
    assert.equal(parseFilters('view=<script>').view, 'traces');
    assert.equal(filtersToSearch(parseFilters('')), '');
  });
});
