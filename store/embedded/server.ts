/**
 * The embedded PostgreSQL server's life: take the data directory's lock, stop a server a crashed bridge left
 * running, create the cluster on first start, run the postmaster, wait until it accepts connections, and stop it
 * with a fast shutdown. Everything above this reaches the server through `pg` with a URL, like any server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBinaries } from './binaries.js';
import {
  checkRunnable,
  ensureReachable,
  initCluster,
  isInitialised,
  PGDATA,
  prepareDataDir,
  resolveRunAs,
  SERVER_LOG,
} from './cluster.js';
import { type Credentials, connectionUrl, createCredentials, readCredentials } from './credentials.js';
import { EmbeddedStartError, reason } from './errors.js';
import { acquireLock, type DataDirLock, isAlive, LockedError } from './lock.js';
import { ensureDatabaseAndRoles } from './roles.js';

export interface EmbeddedServerOptions {
  /** Absolute path. */
  dataDir: string;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Progress worth a log line (first-run initdb, a leftover server stopped). */
  log?: (msg: string) => void;
}

export interface EmbeddedServer {
  dataDir: string;
  host: string;
  port: number;
  credentials: Credentials;
  /** The owner's URL with its password (what the bridge connects with). */
  ownerUrl: string;
  readerUrl: string;
  /** Fast shutdown (committed data is kept, sessions are ended), then the lock is released. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '*', '']);
const MAX_LOG_BYTES = 16 * 1024 * 1024;

/** Where a client on this machine reaches a server listening on `host`. */
export function connectHost(host: string): string {
  return WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host;
}

export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const { dataDir } = opts;
  const log = opts.log ?? (() => {});
  prepareDataDir(dataDir);
  let lock: DataDirLock;
  try {
    lock = acquireLock(dataDir);
  } catch (err) {
    if (err instanceof LockedError) throw new EmbeddedStartError('TRACEBRIDGE_DATA_DIR', err.message);
    throw new EmbeddedStartError('TRACEBRIDGE_DATA_DIR', `cannot lock ${dataDir}: ${reason(err)}`);
  }
  try {
    return await startLocked(opts, lock, log);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(
  opts: EmbeddedServerOptions,
  lock: DataDirLock,
  log: (msg: string) => void,
): Promise<EmbeddedServer> {
  const { dataDir, host } = opts;
  const runAs = resolveRunAs(dataDir);
  ensureReachable(dataDir, runAs);
  const bin = checkRunnable(await postgresBinaries(), runAs, dataDir);
  await stopLeftoverServer(dataDir, log);

  // Before initdb, so a port in use or a wrong host fails in a moment, not after the cluster is made.
  const port = await checkAddress(host, opts.port);
  let creds = readCredentials(dataDir);
  if (!isInitialised(dataDir)) {
    creds ??= createCredentials(dataDir);
    log(`creating the embedded PostgreSQL cluster in ${join(dataDir, PGDATA)} (first start)`);
    await initCluster(bin, dataDir, runAs, creds.owner.password);
  } else if (!creds) {
    throw new EmbeddedStartError(
      'TRACEBRIDGE_DATA_DIR',
      `${dataDir} holds a cluster but no credentials.json (its passwords): restore that file, or start on a new directory`,
    );
  }
  const logPath = join(dataDir, SERVER_LOG);
  const logFd = openSync(logPath, 'a', 0o600);
  if (statSync(logPath).size > MAX_LOG_BYTES) truncateSync(logPath, 0);
  const logStart = statSync(logPath).size;
  const child = spawn(
    bin.postgres,
    ['-D', join(dataDir, PGDATA), '-p', String(port), '-c', `listen_addresses=${host}`],
    {
      // Its own process group: a Ctrl-C in the terminal reaches the bridge only, which commits what it accepted
      // and then stops the server itself.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  closeSync(logFd);
  child.unref();
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  // The bridge exiting any other way than stop() (an uncaught error) still stops the server.
  const onExit = () => {
    try {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGINT');
    } catch {
      // Already gone.
    }
    lock.release();
  };
  process.once('exit', onExit);

  const at = { host: connectHost(host), port };
  try {
    await waitUntilReady(creds, at, exited, logPath, logStart, { host, port });
  } catch (err) {
    process.off('exit', onExit);
    await stopChild(child, exited);
    throw err;
  }

  let stopped: Promise<void> | null = null;
  return {
    dataDir,
    host,
    port,
    credentials: creds,
    ownerUrl: connectionUrl(creds.owner, at),
    readerUrl: connectionUrl(creds.reader, at),
    stop() {
      stopped ??= (async () => {
        process.off('exit', onExit);
        await stopChild(child, exited);
        lock.release();
      })();
      return stopped;
    },
  };
}

/** SIGINT is PostgreSQL's fast shutdown: sessions end, a checkpoint is written, nothing committed is lost. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * A bridge killed with SIGKILL leaves its postmaster running (it has its own process group). We hold the lock, so
 * no live bridge uses it: stop it with a fast shutdown (it commits nothing new; what it committed is on disk) and
 * start our own.
 */
async function stopLeftoverServer(dataDir: string, log: (msg: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PGDATA, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgres(pid)) return;
  log(`stopping the PostgreSQL server (pid ${pid}) that a previous tracebridge process left running`);
  try {
    process.kill(pid, 'SIGINT');
  } catch (err) {
    throw new EmbeddedStartError(
      'TRACEBRIDGE_DATA_DIR',
      `a PostgreSQL server (pid ${pid}) still runs on ${dataDir} and cannot be stopped: ${reason(err)}`,
    );
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGQUIT');
    await sleep(50);
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // No /proc (macOS): trust postmaster.pid, as PostgreSQL itself does.
  }
}

/** Fails fast, with the setting's name, on a port in use or a host that is not this machine's; resolves port 0. */
async function checkAddress(host: string, port: number): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new EmbeddedStartError(
            'TRACEBRIDGE_PG_PORT',
            `port ${port} on ${host} is already in use (the embedded PostgreSQL listens there): set TRACEBRIDGE_PG_PORT to a free port`,
          ),
        );
      } else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
        reject(
          new EmbeddedStartError('TRACEBRIDGE_PG_HOST', `host ${JSON.stringify(host)} does not resolve`),
        );
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new EmbeddedStartError('TRACEBRIDGE_PG_HOST', `${host} is not an address of this machine`));
      } else {
        reject(
          new EmbeddedStartError('TRACEBRIDGE_PG_PORT', `cannot listen on ${host}:${port}: ${reason(err)}`),
        );
      }
    });
    srv.listen({ host: WILDCARD_HOSTS.has(host) ? undefined : host, port, exclusive: true }, () => {
      const addr = srv.address();
      const chosen = addr && typeof addr === 'object' ? addr.port : port;
      srv.close(() => resolve(chosen));
    });
  });
}

async function waitUntilReady(
  creds: Credentials,
  at: { host: string; port: number },
  exited: Promise<number | null>,
  logPath: string,
  logStart: number,
  listen: { host: string; port: number },
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({
      host: at.host,
      port: at.port,
      user: creds.owner.user,
      password: creds.owner.password,
      database: 'postgres',
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      try {
        await ensureDatabaseAndRoles(client, creds);
      } finally {
        await client.end();
      }
      return;
    } catch (err) {
      await client.end().catch(() => {});
      const code = (err as { code?: string }).code;
      // 57P03: the server is starting (or replaying WAL after a crash); ECONNREFUSED: not listening yet; no code:
      // pg's connection timeout (a busy machine). Anything else is an answer: wrong credentials.
      const starting =
        code === undefined || code === '57P03' || code === 'ECONNREFUSED' || code === 'ECONNRESET';
      if (!starting && exitCode === undefined) {
        throw new EmbeddedStartError(
          'TRACEBRIDGE_DATA_DIR',
          `the embedded PostgreSQL refused the owner role: ${reason(err)} (does credentials.json belong to this cluster?)`,
        );
      }
    }
    if (exitCode !== undefined) throw startFailure(logPath, logStart, listen);
    if (Date.now() > deadline) {
      throw new EmbeddedStartError(
        'TRACEBRIDGE_DATA_DIR',
        `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s (see ${logPath})`,
      );
    }
    await sleep(100);
  }
}

/** The server exited while starting: its log says why. */
function startFailure(
  logPath: string,
  from: number,
  listen: { host: string; port: number },
): EmbeddedStartError {
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8').slice(from);
  } catch {
    // No log: the generic message below.
  }
  if (/Address already in use/.test(text)) {
    return new EmbeddedStartError(
      'TRACEBRIDGE_PG_PORT',
      `port ${listen.port} on ${listen.host} is already in use: set TRACEBRIDGE_PG_PORT to a free port`,
    );
  }
  if (/could not bind .*Permission denied/.test(text)) {
    return new EmbeddedStartError(
      'TRACEBRIDGE_PG_PORT',
      `PostgreSQL may not listen on port ${listen.port} (ports below 1024 need privileges it does not have): set TRACEBRIDGE_PG_PORT to a port from 1024 up`,
    );
  }
  if (
    /could not translate host name|Cannot assign requested address|could not create any TCP\/IP sockets/.test(
      text,
    )
  ) {
    return new EmbeddedStartError('TRACEBRIDGE_PG_HOST', `PostgreSQL cannot listen on ${listen.host}`);
  }
  const fatal = text
    .split('\n')
    .find((l) => /FATAL|PANIC/.test(l))
    ?.replace(/^.*?(FATAL|PANIC):\s*/, '');
  return new EmbeddedStartError(
    'TRACEBRIDGE_DATA_DIR',
    `PostgreSQL exited while starting: ${fatal ?? 'no reason logged'} (see ${logPath})`,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
