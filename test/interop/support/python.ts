/**
 * The interop suite's Python environments: the main venv in test/interop/.venv (git-ignored), created with
 * `python3 -m venv` and filled with `pip install -r test/interop/python/requirements.txt` (pinned versions) from
 * the normal package index, and one more per client whose pins conflict with it (test/interop/.venv-livekit from
 * requirements-livekit.txt, test/interop/.venv-crewai from requirements-crewai.txt). Idempotent: a stamp file holds the hash of the requirements and the interpreter
 * version, and nothing is installed while it matches. Test files run in parallel processes, so creation is
 * serialized by a lock directory; a second file waits for the first to finish.
 *
 * INTEROP_PYTHON chooses the interpreter (default `python3`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INTEROP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PYTHON_DIR = join(INTEROP_DIR, 'python');
export const VENV_DIR = join(INTEROP_DIR, '.venv');
export const REQUIREMENTS = join(PYTHON_DIR, 'requirements.txt');

/** One venv and the pinned requirements it is made from. */
export interface PythonEnv {
  dir: string;
  requirements: string;
}

/** The suite's venv; clients whose pins cannot share it have their own (e.g. LIVEKIT_ENV). */
export const MAIN_ENV: PythonEnv = { dir: VENV_DIR, requirements: REQUIREMENTS };
/** livekit-agents needs OpenTelemetry >= 1.43, which the main venv holds back (requirements-livekit.txt). */
export const LIVEKIT_ENV: PythonEnv = {
  dir: join(INTEROP_DIR, '.venv-livekit'),
  requirements: join(PYTHON_DIR, 'requirements-livekit.txt'),
};
/** crewai 1.x pins OpenTelemetry and openai versions of its own, and brings chromadb / lancedb (requirements-crewai.txt). */
export const CREWAI_ENV: PythonEnv = {
  dir: join(INTEROP_DIR, '.venv-crewai'),
  requirements: join(PYTHON_DIR, 'requirements-crewai.txt'),
};

const stampOf = (env: PythonEnv) => join(env.dir, '.tracebridge-requirements.sha256');
const lockOf = (env: PythonEnv) =>
  join(INTEROP_DIR, '..', '.tmp', `interop-${basename(env.dir).replace(/^\./, '')}.lock`);
const pythonOf = (env: PythonEnv) => join(env.dir, 'bin', 'python');

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

async function wantedStamp(env: PythonEnv): Promise<string> {
  const version = assertOk(
    'python --version',
    await run(basePython(), ['-c', 'import sys; print(sys.version)'], { timeoutMs: 30_000 }),
  ).stdout.trim();
  return createHash('sha256')
    .update(readFileSync(env.requirements))
    .update('\0')
    .update(version)
    .digest('hex');
}

function readStamp(env: PythonEnv): string | null {
  try {
    return existsSync(pythonOf(env)) ? readFileSync(stampOf(env), 'utf8').trim() : null;
  } catch {
    return null;
  }
}

/** A lock directory shared by parallel test files (also the JS clients' install, support/js-clients.ts). */
export async function acquireLock(lock: string, deadline: number): Promise<() => void> {
  mkdirSync(join(lock, '..'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the install timeout was left by a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > VENV_TIMEOUT_MS)
          rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Makes sure the venv exists with the pinned requirements and returns its python. Safe to call from every test
 * file at once.
 */
export async function ensurePythonEnv(
  log: (msg: string) => void = () => {},
  env: PythonEnv = MAIN_ENV,
): Promise<string> {
  const deadline = Date.now() + VENV_TIMEOUT_MS;
  const wanted = await wantedStamp(env);
  const python = pythonOf(env);
  if (readStamp(env) === wanted) return python;
  const release = await acquireLock(lockOf(env), deadline);
  try {
    if (readStamp(env) === wanted) return python;
    const left = () => Math.max(1000, deadline - Date.now());
    if (!existsSync(python)) {
      rmSync(env.dir, { recursive: true, force: true });
      log(`creating ${env.dir}`);
      assertOk('python3 -m venv', await run(basePython(), ['-m', 'venv', env.dir], { timeoutMs: left() }));
    }
    rmSync(stampOf(env), { force: true });
    log(`pip install -r ${env.requirements}`);
    const pipEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
    assertOk(
      'pip install',
      await run(python, ['-m', 'pip', 'install', '--quiet', '-r', env.requirements], {
        env: pipEnv,
        timeoutMs: left(),
      }),
    );
    writeFileSync(stampOf(env), `${wanted}\n`);
    return python;
  } finally {
    release();
  }
}
