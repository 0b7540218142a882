// Starts a throwaway PostgreSQL server (initdb + pg_ctl) in a temp directory on a free 127.0.0.1 port.
// As root, initdb refuses to run, so the server runs as the `postgres` user in a directory it owns.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function findPgBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  }
  const which = spawnSync('which', ['initdb'], { encoding: 'utf8' });
  if (which.status === 0) return join(which.stdout.trim(), '..');
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BIN or TEST_DATABASE_URL');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

function run(bin, args) {
  const cmd = asRoot ? 'runuser' : bin;
  const full = asRoot ? ['-u', 'postgres', '--', bin, ...args] : args;
  return execFileSync(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

/**
 * @returns {Promise<{ url: string, port: number, dir: string, stop(): void, restart(): void, kill(): void, start(): void }>}
 */
export async function startPostgres({ port } = {}) {
  const bin = findPgBin();
  const dir = mkdtempSync(join(tmpdir(), 'tracebridge-pg-'));
  chmodSync(dir, 0o777);
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const pgPort = port ?? (await freePort());
  const opts = [
    `-p ${pgPort}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    '-c shared_buffers=256MB',
  ].join(' ');
  const pgctl = join(bin, 'pg_ctl');
  const start = () => run(pgctl, ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    port: pgPort,
    dir,
    start,
    stop() {
      run(pgctl, ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    kill() {
      run(pgctl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    restart() {
      run(pgctl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      start();
    },
    destroy() {
      try {
        run(pgctl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
