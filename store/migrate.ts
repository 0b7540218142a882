/**
 * Versioned SQL migrations (store/migrations/NNN_name.sql), applied in order inside one transaction under an
 * advisory lock, so several bridge processes starting at once apply each migration exactly once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './db.js';

/** Arbitrary constant shared by every tracebridge process: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 7_318_224_051;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations directory, from source (store/) or from the build (dist/store/). */
function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'migrations'), join(here, '..', '..', 'store', 'migrations')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`store/migrations not found near ${here}`);
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number.parseInt(f, 10),
      name: f.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

/** Applies what is missing; returns the names applied now (empty when the schema was current). */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS tracebridge_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM tracebridge_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO tracebridge_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(m.name);
    }
    return applied;
  });
}

/** True when every known migration is applied (readiness). */
export async function isMigrated(db: Database, migrations = loadMigrations()): Promise<boolean> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM tracebridge_migrations WHERE version = ANY($1::int[])`,
    [migrations.map((m) => m.version)],
  );
  return Number(r.rows[0]?.n) === migrations.length;
}
