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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT } from './bridge-proc.js';
import type { LoadgenConfig, LoadgenResult } from './loadgen.js';
import {
  createExperiment,
  ensureMlflowVenv,
  type MlflowServer,
  mlflowVersion,
  processTreeCpuByPid,
  processTreeCpuSeconds,
  sleep,
  sqlalchemyUrl,
  startMlflowServer,
} from './mlflow-server.js';
import { databaseUrl, startBenchPostgres } from './pg.js';
import { machineCpu, peakRssBytes, processTree, treeCpuSeconds } from './proc.js';
import { buildTemplate, newIdScheme, SPANS_PER_REQUEST, TEMPLATE_T0 } from './workload.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
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
  const { values: flags } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      'message-kb': { type: 'string' },
      workers: { type: 'string' },
      'quiet-wait': { type: 'string' },
      protocol: { type: 'string' },
      'pg-url': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const num = (flag: keyof typeof flags, fallback: number) => {
    const raw = flags[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} needs a number`);
    return n;
  };
  if (flags.clients !== undefined) {
    clients = flags.clients
      .split(',')
      .map((s) => Math.round(Number(s)))
      .filter((n) => n > 0);
  }
  seconds = num('seconds', seconds);
  warmup = num('warmup', warmup);
  messageKb = num('message-kb', messageKb);
  workers = Math.round(num('workers', workers));
  quietWait = num('quiet-wait', quietWait);
  if (flags.protocol !== undefined) {
    if (flags.protocol !== 'http-protobuf' && flags.protocol !== 'http-json')
      throw new Error('--protocol is http-protobuf or http-json');
    protocol = flags.protocol;
  }
  pgUrl = flags['pg-url'] ?? null;
  out = flags.out ?? null;
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
