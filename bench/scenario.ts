/**
 * One bench run: a load generator against the bridge (on the external or the embedded PostgreSQL), its timed window measured from Postgres — spans
 * committed, latency, CPU of every process, peak RSS, Postgres time per statement, bytes on disk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectionUrl, readCredentials } from '../store/embedded/credentials.js';
import { type BridgeProcess, freePorts, ROOT, startBridgeProcess } from './bridge-proc.js';
import { children, tempDirs } from './cleanup.js';
import type { LoadgenConfig, LoadgenResult, Protocol } from './loadgen.js';
import type { Options } from './options.js';
import { type BenchPostgres, databaseUrl, viaUnixSocket } from './pg.js';
import { cpuSeconds, machineCpu, peakRssBytes, threadCpuSeconds, treeCpuSeconds } from './proc.js';
import { findProfile } from './profile-summary.js';
import { fmtInt } from './report.js';
import { buildTemplate, newIdScheme, SPANS_PER_REQUEST, type Template } from './workload.js';

export const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

// ---- one run ----

/** The half-load run's window is this many times --seconds long (its p99 is a target). */
export const HALF_LOAD_WINDOW_FACTOR = 3;

export interface Scenario {
  label: string;
  protocol: Protocol;
  clients: number;
  messageKb: number;
  embedded: boolean;
  /** Open loop: offered spans/s. */
  rate?: number;
  env?: Record<string, string>;
  profileDir?: string;
  storage?: boolean;
  /** Start the window only once the bridge answers with backpressure (or after this many seconds). */
  untilBackpressure?: number;
  /** The timed window, when not opts.seconds. */
  seconds?: number;
}

export interface Storage {
  spans: number;
  heapBytes: number;
  toastBytes: number;
  indexBytes: number;
  spansTotalBytes: number;
  tracesTotalBytes: number;
  /** Average on-disk (possibly compressed / TOASTed) size per span of the largest columns. */
  columns: Record<string, number>;
}

export interface RunResult {
  scenario: Scenario;
  seconds: number;
  committed: number;
  spansPerSecond: number;
  requestsPerSecond: number;
  mbPerSecond: number;
  latencyMs: LoadgenResult['window']['latencyMs'];
  offeredSpansPerSecond: number | null;
  bridgeCpu: number;
  /** The bridge's main thread (its event loop), cores. */
  bridgeMainThread: number;
  pgCpu: number | null;
  loadgenCpu: number;
  machineBusy: number;
  bridgePeakRssMb: number;
  retryableAnswers: number;
  retries: number;
  errors: Record<string, number>;
  startedSpans: number;
  ackedSpans: number;
  finalCount: number;
  nothingLost: boolean;
  poolMisses: number;
  requestBytes: number;
  storage: Storage | null;
  profile: string | null;
  /** Postgres time per statement in the window (pg_stat_statements), largest first. */
  statements: Statement[];
}

export interface Statement {
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
}

export interface Context {
  opts: Options;
  pg: BenchPostgres | null;
  admin: pg.Client | null;
  templates: Map<number, Template>;
  baseShiftNs: bigint;
  /** Requests sent so far: each run's timestamps continue after the previous run's (ids are fresh per run). */
  seqNext: number;
  best: Map<string, number>;
  runNo: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function templateFor(ctx: Context, kb: number): Template {
  let t = ctx.templates.get(kb);
  if (!t) {
    t = buildTemplate(kb, SPANS_PER_REQUEST);
    ctx.templates.set(kb, t);
  }
  return t;
}

export interface Loadgen {
  child: ChildProcess;
  ready: Promise<{ poolRequests: number; requestBytes: number; prepMs: number }>;
  result: Promise<LoadgenResult>;
  /** Resolves at the first retryable answer. */
  backpressure: Promise<void>;
}

export function startLoadgen(cfg: LoadgenConfig): Loadgen {
  const child = spawn(process.execPath, ['--import', 'tsx', LOADGEN, JSON.stringify(cfg)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onReady: (m: { poolRequests: number; requestBytes: number; prepMs: number }) => void;
  let onResult: (m: LoadgenResult) => void;
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<{ poolRequests: number; requestBytes: number; prepMs: number }>(
    (resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    },
  );
  const result = new Promise<LoadgenResult>((resolve, reject) => {
    onResult = resolve;
    const prev = onFail;
    onFail = (e) => {
      prev(e);
      reject(e);
    };
  });
  // Unhandled until awaited; a failure is reported through whichever is awaited.
  ready.catch(() => {});
  result.catch(() => {});
  let done = false;
  let onBackpressure: () => void = () => {};
  const backpressure = new Promise<void>((resolve) => {
    onBackpressure = resolve;
  });
  child.on('message', (m: { type: string }) => {
    if (m.type === 'ready') onReady(m as never);
    if (m.type === 'backpressure') onBackpressure();
    if (m.type === 'result') {
      done = true;
      onResult(m as LoadgenResult);
    }
  });
  child.on('exit', (code) => {
    if (!done) onFail(new Error(`load generator exited with ${code} before reporting`));
  });
  return { child, ready, result, backpressure };
}

export async function countSpans(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM spans');
  return Number(r.rows[0]!.n);
}

/**
 * Committed spans during a run, from the trace rows: each is written in the transaction that writes its spans,
 * with their count, so the sum is count(*) of spans at every snapshot — for a scan of a table a seventh the
 * size, without parallel workers. count(*) of spans itself (a parallel scan of ~700 MB by the end of a run) cost
 * Postgres ~0.1 core-seconds inside the window and forked two workers each time. countSpans checks it after the
 * run.
 */
export async function countCommitted(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>('SELECT coalesce(sum(span_count), 0)::text AS n FROM traces');
  return Number(r.rows[0]!.n);
}

export async function measureStorage(client: pg.Client): Promise<Storage> {
  const r = await client.query<Record<string, string>>(`
    SELECT
      (SELECT count(*) FROM spans)::text AS spans,
      pg_relation_size('spans')::text AS heap,
      coalesce((SELECT pg_total_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'spans'::regclass AND reltoastrelid <> 0), 0)::text AS toast,
      pg_indexes_size('spans')::text AS indexes,
      pg_total_relation_size('spans')::text AS spans_total,
      pg_total_relation_size('traces')::text AS traces_total`);
  const row = r.rows[0]!;
  const cols = [
    'attributes',
    'inputs',
    'outputs',
    'input_messages',
    'output_messages',
    'resource_attributes',
    'trace_tags',
  ];
  const c = await client.query<Record<string, string>>(
    `SELECT ${cols.map((k) => `coalesce(avg(pg_column_size(${k})), 0)::text AS ${k}`).join(', ')}
     FROM (SELECT * FROM spans LIMIT 20000) s`,
  );
  return {
    spans: Number(row.spans),
    heapBytes: Number(row.heap),
    toastBytes: Number(row.toast),
    indexBytes: Number(row.indexes),
    spansTotalBytes: Number(row.spans_total),
    tracesTotalBytes: Number(row.traces_total),
    columns: Object.fromEntries(cols.map((k) => [k, Number(c.rows[0]![k])])),
  };
}

/** Other processes' CPU (cores) now: the machine's busy time over `ms`, minus our Postgres. */
export async function otherLoad(ctx: Context, ms: number): Promise<number> {
  const m0 = machineCpu();
  const p0 = ctx.pg ? treeCpuSeconds(ctx.pg.pid()) : 0;
  await sleep(ms);
  const m1 = machineCpu();
  const p1 = ctx.pg ? treeCpuSeconds(ctx.pg.pid()) : 0;
  return Math.max(0, (m1.busy - m0.busy - (p1 - p0)) / (ms / 1000));
}

/** Waits (up to opts.quietWait seconds) until two consecutive seconds see < 0.25 cores of other processes. */
export async function waitQuiet(ctx: Context): Promise<void> {
  if (ctx.opts.quietWait <= 0) return;
  const deadline = Date.now() + ctx.opts.quietWait * 1000;
  let quiet = 0;
  let waited = false;
  while (Date.now() < deadline) {
    const load = await otherLoad(ctx, 1000);
    quiet = load < 0.25 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    if (!waited) {
      console.log(`  waiting for the machine to go quiet (other processes use ${load.toFixed(2)} cores)…`);
      waited = true;
    }
  }
  console.log(`  machine still busy after ${ctx.opts.quietWait} s; running anyway (see "other CPU")`);
}

export const otherCpu = (r: RunResult) =>
  Math.max(0, r.machineBusy - r.bridgeCpu - (r.pgCpu ?? 0) - r.loadgenCpu);

/** runScenario on a quiet machine, repeated (up to opts.retryNoisy times) when something else ran during it. */
export async function measure(ctx: Context, s: Scenario): Promise<RunResult> {
  for (let attempt = 0; ; attempt++) {
    await waitQuiet(ctx);
    const r = await runScenario(ctx, s);
    if (otherCpu(r) <= 0.3 || attempt >= ctx.opts.retryNoisy) return r;
    console.log(
      `  other processes used ${otherCpu(r).toFixed(2)} cores during the window: repeating the run`,
    );
  }
}

export async function topStatements(admin: pg.Client, dbName: string): Promise<Statement[]> {
  const r = await admin.query<{ query: string; calls: string; total: string; rows: string }>(
    `SELECT query, calls::text, total_exec_time::text AS total, rows::text FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) ORDER BY total_exec_time DESC LIMIT 10`,
    [dbName],
  );
  return r.rows.map((x) => ({
    query: x.query.replace(/\s+/g, ' ').trim(),
    calls: Number(x.calls),
    totalMs: Number(x.total),
    rows: Number(x.rows),
  }));
}

export async function runScenario(ctx: Context, s: Scenario): Promise<RunResult> {
  const { opts } = ctx;
  const n = ++ctx.runNo;
  const template = templateFor(ctx, s.messageKb);
  const encodingBytes = s.protocol === 'http-json' ? template.json.length : template.protobuf.length;
  console.log(
    `\n[${n}] ${s.label}: ${s.protocol}, ${s.rate ? `open loop ${Math.round(s.rate)} spans/s, ≤${s.clients} in flight` : `${s.clients} client(s)`}, ` +
      `${s.messageKb} KB messages, ${s.embedded ? 'embedded PostgreSQL' : 'PostgreSQL'}`,
  );

  // A fresh database (or embedded data directory) and a fresh bridge process per run: peak RSS and table sizes are
  // this run's own.
  let url: string | null = null;
  let dataDir: string | null = null;
  const dbName = `bench_run_${n}`;
  if (s.embedded) {
    dataDir = mkdtempSync(join(tmpdir(), 'tracebridge-bench-embedded-'));
    tempDirs.add(dataDir);
  } else {
    await ctx.admin!.query('CHECKPOINT');
    await ctx.admin!.query(`CREATE DATABASE ${dbName} TEMPLATE bench_template`);
    url = databaseUrl(ctx.pg!.url, dbName);
  }

  const ports = await freePorts();
  // Enough distinct requests for the run at a generous rate (capped by --pool-mb; past it they are built live,
  // which costs the generator ~1 ms per request).
  const floor = s.messageKb <= 2 ? 40_000 : 10_000;
  const expectedRate = s.rate ?? Math.max(floor, 3 * (ctx.best.get(`${s.protocol}:${s.messageKb}`) ?? 0));
  const windowSeconds = s.seconds ?? opts.seconds;
  const runSeconds = opts.warmup + windowSeconds + (s.untilBackpressure ? 20 : 2);
  const poolRequests = Math.ceil((expectedRate * runSeconds) / template.spans) + 4;
  const seqStart = ctx.seqNext;
  const loadgenCfg: LoadgenConfig = {
    protocol: s.protocol,
    clients: s.clients,
    ...(s.rate ? { rate: s.rate } : {}),
    messageKb: s.messageKb,
    spansPerRequest: SPANS_PER_REQUEST,
    httpPort: ports.http,
    grpcPort: ports.grpc,
    // Each run gets its own id nonce: a run's rows never collide with another's.
    ids: newIdScheme(),
    baseShiftNs: (ctx.baseShiftNs + BigInt(seqStart) * 10_000_000n).toString(),
    poolRequests,
    poolMb: opts.poolMb,
    drainSeconds: opts.drainSeconds,
  };
  // The generator builds its pool while the bridge starts.
  const gen = startLoadgen(loadgenCfg);
  children.add(gen.child);
  let bridge: BridgeProcess | null = null;
  let counter: pg.Client | null = null;
  try {
    bridge = await startBridgeProcess({
      build: opts.build,
      databaseUrl: url && opts.unixSocket ? viaUnixSocket(url, ctx.pg!.dir) : url,
      dataDir: dataDir ?? undefined,
      env: { ...opts.bridgeEnv, ...s.env },
      cpuProfDir: s.profileDir,
      ports,
      onSpawn: (child) => children.add(child),
    });
    counter = new pg.Client(
      url
        ? { connectionString: url }
        : {
            connectionString: connectionUrl(readCredentials(dataDir!)!.owner, {
              host: '127.0.0.1',
              port: bridge.pgPort!,
            }),
          },
    );
    // The embedded wire port closes with the bridge: an idle client must not crash the bench then.
    counter.on('error', () => {});
    await counter.connect();
    await counter.query('SET max_parallel_workers_per_gather = 0');
    const ready = await gen.ready;
    ctx.seqNext += ready.poolRequests + 100_000;

    gen.child.send({ type: 'start' });
    await sleep(opts.warmup * 1000);
    if (s.untilBackpressure) {
      const t = Date.now();
      const hit = await Promise.race([
        gen.backpressure.then(() => true),
        sleep(s.untilBackpressure * 1000).then(() => false),
      ]);
      console.log(
        hit
          ? `  backpressure after ${((Date.now() - t) / 1000 + opts.warmup).toFixed(1)} s of load; timing from now`
          : `  no backpressure answer after ${s.untilBackpressure + opts.warmup} s of load; timing anyway`,
      );
    }

    const sample = async () => {
      const t = Date.now();
      gen.child.send({ type: 'mark' });
      const bridgeCpu = cpuSeconds(bridge!.pid);
      const mainThread = threadCpuSeconds(bridge!.pid);
      // The embedded server is the bridge's child process (the postmaster and its backends).
      const pgPid = s.embedded ? childPostmaster(bridge!.pid) : (ctx.pg?.pid() ?? null);
      const pgCpu = pgPid ? treeCpuSeconds(pgPid) : 0;
      const machine = machineCpu();
      const count = await countCommitted(counter!);
      return { t, bridgeCpu, mainThread, pgCpu, machine, count };
    };
    const a = await sample();
    if (ctx.admin) await ctx.admin.query('SELECT pg_stat_statements_reset()');
    await sleep(Math.max(0, windowSeconds * 1000 - (Date.now() - a.t)));
    const b = await sample();
    const statements = ctx.admin ? await topStatements(ctx.admin, dbName) : [];
    gen.child.send({ type: 'stop', window: [a.t, b.t] });
    const lg = await gen.result;
    const finalCount = await countSpans(counter);
    const traceCount = await countCommitted(counter);
    if (traceCount !== finalCount)
      throw new Error(
        `the trace rows count ${traceCount} spans but ${finalCount} are stored: the window's count is wrong`,
      );
    const storage = s.storage ? await measureStorage(counter) : null;
    const peak = peakRssBytes(bridge.pid);
    await counter.end();
    counter = null;
    const wall = (b.t - a.t) / 1000;
    const committed = b.count - a.count;
    const startedSpans = lg.totals.started * template.spans;
    const code = await bridge.stop();
    if (code !== 0) console.warn(`  bridge exited with ${code}:\n${bridge.tail()}`);
    let profile: string | null = null;
    if (s.profileDir) profile = findProfile(s.profileDir);

    const r: RunResult = {
      scenario: s,
      seconds: wall,
      committed,
      spansPerSecond: committed / wall,
      requestsPerSecond: lg.window.requests / wall,
      mbPerSecond: lg.window.bytes / wall / 1e6,
      latencyMs: lg.window.latencyMs,
      offeredSpansPerSecond: s.rate ? (lg.window.offered * template.spans) / wall : null,
      bridgeCpu: (b.bridgeCpu - a.bridgeCpu) / wall,
      bridgeMainThread: (b.mainThread - a.mainThread) / wall,
      pgCpu: ctx.pg || s.embedded ? (b.pgCpu - a.pgCpu) / wall : null,
      loadgenCpu: lg.window.cpuSeconds / wall,
      machineBusy: (b.machine.busy - a.machine.busy) / wall,
      bridgePeakRssMb: peak / 1024 / 1024,
      retryableAnswers: lg.totals.retryableAnswers,
      retries: lg.totals.retries,
      errors: lg.totals.errors,
      startedSpans,
      ackedSpans: lg.totals.ackedSpans,
      finalCount,
      nothingLost: finalCount === startedSpans && lg.totals.lost === 0,
      poolMisses: lg.totals.poolMisses,
      requestBytes: encodingBytes,
      storage,
      profile,
      statements,
    };
    console.log(
      `  ${fmtInt(r.spansPerSecond)} spans/s committed (${fmtInt(committed)} in ${wall.toFixed(1)} s), ` +
        `p50 ${r.latencyMs.p50.toFixed(0)} ms p99 ${r.latencyMs.p99.toFixed(0)} ms, bridge ${r.bridgeCpu.toFixed(2)} cores ` +
        `(main thread ${r.bridgeMainThread.toFixed(2)}) ` +
        `${r.bridgePeakRssMb.toFixed(0)} MB peak, ${r.retryableAnswers} retryable answers, ` +
        `stored ${fmtInt(finalCount)} / started ${fmtInt(startedSpans)} / acked ${fmtInt(r.ackedSpans)}` +
        (r.poolMisses ? `, ${r.poolMisses} requests built live (pool exhausted)` : '') +
        (Object.keys(r.errors).length ? `, answers other than OK: ${JSON.stringify(r.errors)}` : '') +
        (lg.totals.lost ? `, ${lg.totals.lost} requests given up` : ''),
    );
    if (finalCount < r.ackedSpans) {
      throw new Error(`acknowledged ${r.ackedSpans} spans but only ${finalCount} are stored`);
    }
    const key = `${s.protocol}:${s.messageKb}`;
    if (!s.rate && !s.embedded && !s.label.startsWith('profiled'))
      ctx.best.set(key, Math.max(ctx.best.get(key) ?? 0, r.spansPerSecond));
    return r;
  } catch (err) {
    if (bridge) console.error(`  bridge log tail:\n${bridge.tail()}`);
    throw err;
  } finally {
    if (gen.child.exitCode === null) gen.child.kill('SIGKILL');
    await counter?.end().catch(() => {});
    if (bridge) await bridge.stop(10_000).catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (!s.embedded) await ctx.admin!.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

/** The embedded PostgreSQL's postmaster: the bridge's child process named postgres. */
function childPostmaster(bridgePid: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === bridgePid && stat.includes('(postgres)')) return Number(name);
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}
