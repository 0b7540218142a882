/**
 * One process per data directory: a lock file holding the owner's pid (and, on Linux, the process's start time, so
 * a pid reused after a crash does not look like the owner). Created with link(2), which fails when the file exists,
 * so two processes starting at once cannot both win. A lock left by a process that died (kill -9) is stale and is
 * taken over.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'tracebridge.lock';

interface LockContent {
  pid: number;
  /** /proc/<pid>/stat field 22 on Linux; null elsewhere. */
  started: string | null;
}

export interface DataDirLock {
  release(): void;
}

/** The lock is held by another live process. */
export class LockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dataDir} is in use by process ${pid}`);
  }
}

/** Start time of a process (Linux), to tell it from a later process given the same pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Runs (a zombie, killed but not yet reaped by its parent, does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // No /proc: what kill(0) said.
  }
}

function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, started: parsed.started ?? null } : null;
  } catch {
    return null;
  }
}

function isLive(content: LockContent): boolean {
  if (!isAlive(content.pid)) return false;
  if (content.started === null) return true;
  const now = processStartTime(content.pid);
  return now === null || now === content.started;
}

/** The pid of the live process holding the directory's lock, or null. */
export function lockHolder(dataDir: string): number | null {
  const content = readLock(join(dataDir, LOCK_FILE));
  return content && isLive(content) ? content.pid : null;
}

/** Takes the lock or throws LockedError; other failures (not writable) are thrown as they are. */
export function acquireLock(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, started: processStartTime(process.pid) };
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(mine), { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, path);
        return lockReleaser(path, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readLock(path);
      if (held && isLive(held)) throw new LockedError(dataDir, held.pid);
      // Stale (or unreadable: a writer died mid-write). Move it aside under a unique name, so that of two processes
      // taking over at once only one removes it; the other finds the winner's lock on its next attempt.
      const aside = `${path}.stale.${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // Someone else moved it first.
      }
      const moved = readLock(aside);
      if (moved && isLive(moved)) {
        // Between reading and moving, another process took the lock: give it back.
        try {
          linkSync(aside, path);
        } catch {
          // A third process linked its own meanwhile; the next attempt sees it.
        }
      }
      unlinkSync(aside);
    }
    throw new Error(`cannot take the lock ${path}: it keeps changing`);
  } finally {
    unlinkSync(tmp);
  }
}

function lockReleaser(path: string, mine: LockContent): DataDirLock {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // Remove it only while it is still ours.
      const now = readLock(path);
      if (now?.pid === mine.pid && now.started === mine.started) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    },
  };
}
