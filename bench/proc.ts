/** CPU and memory of other processes, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

interface Stat {
  ppid: number;
  pgrp: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

function readStat(pid: number, tid?: number): Stat | null {
  try {
    const s = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: split after its closing parenthesis.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state); utime is field 14 → f[11].
    return {
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      utime: Number(f[11]),
      stime: Number(f[12]),
      cutime: Number(f[13]),
      cstime: Number(f[14]),
    };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const s = readStat(pid);
  return s ? (s.utime + s.stime) / ticksPerSecond : 0;
}

/** CPU seconds of one thread; the main thread's id is the process id (Node's event loop runs there). */
export function threadCpuSeconds(pid: number, tid: number = pid): number {
  const s = readStat(pid, tid);
  return s ? (s.utime + s.stime) / ticksPerSecond : 0;
}

/**
 * CPU seconds of a process tree that forks short-lived children (the postmaster): its own time, the time of the
 * children it has reaped (cutime / cstime), and the time of the children alive now.
 */
export function treeCpuSeconds(rootPid: number): number {
  const root = readStat(rootPid);
  if (!root) return 0;
  let ticks = root.utime + root.stime + root.cutime + root.cstime;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s && s.ppid === rootPid) ticks += s.utime + s.stime;
  }
  return ticks / ticksPerSecond;
}

/** A process of a tree, with its CPU ticks so far (its own and its reaped children's). */
export interface TreeProcess {
  pid: number;
  ticks: number;
}

/**
 * The root and every living descendant (by parent pid), plus anything still in the root's process group (a
 * server whose workers outlive their parent), with their ticks.
 */
export function processTree(root: number): TreeProcess[] {
  const all: (Stat & { pid: number })[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) all.push({ ...s, pid: Number(name) });
  }
  const inTree = new Set<number>([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of all)
      if (!inTree.has(s.pid) && (inTree.has(s.ppid) || s.pgrp === root)) {
        inTree.add(s.pid);
        grew = true;
      }
  }
  return all
    .filter((s) => inTree.has(s.pid))
    .map((s) => ({ pid: s.pid, ticks: s.utime + s.stime + s.cutime + s.cstime }));
}

/** Ticks → seconds. */
export function ticksToSeconds(ticks: number): number {
  return ticks / ticksPerSecond;
}

/** Peak resident set size (VmHWM) in bytes, or 0 when the process is gone. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

function statusField(pid: number, field: string): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Whole-machine busy CPU seconds (all cores) and total seconds, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / ticksPerSecond, total: total / ticksPerSecond };
}

/** The machine, for the report. */
export function machineDescription(): { cpus: number; model: string; memoryGiB: number } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? 'unknown';
  const cpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const mem = readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+) kB/m);
  return { cpus, model, memoryGiB: mem ? Number(mem[1]) / 1024 / 1024 : 0 };
}
