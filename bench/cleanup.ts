/** Processes, Postgres and directories the bench started, removed however it ends. */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { BenchPostgres } from './pg.js';

// However the bench ends (done, failed, crashed, Ctrl-C, a test's timeout), the processes it started and its
// Postgres must not outlive it. Everything here is synchronous, so it also runs from the 'exit' event.
export const children = new Set<ChildProcess>();
export const interrupted: { pg: BenchPostgres | null } = { pg: null };
export const tempDirs = new Set<string>();
export function cleanUp(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  interrupted.pg?.destroy();
  interrupted.pg = null;
}
