/**
 * Runs: traces joined by span links (docs/schema.md, "Runs"). `traces.run_id` is the smallest trace_id of the
 * run's traces, so it depends only on the stored spans: the writer keeps it so in the transaction that stores the
 * spans, from the links between traces (`trace_links`, kept in step with `spans.links` here).
 *
 * Why the result is the same whatever the order, batching or number of writers:
 * - a link B→A and trace A meet under A's trace lock: the writer of B locks the traces its links point to as well
 *   as its own (span-writer.ts), so whichever of "link stored" and "A stored" commits second sees the other — the
 *   writer of a new trace reads the stored links pointing at it, the writer of the link reads A's row;
 * - run ids change only under the experiment's run lock (runs never cross experiments), taken before the labels
 *   are read, so two merges of one run are serialized and each sees the other's result;
 * - merging two runs keeps the smaller label, which is the smaller trace id of the two, so labels stay "smallest
 *   trace id"; a link that disappears (a re-sent span without it) recomputes the runs it touched from their links.
 *
 * Cost: a batch whose spans link nothing and whose new traces nobody links to does none of this beyond one index
 * probe per new trace (folded into the writer's existing query). A trace joining a run of n traces relabels only
 * its own row unless its id is smaller than the run's, so growing one run to n traces costs O(n) updates in all,
 * not O(n²) (docs/performance.md).
 *
 * Relabelling updates rows of traces other writers may be writing at the same moment (without links, so without
 * the run lock); such a pair of transactions can deadlock on two rows. Postgres detects it and the writer retries
 * the loser (write-errors.ts), which is rare enough to be cheaper than locking every trace of a run.
 */
import type { Queryable } from './db.js';
import type { EncodedSpan } from './encoded-span.js';

/** A span link between two traces, as stored in trace_links. */
export interface TraceLink {
  trace_id: string;
  span_id: string;
  linked_trace_id: string;
  linked_span_id: string;
  /** The linking trace's experiment. */
  experiment_id: string;
}

const linkKey = (l: TraceLink) => `${l.trace_id}:${l.span_id}:${l.linked_trace_id}:${l.linked_span_id}`;

/** The links of `spans` to other traces (each span's experiment already pinned to its trace's). */
export function linksOf(spans: readonly EncodedSpan[]): TraceLink[] {
  const out: TraceLink[] = [];
  for (const { fields } of spans) {
    if (!fields.linked) continue;
    for (const [linkedTrace, linkedSpan] of fields.linked) {
      out.push({
        trace_id: fields.trace_id,
        span_id: fields.span_id,
        linked_trace_id: linkedTrace,
        linked_span_id: linkedSpan,
        experiment_id: fields.experiment_id,
      });
    }
  }
  return out;
}

/** The traces `spans` link to, outside `spans`' own traces: the writer locks them too. */
export function linkTargets(spans: readonly EncodedSpan[]): string[] {
  const own = new Set(spans.map((s) => s.fields.trace_id));
  const out = new Set<string>();
  for (const { fields } of spans)
    if (fields.linked) for (const [t] of fields.linked) if (!own.has(t)) out.add(t);
  return [...out];
}

const DELETE_LINKS_SQL = `
DELETE FROM trace_links l USING unnest($1::text[], $2::text[]) AS k(tid, sid)
WHERE l.trace_id = k.tid AND l.span_id = k.sid
RETURNING l.trace_id, l.span_id, l.linked_trace_id, l.linked_span_id, l.experiment_id::text AS experiment_id`;

const INSERT_LINKS_SQL = `
INSERT INTO trace_links (trace_id, span_id, linked_trace_id, linked_span_id, experiment_id)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
ON CONFLICT DO NOTHING`;

/**
 * Brings trace_links in step with `spans`, just written: `replaced` are the spans whose earlier stored copy had links
 * (their rows are dropped first). Returns the links that are gone (in a replaced copy, not in the new one).
 */
export async function syncLinks(
  tx: Queryable,
  links: TraceLink[],
  replaced: { trace_id: string; span_id: string }[],
): Promise<TraceLink[]> {
  let old: TraceLink[] = [];
  if (replaced.length) {
    const r = await tx.query<TraceLink>(DELETE_LINKS_SQL, [
      replaced.map((k) => k.trace_id),
      replaced.map((k) => k.span_id),
    ]);
    old = r.rows;
  }
  if (links.length) {
    await tx.query(INSERT_LINKS_SQL, [
      links.map((l) => l.trace_id),
      links.map((l) => l.span_id),
      links.map((l) => l.linked_trace_id),
      links.map((l) => l.linked_span_id),
      links.map((l) => l.experiment_id),
    ]);
  }
  if (old.length === 0) return [];
  const kept = new Set(links.map(linkKey));
  return old.filter((l) => !kept.has(linkKey(l)));
}

// Runs never cross experiments, so one lock per experiment serializes every change of run ids in it. The
// two-integer advisory key space is separate from the one-bigint space of the trace locks.
const LOCK_RUNS_SQL = `
SELECT count(pg_advisory_xact_lock(hashtext('tracebridge.runs'), hashtext(e)))
FROM (SELECT DISTINCT unnest($1::text[]) AS e ORDER BY 1) AS x`;

const RUN_LABELS_SQL = `
SELECT t.trace_id, t.run_id, t.experiment_id::text AS experiment_id
FROM unnest($1::text[]) AS ids(trace_id) JOIN traces t ON t.trace_id = ids.trace_id`;

const RELABEL_SQL = `
UPDATE traces t SET run_id = m.label
FROM unnest($1::text[], $2::text[]) AS m(old, label)
WHERE t.run_id = m.old`;

const RUN_MEMBERS_SQL = `
SELECT t.trace_id, t.run_id, t.experiment_id::text AS experiment_id
FROM unnest($1::text[]) AS r(run_id) JOIN traces t ON t.run_id = r.run_id`;

const MEMBER_LINKS_SQL = `
SELECT l.trace_id, l.linked_trace_id
FROM unnest($1::text[]) AS ids(trace_id) JOIN trace_links l ON l.trace_id = ids.trace_id`;

const SET_RUN_SQL = `
UPDATE traces t SET run_id = m.label
FROM unnest($1::text[], $2::text[]) AS m(trace_id, label)
WHERE t.trace_id = m.trace_id AND t.run_id <> m.label`;

interface Labelled {
  trace_id: string;
  run_id: string;
  experiment_id: string;
}

/** Union-find over strings where the smaller string is always the root: a set's root is its minimum. */
class MinUnion {
  private parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    for (let y = x; y !== root; ) {
      const next = this.parent.get(y)!;
      this.parent.set(y, root);
      y = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
}

async function lockRuns(tx: Queryable, experiments: Iterable<string>): Promise<void> {
  const list = [...new Set(experiments)];
  if (list.length) await tx.query(LOCK_RUNS_SQL, [list]);
}

/**
 * Joins the runs that `links` connect (links just stored, and stored links pointing at traces just stored), and
 * splits the runs that `gone` links held together. The traces' rows are written already.
 */
export async function updateRuns(tx: Queryable, links: TraceLink[], gone: TraceLink[]): Promise<void> {
  if (links.length === 0 && gone.length === 0) return;
  await lockRuns(
    tx,
    [...links, ...gone].map((l) => l.experiment_id),
  );
  if (links.length) await joinRuns(tx, links);
  if (gone.length) {
    const ends = [...new Set(gone.flatMap((l) => [l.trace_id, l.linked_trace_id]))];
    const rows = (await tx.query<Labelled>(RUN_LABELS_SQL, [ends])).rows;
    await recomputeRuns(tx, [...new Set(rows.map((r) => r.run_id))]);
  }
}

async function joinRuns(tx: Queryable, links: TraceLink[]): Promise<void> {
  const ends = [...new Set(links.flatMap((l) => [l.trace_id, l.linked_trace_id]))];
  const rows = (await tx.query<Labelled>(RUN_LABELS_SQL, [ends])).rows;
  const byTrace = new Map(rows.map((r) => [r.trace_id, r]));
  const labels = new MinUnion();
  for (const l of links) {
    const a = byTrace.get(l.trace_id);
    const b = byTrace.get(l.linked_trace_id);
    // A link to a trace not stored, or stored in another experiment, joins nothing.
    if (!a || !b || a.experiment_id !== b.experiment_id) continue;
    labels.union(a.run_id, b.run_id);
  }
  const old: string[] = [];
  const next: string[] = [];
  for (const label of new Set(rows.map((r) => r.run_id))) {
    const root = labels.find(label);
    if (root !== label) {
      old.push(label);
      next.push(root);
    }
  }
  if (old.length) await tx.query(RELABEL_SQL, [old, next]);
}

/**
 * Recomputes the runs labelled `runIds` from scratch: their traces, the links among them, each connected part
 * labelled with its smallest trace id. For links that disappeared and for traces deleted by retention (rare). The
 * caller holds the run locks of the experiments concerned.
 */
export async function recomputeRuns(tx: Queryable, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  const members = (await tx.query<Labelled>(RUN_MEMBERS_SQL, [runIds])).rows;
  if (members.length === 0) return;
  const byTrace = new Map(members.map((m) => [m.trace_id, m]));
  const parts = new MinUnion();
  for (const m of members) parts.find(m.trace_id);
  const links = (
    await tx.query<{ trace_id: string; linked_trace_id: string }>(MEMBER_LINKS_SQL, [
      members.map((m) => m.trace_id),
    ])
  ).rows;
  for (const l of links) {
    const a = byTrace.get(l.trace_id);
    const b = byTrace.get(l.linked_trace_id);
    if (a && b && a.experiment_id === b.experiment_id) parts.union(a.trace_id, b.trace_id);
  }
  const ids: string[] = [];
  const labels: string[] = [];
  for (const m of members) {
    const label = parts.find(m.trace_id);
    if (label !== m.run_id) {
      ids.push(m.trace_id);
      labels.push(label);
    }
  }
  if (ids.length) await tx.query(SET_RUN_SQL, [ids, labels]);
}

/** Retention: recomputes the runs that lost traces (their label may be gone, or they may fall apart). */
export async function recomputeRunsAfterDelete(
  tx: Queryable,
  lost: { run_id: string; experiment_id: string }[],
): Promise<void> {
  if (lost.length === 0) return;
  await lockRuns(
    tx,
    lost.map((l) => l.experiment_id),
  );
  await recomputeRuns(tx, [...new Set(lost.map((l) => l.run_id))]);
}
