/**
 * The embedded cluster's database and roles, made idempotently on every start (a start that crashed half-way is
 * finished by the next one; credentials.json stays the source of truth for the reader's password).
 */
import type pg from 'pg';
import { type Credentials, DATABASE_NAME, OWNER_ROLE, READER_ROLE } from './credentials.js';

/** `client` is connected as the owner to the `postgres` maintenance database. */
export async function ensureDatabaseAndRoles(client: pg.Client, creds: Credentials): Promise<void> {
  const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
  if (db.rowCount === 0) {
    await client.query(`CREATE DATABASE ${DATABASE_NAME} OWNER ${OWNER_ROLE}`);
  }
  // tracebridge_reader is also created by migration 003 (which grants it SELECT); creating it here first lets the
  // login role join it before the first migration runs.
  await client.query(`DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tracebridge_reader') THEN
    CREATE ROLE tracebridge_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READER_ROLE}') THEN
    CREATE ROLE ${READER_ROLE} LOGIN IN ROLE tracebridge_reader;
  END IF;
END
$$`);
  await client.query(
    `ALTER ROLE ${READER_ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(creds.reader.password)}`,
  );
  // Read-only sessions by default, and a runaway analyst query cannot hold locks for ever.
  await client.query(`ALTER ROLE ${READER_ROLE} SET default_transaction_read_only = on`);
  await client.query(`ALTER ROLE ${READER_ROLE} SET idle_in_transaction_session_timeout = '10min'`);
}
