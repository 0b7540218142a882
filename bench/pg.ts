/**
 * A throwaway PostgreSQL server for the benchmark, configured like production rather than like the test server
 * (test/support/pg-server.mjs runs with fsync=off): fsync, synchronous_commit and full_page_writes are ON, so
 * every acknowledged batch really is on disk. Reuses the test helpers that find the binaries and a free port.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPgBin, freePort } from '../test/support/pg-server.mjs';

export interface BenchPostgres {
  url: string;
  port: number;
  dir: string;
  /** The settings the server runs with (for the report). */
  settings: string[];
  /** The postmaster's pid (for CPU accounting). */
  pid(): number;
  destroy(): void;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): string {
  const cmd = asRoot ? 'runuser' : bin;
  const full = asRoot ? ['-u', 'postgres', '--', bin, ...args] : args;
  return execFileSync(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

/** Production-like durability; memory sized for a small dedicated box. */
export const DURABLE_SETTINGS = [
  'fsync=on',
  'synchronous_commit=on',
  'full_page_writes=on',
  'shared_buffers=512MB',
  'max_wal_size=4GB',
  'max_connections=100',
  // Per-statement execution time: which of the bridge's statements the database spends its time in.
  'shared_preload_libraries=pg_stat_statements',
];

export interface BenchPostgresPlace {
  /**
   * The server's directory (the cluster in `<dir>/data`, its log and socket beside it) instead of a fresh temporary
   * one. A cluster already there is started as it is (its databases kept); else one is created.
   */
  dir?: string;
  /** Leave the directory in place on destroy() (the server is stopped either way). */
  keep?: boolean;
}

/** `extra`: more `name=value` settings (they override the defaults above; given at each start, not stored). */
export async function startBenchPostgres(
  extra: string[] = [],
  place: BenchPostgresPlace = {},
): Promise<BenchPostgres> {
  const settings = [...DURABLE_SETTINGS, ...extra];
  const bin = findPgBin();
  const dir = place.dir ?? mkdtempSync(join(tmpdir(), 'tracebridge-bench-pg-'));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION')))
    run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    ...settings.map((s) => `-c ${s}`),
  ].join(' ');
  const pgctl = join(bin, 'pg_ctl');
  run(pgctl, ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    settings,
    pid() {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    },
    destroy() {
      try {
        run(pgctl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      } catch {
        try {
          run(pgctl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } catch {}
      }
      if (!place.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** URL of another database on the same server. */
/** The same database through the server's Unix socket in `socketDir` (node-postgres: a `host` that is a path). */
export function viaUnixSocket(url: string, socketDir: string): string {
  const u = new URL(url);
  u.searchParams.set('host', socketDir);
  return u.toString();
}

export function databaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
