/**
 * The read-only role where the bridge's database user lacks CREATEROLE, on a cluster of its own (roles are
 * cluster-wide, and the shared test cluster already has tracebridge_reader): the migrations still succeed without
 * the role, and an administrator creating it afterwards as docs/operations.md says gives a reader that can read every
 * table and view — also those that later migrations add — and write none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrate } from '../../store/migrate.js';
import { connectPostgres } from '../../store/postgres.js';
import { startPostgres, type TestPostgres } from '../support/pg-server.mjs';

let server: TestPostgres;
const urlAs = (user: string, database: string) => {
  const u = new URL(server.url);
  u.username = user;
  u.pathname = `/${database}`;
  return u.toString();
};

async function asAdmin(database: string, sql: string): Promise<void> {
  const c = new pg.Client(urlAs('postgres', database));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

before(async () => {
  server = await startPostgres();
  await asAdmin('postgres', 'CREATE ROLE bridge LOGIN NOCREATEROLE NOSUPERUSER');
  await asAdmin('postgres', 'CREATE DATABASE tb OWNER bridge');
});
after(() => server?.destroy());

describe('tracebridge_reader when the bridge user lacks CREATEROLE', () => {
  it('the migrations succeed without the role; the statements the docs give create a working reader', async () => {
    const db = connectPostgres({ connectionString: urlAs('bridge', 'tb'), max: 2 });
    try {
      const applied = await migrate(db);
      assert.ok(applied.length >= 6);
      const role = await db.query("SELECT 1 FROM pg_roles WHERE rolname = 'tracebridge_reader'");
      assert.equal(role.rows.length, 0, 'no role created');

      // What docs/operations.md tells an administrator to run.
      await asAdmin('tb', 'CREATE ROLE tracebridge_reader NOLOGIN');
      await asAdmin('tb', 'GRANT USAGE ON SCHEMA public TO tracebridge_reader');
      await asAdmin('tb', 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO tracebridge_reader');
      await asAdmin(
        'tb',
        'ALTER DEFAULT PRIVILEGES FOR ROLE bridge IN SCHEMA public GRANT SELECT ON TABLES TO tracebridge_reader',
      );
      await asAdmin('tb', 'CREATE ROLE alice LOGIN IN ROLE tracebridge_reader');
      // A later migration's table, created by the bridge's user.
      await db.exec('CREATE TABLE later_migration (x int)');

      const alice = new pg.Client(urlAs('alice', 'tb'));
      await alice.connect();
      try {
        const relations = await alice.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')`,
        );
        assert.ok(relations.rows.length >= 8);
        for (const { name } of relations.rows) await alice.query(`SELECT count(*) FROM "${name}"`);
        await assert.rejects(alice.query('DELETE FROM spans'), /permission denied/);
        await assert.rejects(alice.query('INSERT INTO later_migration VALUES (1)'), /permission denied/);
      } finally {
        await alice.end();
      }
    } finally {
      await db.close();
    }
  });
});
