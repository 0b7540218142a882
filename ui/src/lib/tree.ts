/**
 * The span tree as the trace page and the run page draw it: built once from a flat span list, flattened to the
 * visible rows whenever a node is collapsed or expanded (O(spans), no recursion: a 10,000-deep chain of spans
 * must not overflow the stack). Spans whose parent is not in the list — the root never arrived, or a hostile
 * parent id — become roots marked `orphan`; parent cycles are broken the same way, so every span is shown once.
 */

export interface TreeInput {
  /** Unique within the tree (a span id; trace_id:span_id on the run page). */
  key: string;
  /** The parent's key, or null for a root. */
  parentKey: string | null;
  /** Sort key among siblings (start time). */
  start: number;
}

export interface TreeNode<S extends TreeInput> {
  item: S;
  depth: number;
  children: TreeNode<S>[];
  /** Has a parent key that is not in the tree. */
  orphan: boolean;
  /** Number of descendants, for the collapsed row's "+N". */
  descendants: number;
}

export function buildTree<S extends TreeInput>(items: readonly S[]): TreeNode<S>[] {
  const nodes = new Map<string, TreeNode<S>>();
  for (const item of items) {
    if (!nodes.has(item.key))
      nodes.set(item.key, { item, depth: 0, children: [], orphan: false, descendants: 0 });
  }
  const roots: TreeNode<S>[] = [];
  for (const node of nodes.values()) {
    const pk = node.item.parentKey;
    const parent = pk != null && pk !== node.item.key ? nodes.get(pk) : undefined;
    if (parent) parent.children.push(node);
    else {
      node.orphan = pk != null;
      roots.push(node);
    }
  }
  const byStart = (a: TreeNode<S>, b: TreeNode<S>) =>
    a.item.start - b.item.start || (a.item.key < b.item.key ? -1 : 1);
  roots.sort(byStart);

  const seen = new Set<TreeNode<S>>();
  const walk = (start: TreeNode<S>[]) => {
    // Iterative pre-order walk setting depths; post-order pass for descendant counts.
    const stack: TreeNode<S>[] = [...start].reverse();
    const order: TreeNode<S>[] = [];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      order.push(n);
      n.children.sort(byStart);
      for (let i = n.children.length - 1; i >= 0; i--) {
        const c = n.children[i]!;
        c.depth = n.depth + 1;
        stack.push(c);
      }
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!;
      n.descendants = n.children.reduce((sum, c) => sum + 1 + c.descendants, 0);
    }
  };
  walk(roots);
  // Whatever the walk did not reach sits on a parent cycle: cut each cycle at its earliest span.
  if (seen.size < nodes.size) {
    const rest = [...nodes.values()].filter((n) => !seen.has(n)).sort(byStart);
    for (const n of rest) {
      if (seen.has(n)) continue;
      for (const other of nodes.values()) {
        const i = other.children.indexOf(n);
        if (i >= 0) other.children.splice(i, 1);
      }
      n.orphan = true;
      n.depth = 0;
      roots.push(n);
      walk([n]);
    }
  }
  return roots;
}

export interface TreeRow<S extends TreeInput> {
  node: TreeNode<S>;
  expanded: boolean;
}

/** The rows to draw: pre-order, skipping the children of collapsed nodes. */
export function visibleRows<S extends TreeInput>(
  roots: readonly TreeNode<S>[],
  collapsed: ReadonlySet<string>,
): TreeRow<S>[] {
  const out: TreeRow<S>[] = [];
  const stack: TreeNode<S>[] = [...roots].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    const expanded = !collapsed.has(n.item.key);
    out.push({ node: n, expanded });
    if (expanded) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

/** Every key with children: "collapse all". */
export function parentKeys<S extends TreeInput>(roots: readonly TreeNode<S>[]): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.children.length) out.add(n.item.key);
    stack.push(...n.children);
  }
  return out;
}

/** The keys from the roots down to `key`, so a search hit inside a collapsed branch can be revealed. */
export function ancestorsOf<S extends TreeInput>(byKey: ReadonlyMap<string, S>, key: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>([key]);
  let pk = byKey.get(key)?.parentKey ?? null;
  while (pk != null && byKey.has(pk) && !seen.has(pk)) {
    seen.add(pk);
    out.push(pk);
    pk = byKey.get(pk)!.parentKey;
  }
  return out;
}
