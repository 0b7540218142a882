/**
 * The interop suite's Python environment: one venv in test/interop/.venv (git-ignored), created with
 * `python3 -m venv` and filled with `pip install -r test/interop/python/requirements.txt` (pinned versions) from
 * the normal package index. Idempotent: a stamp file holds the hash of the requirements and the interpreter
 * version, and nothing is installed while it matches. Test files run in parallel processes, so creation is
 * serialized by a lock directory; a second file waits for the first to finish.
 *
 * INTEROP_PYTHON chooses the interpreter (default `python3`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INTEROP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PYTHON_DIR = join(INTEROP_DIR, 'python');
export const VENV_DIR = join(INTEROP_DIR, '.venv');
export const REQUIREMENTS = join(PYTHON_DIR, 'requirements.txt');
const STAMP = join(VENV_DIR, '.tracebridge-requirements.sha256');
const LOCK = join(INTEROP_DIR, '..', '.tmp', 'interop-venv.lock');
const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');

/** Creating the venv and installing mlflow + autogen + OTel takes a few minutes on a cold pip cache. */
export const VENV_TIMEOUT_MS = 15 * 60_000;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs a command with a hard timeout (SIGTERM, then SIGKILL 5 s later) and collects its output. Never rejects on a
 * non-zero exit: callers decide (see `assertOk`).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; input?: string },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Throws with the command's output when it failed or timed out. */
export function assertOk(label: string, r: RunResult): RunResult {
  if (r.code !== 0 || r.timedOut) {
    const why = r.timedOut ? `timed out after ${r.ms} ms` : `exited with ${r.code ?? r.signal}`;
    throw new Error(
      `${label} ${why}\n--- stdout ---\n${r.stdout.slice(-8000)}\n--- stderr ---\n${r.stderr.slice(-8000)}`,
    );
  }
  return r;
}

function basePython(): string {
  return process.env.INTEROP_PYTHON ?? 'python3';
}

async function wantedStamp(): Promise<string> {
  const version = assertOk(
    'python --version',
    await run(basePython(), ['-c', 'import sys; print(sys.version)'], { timeoutMs: 30_000 }),
  ).stdout.trim();
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).update('\0').update(version).digest('hex');
}

function readStamp(): string | null {
  try {
    return existsSync(VENV_PYTHON) ? readFileSync(STAMP, 'utf8').trim() : null;
  } catch {
    return null;
  }
}

async function acquireLock(deadline: number): Promise<() => void> {
  mkdirSync(join(LOCK, '..'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the install timeout was left by a killed run.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > VENV_TIMEOUT_MS)
          rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Makes sure the venv exists with the pinned requirements and returns its python. Safe to call from every test
 * file at once.
 */
export async function ensurePythonEnv(log: (msg: string) => void = () => {}): Promise<string> {
  const deadline = Date.now() + VENV_TIMEOUT_MS;
  const wanted = await wantedStamp();
  if (readStamp() === wanted) return VENV_PYTHON;
  const release = await acquireLock(deadline);
  try {
    if (readStamp() === wanted) return VENV_PYTHON;
    const left = () => Math.max(1000, deadline - Date.now());
    if (!existsSync(VENV_PYTHON)) {
      rmSync(VENV_DIR, { recursive: true, force: true });
      log(`creating ${VENV_DIR}`);
      assertOk('python3 -m venv', await run(basePython(), ['-m', 'venv', VENV_DIR], { timeoutMs: left() }));
    }
    rmSync(STAMP, { force: true });
    log(`pip install -r ${REQUIREMENTS}`);
    const pipEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
    assertOk(
      'pip install',
      await run(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS], {
        env: pipEnv,
        timeoutMs: left(),
      }),
    );
    writeFileSync(STAMP, `${wanted}\n`);
    return VENV_PYTHON;
  } finally {
    release();
  }
}
