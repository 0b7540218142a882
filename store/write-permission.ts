/**
 * An API key limited to experiments may write only to those. The pipeline checks the experiment a request names,
 * but the writer pins every span (and checks every GenAI event) to the experiment that already owns its trace, and
 * that owner is known only inside the write transaction, under the trace's advisory lock — where another bridge may
 * have decided it a moment earlier. So the check that holds is this one, made there: a span or event whose trace
 * belongs to an experiment its key may not write to is refused, whatever ids it carries.
 */
import type { Queryable } from './db.js';

/** Names of the experiments a write may touch; null = any (auth off, or a key without experiment limits). */
export type WritableExperiments = ReadonlySet<string> | null;

/** One item to check: the experiment that owns its trace, the experiment it was routed to, and its key's limit. */
export interface OwnerCheck {
  owner: string;
  routed: string;
  writable: WritableExperiments | undefined;
}

/** Why a span or event was refused: its trace and the experiment that owns it. */
export interface NotWritable {
  trace_id: string;
  experiment: string;
}

const NAMES_SQL = `SELECT experiment_id::text AS id, name FROM experiments WHERE experiment_id = ANY($1::bigint[])`;

/**
 * For each check, the name of the owning experiment when the key may not write to it, else null. The routed
 * experiment was already checked by the pipeline, so only owners that differ from it are looked up (one query,
 * and none at all on the common path: no limited key, or the trace stays where it was routed).
 */
export async function ownersNotWritable(tx: Queryable, checks: OwnerCheck[]): Promise<(string | null)[]> {
  const lookUp = new Set<string>();
  for (const c of checks) if (c.writable && c.owner !== c.routed) lookUp.add(c.owner);
  if (lookUp.size === 0) return checks.map(() => null);
  const r = await tx.query<{ id: string; name: string }>(NAMES_SQL, [[...lookUp]]);
  const names = new Map(r.rows.map((row) => [row.id, row.name]));
  return checks.map((c) => {
    if (!c.writable || c.owner === c.routed) return null;
    const name = names.get(c.owner) ?? `#${c.owner}`;
    return c.writable.has(name) ? null : name;
  });
}

/** The message for refused items, naming the first trace and its experiment. */
export function notWritableMessage(count: number, first: NotWritable): string {
  const more = count > 1 ? ` (${count} in all)` : '';
  return (
    `trace ${first.trace_id} belongs to experiment ${JSON.stringify(first.experiment)}, which this API key may ` +
    `not write to: its spans and events were refused${more}`
  );
}
