// Starts a throwaway PostgreSQL server (initdb + pg_ctl) in a temp directory on a free 127.0.0.1 port.
// As root, initdb refuses to run, so the server runs as the `postgres` user in a directory it owns.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * A 127.0.0.1 port free right now, for a child process to listen on later. Chosen below the kernel's ephemeral
 * range: outgoing connections and `listen(0)` take their ports from that range, so a port found there could be
 * taken by any of the parallel tests' connections before the child binds it (seen as EADDRINUSE in CI).
 */
export async function freePort() {
  const low = ephemeralLow();
  const floor = 10_000;
  if (low - floor >= 1000) {
    for (let i = 0; i < 50; i++) {
      const port = floor + Math.floor(Math.random() * (low - floor));
      if (await canListen(port)) return port;
    }
  }
  return listenAny();
}

function ephemeralLow() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 0;
  } catch {
    return 0;
  }
}

function canListen(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function listenAny() {
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
