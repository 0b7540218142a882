/** Experiment lookup and creation. Names and ids are cached: experiments are created often, renamed never. */
import type { Database } from './db.js';

export class Experiments {
  private idByName = new Map<string, string>();
  private nameById = new Map<string, string>([['0', 'Default']]);

  constructor(private readonly db: Database) {}

  /** The id of the experiment called `name`, creating it on first use. Safe when several processes race. */
  async idForName(name: string): Promise<string> {
    const cached = this.idByName.get(name);
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
    this.remember(id, name);
    return id;
  }

  /** The name of the experiment with this id, or null when there is none. */
  async nameForId(id: string): Promise<string | null> {
    const cached = this.nameById.get(id);
    if (cached !== undefined) return cached;
    if (!/^\d{1,18}$/.test(id)) return null;
    const r = await this.db.query<{ name: string }>(
      'SELECT name FROM experiments WHERE experiment_id = $1::bigint',
      [id],
    );
    const name = r.rows[0]?.name ?? null;
    if (name !== null) this.remember(id, name);
    return name;
  }

  private remember(id: string, name: string): void {
    this.idByName.set(name, id);
    this.nameById.set(id, name);
  }
}
