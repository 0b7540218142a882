/**
 * The MLflow comparison (issue 6): the bench's workload sent to MLflow's own OTLP endpoint, measured the way
 * bench/run.ts measures tracebridge, so the bench can report tracebridge / MLflow.
 *
 * 1. A Python venv in bench/.tmp/mlflow-venv (git-ignored) with bench/mlflow-requirements.txt (pinned:
 *    mlflow, psycopg2-binary and every transitive dependency). A stamp file holds the hash of the
 *    requirements and the interpreter version; nothing is installed while it matches (as
 *    test/interop/support/python.ts does).
 * 2. `mlflow server --backend-store-uri postgresql+psycopg2://…/bench_mlflow` (a fresh database on the
 *    bench's Postgres) on 127.0.0.1 and a free port, with MLflow's defaults otherwise (uvicorn, 4 workers
 *    unless `workers` says otherwise, job runner on); telemetry off. Ready when GET /health answers 200.
 * 3. An experiment created through the REST API (POST /api/2.0/mlflow/experiments/create).
 * 4. bench/loadgen.ts as its own process, OTLP/HTTP protobuf (or JSON) to POST /v1/traces with the header
 *    `x-mlflow-experiment-id`, closed loop with `clients` exporters, 512 spans per request: warm-up (at least
 *    `warmup` seconds and until 2 requests per client are committed), then the timed window.
 * 5. Committed spans/s from MLflow's own table: `count(*)` of `spans` (MLflow 3's SQL store keeps one row per
 *    span there; `trace_info` one per trace) at the start and end of the window — as bench/run.ts counts
 *    tracebridge's `spans`. MLflow answers an export only after `SqlAlchemyStore.log_spans` committed the
 *    batch (mlflow/server/otel_api.py), so an acknowledged span is a stored span. Also p50/p99 per request,
 *    the CPU of the server's whole process tree (the `mlflow` CLI, uvicorn's supervisor and workers, the job
 *    runner) and of Postgres, and whether every span the generator started is stored at the end.
 *
 * Everything started here is stopped at the end (SIGTERM to the server's process group and every descendant,
 * SIGKILL after a bounded wait), also when the process exits early.
 *
 * CLI: node --import tsx bench/mlflow.ts [--clients 4,16] [--seconds 10] [--warmup 3] [--message-kb 1]
 *        [--workers 4] [--protocol http-protobuf|http-json] [--quiet-wait 60] [--pg-url postgres://…]
 *        [--out FILE]
 * Without --pg-url it starts its own throwaway Postgres (bench/pg.ts, production durability).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../test/support/pg-server.mjs';
import { ROOT } from './bridge-proc.js';
import { eachFlag } from './flags.js';
import type { LoadgenConfig, LoadgenResult } from './loadgen.js';
import { databaseUrl, startBenchPostgres } from './pg.js';
import { machineCpu, peakRssBytes, processTree, ticksToSeconds, treeCpuSeconds } from './proc.js';
import { buildTemplate, newIdScheme, SPANS_PER_REQUEST, TEMPLATE_T0 } from './workload.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
export const MLFLOW_REQUIREMENTS = join(ROOT, 'bench', 'mlflow-requirements.txt');
export const MLFLOW_VENV = join(ROOT, 'bench', '.tmp', 'mlflow-venv');
const VENV_PYTHON = join(MLFLOW_VENV, 'bin', 'python');
const STAMP = join(MLFLOW_VENV, '.tracebridge-requirements.sha256');
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const HEALTH_TIMEOUT_MS = 240_000;
export const MLFLOW_DATABASE = 'bench_mlflow';

export interface MlflowOptions {
  /** The bench's Postgres (bench/pg.ts `BenchPostgres.url`); the database `bench_mlflow` is (re)created. */
  pgUrl: string;
  /** The postmaster's pid (`BenchPostgres.pid()`), for Postgres's CPU; omitted: not measured. */
  pgPid?: number;
  /** Closed-loop exporters. */
  clients: number;
  /** Timed window and the warm-up before it, seconds. */
  seconds: number;
  warmup: number;
  /**
   * The warm-up also lasts until MLflow has committed 2 requests per client (each uvicorn worker creates its
   * tracking store on its first request, and at 16 clients one round of requests takes ~10 s here), but at
   * most this many seconds; default 120.
   */
  warmupMaxSeconds?: number;
  /** Before the load, wait (up to this many seconds) until the rest of the machine is idle; default 0. */
  quietWait?: number;
  /** Chat message size per CHAT_MODEL span (bench/workload.ts); default 1. */
  messageKb?: number;
  /** OTLP/HTTP encoding; MLflow has no OTLP/gRPC receiver. Default http-protobuf. */
  protocol?: 'http-protobuf' | 'http-json';
  /** `mlflow server --workers`; default 4 (MLflow's own default). */
  workers?: number;
  /** Timestamps of request 0 relative to the template (bench/run.ts's ctx.baseShiftNs); default: now. */
  baseShiftNs?: bigint;
  /** Load generator: pre-built request pool cap (MB) and how long to keep retrying after the window. */
  poolMb?: number;
  drainSeconds?: number;
  /** Keep the database `bench_mlflow` afterwards (default: dropped). */
  keepDatabase?: boolean;
  /** Progress lines (venv install, server start). Default: console.log. */
  log?: (msg: string) => void;
  /** Called with every child process as soon as it is spawned (the server and the load generator). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface MlflowResult {
  mlflowVersion: string;
  workers: number;
  protocol: 'http-protobuf' | 'http-json';
  clients: number;
  messageKb: number;
  /** Seconds the venv took (0 when the stamp matched), and the server from spawn to /health. */
  venvInstallSeconds: number;
  serverStartSeconds: number;
  /** Seconds of load before the window (≥ warmup, see warmupMaxSeconds). */
  warmupSeconds: number;
  seconds: number;
  /** Rows added to MLflow's `spans` in the window, and per second. */
  committed: number;
  spansPerSecond: number;
  tracesPerSecond: number;
  requestsPerSecond: number;
  mbPerSecond: number;
  latencyMs: LoadgenResult['window']['latencyMs'];
  /** Cores: MLflow's whole process tree, Postgres (null without pgPid), the generator, the whole machine. */
  mlflowCpu: number;
  /** mlflowCpu by process role (uvicorn workers, job runner, …), cores. */
  mlflowCpuByRole: Record<string, number>;
  pgCpu: number | null;
  loadgenCpu: number;
  machineBusy: number;
  /** machineBusy minus MLflow, Postgres and the generator: other work on the machine during the window. */
  otherCpu: number;
  /** Sum of the peak RSS of the server's processes alive at the end of the window. */
  mlflowPeakRssMb: number;
  /** Answers other than 200 (by HTTP status or error), retries, requests given up. */
  errors: Record<string, number>;
  retryableAnswers: number;
  retries: number;
  lostRequests: number;
  startedSpans: number;
  ackedSpans: number;
  /** count(*) of `spans` / `trace_info` after the generator stopped. */
  finalSpans: number;
  finalTraces: number;
  nothingLost: boolean;
  poolMisses: number;
  requestBytes: number;
  /** Error lines from the server's log (Traceback / ERROR), at most 20. */
  serverErrors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the venv ----

interface CmdResult {
  code: number | null;
  out: string;
  timedOut: boolean;
}

function runCmd(cmd: string, args: string[], timeoutMs: number, env = process.env): Promise<CmdResult> {
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

function check(label: string, r: CmdResult): string {
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
function processTreeCpuSeconds(root: number): number {
  return ticksToSeconds(processTree(root).reduce((a, s) => a + s.ticks, 0));
}

/** What a process of the server's tree is, from its command line. */
function role(pid: number, root: number): string {
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
function processTreeCpuByPid(root: number): Map<number, { role: string; seconds: number }> {
  return new Map(
    processTree(root).map((s) => [s.pid, { role: role(s.pid, root), seconds: ticksToSeconds(s.ticks) }]),
  );
}

// Servers started by this module: killed (SIGKILL, whole tree) if the process exits while they run.
const liveServers = new Set<number>();
let exitHookInstalled = false;
function killTree(root: number, signal: NodeJS.Signals): void {
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
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveServers) killTree(pid, 'SIGKILL');
    liveServers.clear();
  });
}

// ---- the server ----

interface MlflowServer {
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
function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
}

async function startMlflowServer(opts: {
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

async function createExperiment(serverUrl: string, name: string): Promise<string> {
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

// ---- the load generator ----

interface Loadgen {
  child: ChildProcess;
  ready: Promise<{ poolRequests: number; requestBytes: number; prepMs: number }>;
  result: Promise<LoadgenResult>;
}

function startLoadgen(cfg: LoadgenConfig): Loadgen {
  const child = spawn(process.execPath, ['--import', 'tsx', LOADGEN, JSON.stringify(cfg)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let done = false;
  let onReady: (m: { poolRequests: number; requestBytes: number; prepMs: number }) => void = () => {};
  let onResult: (m: LoadgenResult) => void = () => {};
  let failReady: (e: Error) => void = () => {};
  let failResult: (e: Error) => void = () => {};
  const ready = new Promise<{ poolRequests: number; requestBytes: number; prepMs: number }>((res, rej) => {
    onReady = res;
    failReady = rej;
  });
  const result = new Promise<LoadgenResult>((res, rej) => {
    onResult = res;
    failResult = rej;
  });
  ready.catch(() => {});
  result.catch(() => {});
  child.on('message', (m: { type: string }) => {
    if (m.type === 'ready') onReady(m as never);
    if (m.type === 'result') {
      done = true;
      onResult(m as LoadgenResult);
    }
  });
  child.on('exit', (code) => {
    if (done) return;
    const err = new Error(`load generator exited with ${code} before reporting`);
    failReady(err);
    failResult(err);
  });
  return { child, ready, result };
}

// ---- the measurement ----

async function counts(client: pg.Client): Promise<{ spans: number; traces: number }> {
  const r = await client.query<{ s: string; t: string }>(
    'SELECT (SELECT count(*) FROM spans)::text AS s, (SELECT count(*) FROM trace_info)::text AS t',
  );
  return { spans: Number(r.rows[0]!.s), traces: Number(r.rows[0]!.t) };
}

/**
 * Waits (up to `seconds`) until two consecutive seconds see < 0.25 cores of processes other than Postgres —
 * MLflow included: its job runner's seven huey consumers are still importing for a while after /health
 * answers.
 */
async function waitQuiet(
  seconds: number,
  pgPid: number | undefined,
  log: (msg: string) => void,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let quiet = 0;
  let said = false;
  while (Date.now() < deadline) {
    const m0 = machineCpu();
    const p0 = pgPid ? treeCpuSeconds(pgPid) : 0;
    await sleep(1000);
    const load = Math.max(0, machineCpu().busy - m0.busy - ((pgPid ? treeCpuSeconds(pgPid) : 0) - p0));
    quiet = load < 0.25 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    if (!said) {
      log(
        `mlflow: waiting for the machine to go quiet (processes but Postgres use ${load.toFixed(2)} cores)…`,
      );
      said = true;
    }
  }
  log(`mlflow: machine still busy after ${seconds} s; running anyway (see "other")`);
}

async function mlflowVersion(python: string): Promise<string> {
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
export async function measureMlflow(opts: MlflowOptions): Promise<MlflowResult> {
  const log = opts.log ?? console.log;
  const messageKb = opts.messageKb ?? 1;
  const protocol = opts.protocol ?? 'http-protobuf';
  const workers = opts.workers ?? 4;
  const { python, installSeconds } = await ensureMlflowVenv(log);
  const version = await mlflowVersion(python);

  const admin = new pg.Client({ connectionString: opts.pgUrl });
  await admin.connect();
  let counter: pg.Client | null = null;
  let server: MlflowServer | null = null;
  let gen: Loadgen | null = null;
  const workDir = mkdtempSync(join(tmpdir(), 'tracebridge-bench-mlflow-'));
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${MLFLOW_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${MLFLOW_DATABASE}`);
    const dbUrl = databaseUrl(opts.pgUrl, MLFLOW_DATABASE);

    const template = buildTemplate(messageKb, SPANS_PER_REQUEST);
    const requestBytes = (protocol === 'http-json' ? template.json : template.protobuf).length;

    log(`mlflow ${version}: starting the server (${workers} workers; creates its schema on first start)…`);
    server = await startMlflowServer({
      python,
      backendUri: sqlalchemyUrl(dbUrl),
      workers,
      workDir,
      onSpawn: opts.onSpawn,
    });
    log(`mlflow: ${server.url} answered /health after ${server.startSeconds.toFixed(1)} s`);
    const experimentId = await createExperiment(server.url, `tracebridge-bench-${Date.now()}`);

    // MLflow commits a few thousand spans/s at most here: a pool for 5,000 spans/s is plenty (past it the
    // generator builds requests live, ~1 ms each).
    const runSeconds = opts.warmup + opts.seconds + 2;
    const cfg: LoadgenConfig = {
      protocol,
      clients: opts.clients,
      messageKb,
      spansPerRequest: SPANS_PER_REQUEST,
      httpPort: server.port,
      grpcPort: 0,
      ids: newIdScheme(),
      baseShiftNs: (opts.baseShiftNs ?? BigInt(Date.now()) * 1_000_000n - TEMPLATE_T0).toString(),
      poolRequests: Math.ceil((5000 * runSeconds) / template.spans) + 4,
      poolMb: opts.poolMb ?? 256,
      drainSeconds: opts.drainSeconds ?? 120,
      httpPath: '/v1/traces',
      headers: { 'x-mlflow-experiment-id': experimentId },
    };
    gen = startLoadgen(cfg);
    opts.onSpawn?.(gen.child);
    counter = new pg.Client({ connectionString: dbUrl });
    await counter.connect();
    await gen.ready;

    if (opts.quietWait) await waitQuiet(opts.quietWait, opts.pgPid, log);
    const loadStart = Date.now();
    gen.child.send({ type: 'start' });
    await sleep(opts.warmup * 1000);
    const warmDeadline = loadStart + (opts.warmupMaxSeconds ?? 120) * 1000;
    const warmSpans = 2 * opts.clients * template.spans;
    while (Date.now() < warmDeadline && (await counts(counter)).spans < warmSpans) await sleep(250);
    const warmupSeconds = (Date.now() - loadStart) / 1000;
    if (warmupSeconds > opts.warmup + 1)
      log(`mlflow: warm-up took ${warmupSeconds.toFixed(1)} s (until ${warmSpans} spans were committed)`);
    const srv = server;
    const g = gen;
    const c = counter;
    const sample = async () => {
      const t = Date.now();
      g.child.send({ type: 'mark' });
      const mlflowCpu = processTreeCpuSeconds(srv.pid);
      const byPid = processTreeCpuByPid(srv.pid);
      const pgCpu = opts.pgPid ? treeCpuSeconds(opts.pgPid) : 0;
      const machine = machineCpu();
      const n = await counts(c);
      return { t, mlflowCpu, byPid, pgCpu, machine, n };
    };
    const a = await sample();
    await sleep(Math.max(0, opts.seconds * 1000 - (Date.now() - a.t)));
    const b = await sample();
    const peakRss = processTree(srv.pid).reduce((acc, s) => acc + peakRssBytes(s.pid), 0);
    g.child.send({ type: 'stop', window: [a.t, b.t] });
    const lg = await g.result;
    const final = await counts(c);
    const wall = (b.t - a.t) / 1000;
    const byRole: Record<string, number> = {};
    for (const [pid, x] of b.byPid) {
      const before = a.byPid.get(pid)?.seconds ?? 0;
      byRole[x.role] = (byRole[x.role] ?? 0) + (x.seconds - before) / wall;
    }
    const committed = b.n.spans - a.n.spans;
    const startedSpans = lg.totals.started * template.spans;
    const result: MlflowResult = {
      mlflowVersion: version,
      workers,
      protocol,
      clients: opts.clients,
      messageKb,
      venvInstallSeconds: installSeconds,
      serverStartSeconds: server.startSeconds,
      warmupSeconds,
      seconds: wall,
      committed,
      spansPerSecond: committed / wall,
      tracesPerSecond: (b.n.traces - a.n.traces) / wall,
      requestsPerSecond: lg.window.requests / wall,
      mbPerSecond: lg.window.bytes / wall / 1e6,
      latencyMs: lg.window.latencyMs,
      mlflowCpu: (b.mlflowCpu - a.mlflowCpu) / wall,
      mlflowCpuByRole: byRole,
      pgCpu: opts.pgPid ? (b.pgCpu - a.pgCpu) / wall : null,
      loadgenCpu: lg.window.cpuSeconds / wall,
      machineBusy: (b.machine.busy - a.machine.busy) / wall,
      otherCpu: Math.max(
        0,
        (b.machine.busy - a.machine.busy - (b.mlflowCpu - a.mlflowCpu) - (b.pgCpu - a.pgCpu)) / wall -
          lg.window.cpuSeconds / wall,
      ),
      mlflowPeakRssMb: peakRss / 1024 / 1024,
      errors: lg.totals.errors,
      retryableAnswers: lg.totals.retryableAnswers,
      retries: lg.totals.retries,
      lostRequests: lg.totals.lost,
      startedSpans,
      ackedSpans: lg.totals.ackedSpans,
      finalSpans: final.spans,
      finalTraces: final.traces,
      nothingLost: final.spans === startedSpans && lg.totals.lost === 0,
      poolMisses: lg.totals.poolMisses,
      requestBytes,
      serverErrors: server.errorLines(),
    };
    return result;
  } catch (err) {
    if (server) log(`mlflow server log tail:\n${server.tail()}`);
    throw err;
  } finally {
    if (gen && gen.child.exitCode === null) gen.child.kill('SIGKILL');
    await counter?.end().catch(() => {});
    if (server) await server.stop();
    if (!opts.keepDatabase)
      await admin.query(`DROP DATABASE IF EXISTS ${MLFLOW_DATABASE} WITH (FORCE)`).catch(() => {});
    await admin.end().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The one-line summary the CLI prints (bench/run.ts may reuse it). */
export function formatMlflowResult(r: MlflowResult): string {
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  return (
    `MLflow ${r.mlflowVersion} (${r.workers} workers), ${r.protocol}, ` +
    `${r.clients} client(s), ${r.messageKb} KB: ` +
    `${int(r.spansPerSecond)} spans/s committed (${int(r.committed)} in ${r.seconds.toFixed(1)} s), ` +
    `p50 ${r.latencyMs.p50.toFixed(0)} ms p99 ${r.latencyMs.p99.toFixed(0)} ms, ` +
    `MLflow ${r.mlflowCpu.toFixed(2)} cores${r.pgCpu === null ? '' : `, PG ${r.pgCpu.toFixed(2)} cores`}, ` +
    `loadgen ${r.loadgenCpu.toFixed(2)}, other ${r.otherCpu.toFixed(2)}, ` +
    `stored ${int(r.finalSpans)} / started ${int(r.startedSpans)} / acked ${int(r.ackedSpans)}` +
    (r.nothingLost ? ', nothing lost' : ', SOME LOST') +
    (Object.keys(r.errors).length ? `, answers other than 200: ${JSON.stringify(r.errors)}` : '') +
    (r.lostRequests ? `, ${r.lostRequests} requests given up` : '')
  );
}

// ---- CLI ----

async function cli(argv: string[]): Promise<void> {
  let clients = [4];
  let seconds = 10;
  let warmup = 3;
  let messageKb = 1;
  let workers = 4;
  let quietWait = 60;
  let protocol: 'http-protobuf' | 'http-json' = 'http-protobuf';
  let pgUrl: string | null = null;
  let out: string | null = null;
  eachFlag(argv, (flag, value) => {
    const num = () => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number`);
      return n;
    };
    switch (flag) {
      case '--clients':
        clients = value()
          .split(',')
          .map((s) => Math.round(Number(s)))
          .filter((n) => n > 0);
        break;
      case '--seconds':
        seconds = num();
        break;
      case '--warmup':
        warmup = num();
        break;
      case '--message-kb':
        messageKb = num();
        break;
      case '--workers':
        workers = Math.round(num());
        break;
      case '--quiet-wait':
        quietWait = num();
        break;
      case '--protocol': {
        const v = value();
        if (v !== 'http-protobuf' && v !== 'http-json')
          throw new Error('--protocol is http-protobuf or http-json');
        protocol = v;
        break;
      }
      case '--pg-url':
        pgUrl = value();
        break;
      case '--out':
        out = value();
        break;
      default:
        throw new Error(`unknown flag ${flag} (see the header of bench/mlflow.ts)`);
    }
  });
  const benchPg = pgUrl ? null : await startBenchPostgres();
  // Also on an early exit (signal): destroy() is synchronous.
  const onExit = () => benchPg?.destroy();
  process.once('exit', onExit);
  const results: MlflowResult[] = [];
  try {
    for (const c of clients) {
      const r = await measureMlflow({
        pgUrl: pgUrl ?? benchPg!.url,
        pgPid: benchPg?.pid(),
        clients: c,
        seconds,
        warmup,
        messageKb,
        workers,
        protocol,
        quietWait,
      });
      results.push(r);
      console.log(formatMlflowResult(r));
      console.log(
        `  MLflow CPU by process: ${Object.entries(r.mlflowCpuByRole)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(
            ', ',
          )}; warm-up ${r.warmupSeconds.toFixed(1)} s, server start ${r.serverStartSeconds.toFixed(1)} s`,
      );
      for (const e of r.serverErrors.slice(0, 5)) console.log(`  server: ${e}`);
    }
  } finally {
    process.removeListener('exit', onExit);
    benchPg?.destroy();
  }
  if (out) writeFileSync(out, `${JSON.stringify({ results }, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`mlflow bench: ${signal}, stopping`);
      process.exit(130);
    });
  }
  cli(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(
        `mlflow bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      process.exit(1);
    },
  );
}
