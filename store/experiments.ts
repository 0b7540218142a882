/** Experiment lookup and creation. Names and ids are cached: experiments are created often, changed never. */
import type { Database } from './db.js';

export class Experiments {
  private byName = new Map<string, string>();
  private knownIds = new Set<string>(['0']);

  constructor(private readonly db: Database) {}

  /** The id of the experiment called `name`, creating it on first use. Safe when several processes race. */
  async idForName(name: string): Promise<string> {
    const cached = this.byName.get(name);
    if (cached !== undefined) return cached;
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO experiments (experiment_id, name) VALUES (nextval('experiments_id_seq'), $1)
       ON CONFLICT (name) DO NOTHING RETURNING experiment_id::text AS id`,
      [name],
    );
    const id =
      inserted.rows[0]?.id ??
      (
        await this.db.query<{ id: string }>(
          'SELECT experiment_id::text AS id FROM experiments WHERE name = $1',
          [name],
        )
      ).rows[0]?.id;
    if (id === undefined) throw new Error(`experiment ${JSON.stringify(name)} vanished while being created`);
    this.byName.set(name, id);
    this.knownIds.add(id);
    return id;
  }

  /** Whether an experiment with this id exists. */
  async exists(id: string): Promise<boolean> {
    if (this.knownIds.has(id)) return true;
    if (!/^\d{1,18}$/.test(id)) return false;
    const r = await this.db.query('SELECT 1 FROM experiments WHERE experiment_id = $1::bigint', [id]);
    if (r.rows.length > 0) this.knownIds.add(id);
    return r.rows.length > 0;
  }
}
