/**
 * Spans (in start order) → a forest by parent id. A span whose parent was never stored (lost, or not sent yet)
 * becomes a root of its own, so every stored span is shown exactly once.
 */
export interface TreeNode<S> {
  span: S;
  children: TreeNode<S>[];
}

export function buildSpanTree<S extends { spanId: string; parentSpanId: string | null }>(
  spans: S[],
): TreeNode<S>[] {
  const nodes = new Map<string, TreeNode<S>>();
  for (const span of spans) if (!nodes.has(span.spanId)) nodes.set(span.spanId, { span, children: [] });
  const roots: TreeNode<S>[] = [];
  for (const node of nodes.values()) {
    const parentId = node.span.parentSpanId;
    const parent = parentId !== null && parentId !== node.span.spanId ? nodes.get(parentId) : undefined;
    if (parent && !isAncestor(node, parent, nodes)) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** True when `node` is `candidate` or one of its ancestors: attaching would close a cycle. */
function isAncestor<S extends { spanId: string; parentSpanId: string | null }>(
  node: TreeNode<S>,
  candidate: TreeNode<S>,
  nodes: Map<string, TreeNode<S>>,
): boolean {
  const seen = new Set<string>();
  let cur: TreeNode<S> | undefined = candidate;
  while (cur && !seen.has(cur.span.spanId)) {
    if (cur === node) return true;
    seen.add(cur.span.spanId);
    cur = cur.span.parentSpanId === null ? undefined : nodes.get(cur.span.parentSpanId);
  }
  return false;
}
