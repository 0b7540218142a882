/**
 * What the MLflow comparison (mlflow.ts) runs MLflow with: a pinned virtualenv (bench/mlflow-requirements.txt),
 * the `mlflow server` process tree on the bench's Postgres (started, health-checked, killed whole, its CPU read from
 * /proc by role), and its experiments.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/support/pg-server.mjs';
import { ROOT } from './bridge-proc.js';
import { processTree, ticksToSeconds } from './proc.js';

export const MLFLOW_REQUIREMENTS = join(ROOT, 'bench', 'mlflow-requirements.txt');
export const MLFLOW_VENV = join(ROOT, 'bench', '.tmp', 'mlflow-venv');
export const VENV_PYTHON = join(MLFLOW_VENV, 'bin', 'python');
const STAMP = join(MLFLOW_VENV, '.tracebridge-requirements.sha256');
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const HEALTH_TIMEOUT_MS = 240_000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the venv ----

export interface CmdResult {
  code: number | null;
  out: string;
  timedOut: boolean;
}

export function runCmd(
  cmd: string,
  args: string[],
  timeoutMs: number,
  env = process.env,
): Promise<CmdResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const add = (d: Buffer) => {
      out = (out + d.toString()).slice(-16_000);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out, timedOut });
    });
  });
}

export function check(label: string, r: CmdResult): string {
  if (r.code !== 0 || r.timedOut)
    throw new Error(`${label} ${r.timedOut ? 'timed out' : `exited with ${r.code}`}:\n${r.out.slice(-6000)}`);
  return r.out;
}

/**
 * Makes sure bench/.tmp/mlflow-venv has the pinned requirements; returns its python and how long installing
 * took (0 when nothing had to be installed). MLFLOW_BENCH_PYTHON chooses the base interpreter (default
 * python3).
 */
export async function ensureMlflowVenv(
  log: (msg: string) => void = console.log,
): Promise<{ python: string; installSeconds: number }> {
  const base = process.env.MLFLOW_BENCH_PYTHON ?? 'python3';
  const version = check(
    'python --version',
    await runCmd(base, ['-c', 'import sys; print(sys.version)'], 30_000),
  ).trim();
  const wanted = createHash('sha256')
    .update(readFileSync(MLFLOW_REQUIREMENTS))
    .update('\0')
    .update(version)
    .digest('hex');
  const stamp = (() => {
    try {
      return existsSync(VENV_PYTHON) ? readFileSync(STAMP, 'utf8').trim() : null;
    } catch {
      return null;
    }
  })();
  if (stamp === wanted) return { python: VENV_PYTHON, installSeconds: 0 };
  const t0 = Date.now();
  const left = () => Math.max(1000, INSTALL_TIMEOUT_MS - (Date.now() - t0));
  if (!existsSync(VENV_PYTHON)) {
    rmSync(MLFLOW_VENV, { recursive: true, force: true });
    mkdirSync(join(MLFLOW_VENV, '..'), { recursive: true });
    log(`mlflow: creating ${MLFLOW_VENV}`);
    check('python3 -m venv', await runCmd(base, ['-m', 'venv', MLFLOW_VENV], left()));
  }
  rmSync(STAMP, { force: true });
  log(`mlflow: pip install -r ${MLFLOW_REQUIREMENTS} (a few minutes on a cold pip cache)`);
  check(
    'pip install',
    await runCmd(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '-r', MLFLOW_REQUIREMENTS], left(), {
      ...process.env,
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_NO_INPUT: '1',
    }),
  );
  writeFileSync(STAMP, `${wanted}\n`);
  const installSeconds = (Date.now() - t0) / 1000;
  log(`mlflow: venv ready in ${installSeconds.toFixed(0)} s`);
  return { python: VENV_PYTHON, installSeconds };
}

// ---- process trees (/proc) ----

/**
 * CPU seconds of a process tree: per living process its own time plus that of the children it reaped (a
 * reaped descendant is counted once, in its parent's cutime / cstime).
 */
export function processTreeCpuSeconds(root: number): number {
  return ticksToSeconds(processTree(root).reduce((a, s) => a + s.ticks, 0));
}

/** What a process of the server's tree is, from its command line. */
export function role(pid: number, root: number): string {
  if (pid === root) return 'mlflow server (CLI)';
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {}
  if (cmd.includes('spawn_main')) return 'uvicorn workers';
  if (cmd.includes('uvicorn')) return 'uvicorn supervisor';
  if (cmd.includes('huey_consumer')) return 'job runner (huey consumers)';
  if (cmd.includes('_job_runner')) return 'job runner';
  return 'other';
}

/** CPU seconds per pid of the tree (with its role), for a per-role breakdown of the window. */
export function processTreeCpuByPid(root: number): Map<number, { role: string; seconds: number }> {
  return new Map(
    processTree(root).map((s) => [s.pid, { role: role(s.pid, root), seconds: ticksToSeconds(s.ticks) }]),
  );
}

// Servers started by this module: killed (SIGKILL, whole tree) if the process exits while they run.
export const liveServers = new Set<number>();
let exitHookInstalled = false;
export function killTree(root: number, signal: NodeJS.Signals): void {
  const pids = processTree(root).map((s) => s.pid);
  try {
    process.kill(-root, signal);
  } catch {}
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveServers) killTree(pid, 'SIGKILL');
    liveServers.clear();
  });
}

// ---- the server ----

export interface MlflowServer {
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
  startSeconds: number;
  tail(): string;
  errorLines(): string[];
  stop(timeoutMs?: number): Promise<void>;
}

/** SQLAlchemy 2.1 maps a plain postgresql:// to psycopg 3; the requirements pin psycopg2. */
export function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
}

export async function startMlflowServer(opts: {
  python: string;
  backendUri: string;
  workers: number;
  workDir: string;
  onSpawn?: (child: ChildProcess) => void;
}): Promise<MlflowServer> {
  const port = await freePort();
  const bin = join(opts.python, '..');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: join(bin, '..'),
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    PYTHONUNBUFFERED: '1',
  };
  for (const k of Object.keys(env))
    if (k.startsWith('MLFLOW_TRACKING_') || k === 'NODE_OPTIONS') delete env[k];
  const args = [
    '-m',
    'mlflow',
    'server',
    '--backend-store-uri',
    opts.backendUri,
    '--default-artifact-root',
    join(opts.workDir, 'artifacts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    String(opts.workers),
  ];
  const t0 = Date.now();
  // Its own process group: uvicorn's supervisor, its workers and the job runner are stopped together.
  const child = spawn(opts.python, args, {
    cwd: opts.workDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  installExitHook();
  liveServers.add(pid);
  opts.onSpawn?.(child);
  const lines: string[] = [];
  const errors: string[] = [];
  let partial = '';
  const onData = (d: Buffer) => {
    const text = partial + d.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      // uvicorn's access log: one line per request; not kept.
      if (/"POST \/v1\/traces HTTP\/1\.1" 200/.test(line)) continue;
      lines.push(line);
      if (lines.length > 300) lines.shift();
      if (/Traceback|ERROR|Exception/.test(line) && errors.length < 20) errors.push(line.slice(0, 500));
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited = false;
  const exitPromise = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  const tail = () => lines.slice(-60).join('\n');
  const server: MlflowServer = {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    startSeconds: 0,
    tail,
    errorLines: () => [...errors],
    async stop(timeoutMs = 15_000) {
      if (!liveServers.has(pid)) return;
      killTree(pid, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && processTree(pid).length > 0) await sleep(200);
      if (processTree(pid).length > 0) killTree(pid, 'SIGKILL');
      await Promise.race([exitPromise, sleep(5000)]);
      liveServers.delete(pid);
    },
  };
  try {
    for (;;) {
      if (exited) throw new Error(`mlflow server exited during start-up:\n${tail()}`);
      if (Date.now() - t0 > HEALTH_TIMEOUT_MS)
        throw new Error(
          `mlflow server did not answer /health within ${HEALTH_TIMEOUT_MS / 1000} s:\n${tail()}`,
        );
      try {
        const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch {}
      await sleep(500);
    }
  } catch (err) {
    await server.stop(5000);
    throw err;
  }
  server.startSeconds = (Date.now() - t0) / 1000;
  return server;
}

export async function createExperiment(serverUrl: string, name: string): Promise<string> {
  const res = await fetch(`${serverUrl}/api/2.0/mlflow/experiments/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`creating the MLflow experiment: HTTP ${res.status} ${text.slice(0, 1000)}`);
  const id = (JSON.parse(text) as { experiment_id?: string }).experiment_id;
  if (!id) throw new Error(`creating the MLflow experiment: no experiment_id in ${text.slice(0, 1000)}`);
  return id;
}

export async function mlflowVersion(python: string): Promise<string> {
  const r = await runCmd(
    python,
    ['-c', 'import importlib.metadata as m; print(m.version("mlflow"))'],
    60_000,
  );
  return r.code === 0 ? r.out.trim() : 'unknown';
}

/**
 * One MLflow run: venv (if needed), a fresh database `bench_mlflow`, `mlflow server`, an experiment, the load
 * generator for `warmup` + `seconds`, then everything stopped and (unless keepDatabase) the database dropped.
 */
