/** Experiments for the read API, and the name → id lookup its filters and scoped keys need. */
import type { Queryable } from '../db.js';
import type { ExperimentRow } from './rows.js';
import { isoSql } from './trace-list.js';
import { object } from './values.js';

/** Every experiment, or only those named in `names` (a scoped key's). */
export async function listExperiments(db: Queryable, names: string[] | null): Promise<ExperimentRow[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT experiment_id::text AS experiment_id, name, ${isoSql('created_at')} AS created_at, tags
     FROM experiments WHERE $1::text[] IS NULL OR name = ANY($1::text[])
     ORDER BY experiment_id`,
    [names],
  );
  return r.rows.map((row) => ({
    experiment_id: String(row.experiment_id),
    name: String(row.name),
    created_at: String(row.created_at),
    tags: object(row.tags),
  }));
}

/** The ids of the named experiments that exist (names that do not are left out). */
export async function experimentIds(db: Queryable, names: string[]): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    'SELECT experiment_id::text AS id FROM experiments WHERE name = ANY($1::text[]) ORDER BY experiment_id',
    [names],
  );
  return r.rows.map((row) => String(row.id));
}

export type { ExperimentRow } from './rows.js';
