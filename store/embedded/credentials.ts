/**
 * The embedded server's two login roles and their passwords, generated on first start and kept in the data
 * directory (mode 0600: only the bridge's user reads it). `tracebridge db-url` reads them from here.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIALS_FILE = 'credentials.json';
/** The database the bridge's tables live in. */
export const DATABASE_NAME = 'tracebridge';
/** Owns the database (and is the cluster's superuser: the cluster is the bridge's alone). */
export const OWNER_ROLE = 'tracebridge';
/** Logs in to read: a member of tracebridge_reader (store/migrations/003_reader_role.sql), read-only sessions. */
export const READER_ROLE = 'tracebridge_readonly';

export interface Credentials {
  owner: { user: string; password: string };
  reader: { user: string; password: string };
}

/** 32 random bytes, URL-safe: a password that needs no escaping in a connection URL. */
const newPassword = (): string => randomBytes(32).toString('base64url');

export function credentialsPath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}

/** The stored credentials, or null when there are none (or the file is unreadable as JSON). */
export function readCredentials(dataDir: string): Credentials | null {
  let raw: string;
  try {
    raw = readFileSync(credentialsPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(raw) as Partial<Credentials>;
  if (!parsed.owner?.password || !parsed.reader?.password) return null;
  return parsed as Credentials;
}

/** Generates and stores new credentials (written aside, then renamed: never half a file). */
export function createCredentials(dataDir: string): Credentials {
  const creds: Credentials = {
    owner: { user: OWNER_ROLE, password: newPassword() },
    reader: { user: READER_ROLE, password: newPassword() },
  };
  const path = credentialsPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // mode on create is masked by the umask; 0600 is what we promise.
  renameSync(tmp, path);
  return creds;
}

export interface ServerAddress {
  host: string;
  port: number;
}

/** A connection URL; with `password: false`, the URL to show (start line, logs). */
export function connectionUrl(
  role: { user: string; password: string },
  at: ServerAddress,
  opts: { password?: boolean } = {},
): string {
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  const auth = opts.password === false ? role.user : `${role.user}:${encodeURIComponent(role.password)}`;
  return `postgres://${auth}@${host}:${at.port}/${DATABASE_NAME}`;
}
