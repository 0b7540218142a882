/**
 * A fresh database per test file on the run's throwaway server (TEST_DATABASE_URL, set by test/run.mjs), so test
 * files run in parallel without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../store/db.js';
import { migrate } from '../../store/migrate.js';
import { connectPostgres } from '../../store/postgres.js';

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set: run tests with `npm test` (test/run.mjs starts Postgres)');
  return url;
}

export interface TestDatabase {
  url: string;
  db: Database;
  /** Drops the database (call in after()). */
  drop(): Promise<void>;
}

export async function freshDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `tb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(serverUrl());
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(serverUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = connectPostgres({ connectionString: url, max: 4 });
  if (opts.migrated !== false) await migrate(db);
  return {
    url,
    db,
    async drop() {
      await db.close();
      const c = new pg.Client(serverUrl());
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
