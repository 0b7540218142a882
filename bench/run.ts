/**
 * The ingest benchmark (issue 6): `npm run bench [-- flags]`.
 *
 * Starts a throwaway PostgreSQL with production durability (bench/pg.ts: fsync and synchronous_commit on), the
 * bridge as its own process (the built CLI by default), and a load generator as a third process
 * (bench/loadgen.ts). For every run it reports committed spans/s measured from Postgres — the spans stored at
 * the start and end of a timed window (countCommitted), not acknowledgements — request latency, MB/s received,
 * the bridge's CPU and peak RSS (/proc), Postgres's and the generator's CPU. In the same invocation it measures
 * the ceiling (COPY of the identical rows into the same schema, bench/copy.ts; before the bridge runs and again
 * after them, and the ratio takes the mean of the two), latency at half the maximum throughput, behaviour at
 * twice it (backpressure answers, retries, nothing lost), the embedded PostgreSQL (against the same run's
 * external one), and bytes on disk per span.
 *
 * Flags:
 *   --protocol http-protobuf|http-json|grpc|all   (list allowed; default all)
 *   --clients 1,4,16          concurrent exporters (closed loop)
 *   --seconds 10 --warmup 3   timed window and the warm-up before it
 *   --message-kb 1,10         chat message size per CHAT_MODEL span; the first size gets the whole matrix, the
 *                             others the first protocol at its best client count
 *   --embedded                only embedded against external PostgreSQL: the matrix at the first size, each
 *                             point run on both, the embedded one with its own settings (store/embedded/)
 *   --no-ceiling --no-half --no-overload --no-embedded --no-sizes   skip parts of the full suite
 *   --no-mlflow               skip the comparison with MLflow's own OTLP endpoint (bench/mlflow.ts: a pinned
 *                             `mlflow server` on the same Postgres, at 4 and 16 clients; its venv takes ~1 min once)
 *   --ceiling-only            only the COPY ceilings (no bridge runs); --variants spans,traces,… picks them
 *   --no-profile              skip the extra run with the bridge under --cpu-prof (summarized by
 *                             bench/profile-summary.ts); the smoke run profiles its first run instead
 *   --bridge dist|tsx         the built CLI (compiled by the bench into bench/.tmp/dist, so nobody's `npm run build`
 *                             changes the code mid-run) or the sources through tsx
 *   --bridge-env KEY=VALUE    extra bridge setting (repeatable), e.g. TRACEBRIDGE_WRITERS=4
 *   --pg-conf name=value      extra PostgreSQL setting (repeatable), e.g. jit=off
 *   --unix-socket             the bridge reaches Postgres over its Unix socket instead of TCP on 127.0.0.1
 *   --ceiling-requests 400 --ceiling-writers 2 --pool-mb 1024 --drain-seconds 120
 *   --out FILE                also write the results as JSON
 *   --quiet-wait 300          before each run wait (up to this many seconds) until the rest of the machine is idle
 *   --retry-noisy 2           repeat a run whose window saw > 0.3 cores of other processes (up to N times)
 *   --smoke                   seconds-long run of every part with a tiny load, for CI; asserts nothing about speed
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../cli/config.js';
import { connectionUrl, readCredentials } from '../store/embedded/credentials.js';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import {
  type BridgeBuild,
  type BridgeProcess,
  buildDist,
  freePorts,
  ROOT,
  sourceDigest,
  startBridgeProcess,
} from './bridge-proc.js';
import { type CeilingResult, measureCeiling, rowFactory } from './copy.js';
import { eachFlag } from './flags.js';
import type { LoadgenConfig, LoadgenResult, Protocol } from './loadgen.js';
import { formatMlflowResult, type MlflowResult, measureMlflow } from './mlflow.js';
import { type BenchPostgres, databaseUrl, startBenchPostgres, viaUnixSocket } from './pg.js';
import {
  cpuSeconds,
  machineCpu,
  machineDescription,
  peakRssBytes,
  threadCpuSeconds,
  treeCpuSeconds,
} from './proc.js';
import { type CpuProfile, findProfile, formatSummary, summarize } from './profile-summary.js';
import { buildTemplate, newIdScheme, SPANS_PER_REQUEST, TEMPLATE_T0, type Template } from './workload.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
const PROTOCOLS: Protocol[] = ['http-protobuf', 'http-json', 'grpc'];

// ---- options ----

interface Options {
  protocols: Protocol[];
  clients: number[];
  seconds: number;
  warmup: number;
  messageKb: number[];
  embeddedOnly: boolean;
  smoke: boolean;
  build: BridgeBuild;
  ceiling: boolean;
  ceilingOnly: boolean;
  mlflow: boolean;
  /** Ceiling variants to measure (keys of CEILING_VARIANTS); null = the default set. */
  variants: string[] | null;
  half: boolean;
  overload: boolean;
  embedded: boolean;
  sizes: boolean;
  profile: boolean;
  ceilingRequests: number;
  ceilingWriters: number;
  poolMb: number;
  drainSeconds: number;
  bridgeEnv: Record<string, string>;
  /** The bridge connects through Postgres's Unix socket (the generator and the counter stay on TCP). */
  unixSocket: boolean;
  pgConf: string[];
  out: string | null;
  /** Before each run, wait up to this long for the rest of the machine to go quiet; repeat noisy runs. */
  quietWait: number;
  retryNoisy: number;
}

function parseArgs(argv: string[]): Options {
  const smoke = argv.includes('--smoke');
  const o: Options = {
    protocols: PROTOCOLS,
    clients: smoke ? [1] : [1, 4, 16],
    seconds: smoke ? 1 : 10,
    warmup: smoke ? 0.5 : 3,
    messageKb: smoke ? [1] : [1, 10],
    embeddedOnly: false,
    smoke,
    build: smoke ? 'tsx' : 'dist',
    ceiling: true,
    ceilingOnly: false,
    mlflow: !smoke,
    variants: null,
    half: true,
    overload: true,
    embedded: true,
    sizes: true,
    profile: !smoke,
    ceilingRequests: smoke ? 16 : 400,
    ceilingWriters: 2,
    poolMb: smoke ? 64 : 1024,
    drainSeconds: smoke ? 30 : 120,
    bridgeEnv: {},
    unixSocket: false,
    pgConf: [],
    out: null,
    quietWait: smoke ? 0 : 300,
    retryNoisy: smoke ? 0 : 2,
  };
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const num = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${flag} needs a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  eachFlag(argv, (flag, value) => {
    switch (flag) {
      case '--smoke':
        break;
      case '--protocol': {
        const v = list(value());
        o.protocols = v.includes('all') ? PROTOCOLS : (v as Protocol[]);
        for (const p of o.protocols) if (!PROTOCOLS.includes(p)) throw new Error(`unknown protocol ${p}`);
        break;
      }
      case '--clients':
        o.clients = list(value()).map((v) => Math.round(num(v, flag)));
        break;
      case '--seconds':
        o.seconds = num(value(), flag);
        break;
      case '--warmup':
        o.warmup = Number(value());
        break;
      case '--message-kb':
        o.messageKb = list(value()).map((v) => num(v, flag));
        break;
      case '--embedded':
        o.embeddedOnly = true;
        break;
      case '--bridge': {
        const v = value();
        if (v !== 'dist' && v !== 'tsx') throw new Error('--bridge is dist or tsx');
        o.build = v;
        break;
      }
      case '--bridge-env': {
        const [k, v] = value().split(/=(.*)/s, 2);
        if (!k || v === undefined) throw new Error('--bridge-env takes KEY=VALUE');
        o.bridgeEnv[k] = v;
        break;
      }
      case '--pg-conf': {
        const v = value();
        if (!/^[a-z_.]+=.+$/.test(v)) throw new Error('--pg-conf takes name=value');
        o.pgConf.push(v);
        break;
      }
      case '--unix-socket':
        o.unixSocket = true;
        break;
      case '--no-ceiling':
        o.ceiling = false;
        break;
      case '--no-mlflow':
        o.mlflow = false;
        break;
      case '--ceiling-only':
        o.ceilingOnly = true;
        o.sizes = o.half = o.overload = o.embedded = o.profile = o.mlflow = false;
        break;
      case '--variants':
        o.variants = list(value());
        break;
      case '--no-half':
        o.half = false;
        break;
      case '--no-overload':
        o.overload = false;
        break;
      case '--no-embedded':
        o.embedded = false;
        break;
      case '--no-sizes':
        o.sizes = false;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--no-profile':
        o.profile = false;
        break;
      case '--ceiling-requests':
        o.ceilingRequests = Math.round(num(value(), flag));
        break;
      case '--ceiling-writers':
        o.ceilingWriters = Math.round(num(value(), flag));
        break;
      case '--pool-mb':
        o.poolMb = num(value(), flag);
        break;
      case '--drain-seconds':
        o.drainSeconds = num(value(), flag);
        break;
      case '--out':
        o.out = value();
        break;
      case '--quiet-wait':
        o.quietWait = Number(value());
        break;
      case '--retry-noisy':
        o.retryNoisy = Math.round(Number(value()));
        break;
      default:
        throw new Error(`unknown flag ${flag} (see the header of bench/run.ts)`);
    }
  });
  return o;
}

// ---- one run ----

/** The half-load run's window is this many times --seconds long (its p99 is a target). */
const HALF_LOAD_WINDOW_FACTOR = 3;

interface Scenario {
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

interface Storage {
  spans: number;
  heapBytes: number;
  toastBytes: number;
  indexBytes: number;
  spansTotalBytes: number;
  tracesTotalBytes: number;
  /** Average on-disk (possibly compressed / TOASTed) size per span of the largest columns. */
  columns: Record<string, number>;
}

interface RunResult {
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

interface Statement {
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
}

interface Context {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function templateFor(ctx: Context, kb: number): Template {
  let t = ctx.templates.get(kb);
  if (!t) {
    t = buildTemplate(kb, SPANS_PER_REQUEST);
    ctx.templates.set(kb, t);
  }
  return t;
}

interface Loadgen {
  child: ChildProcess;
  ready: Promise<{ poolRequests: number; requestBytes: number; prepMs: number }>;
  result: Promise<LoadgenResult>;
  /** Resolves at the first retryable answer. */
  backpressure: Promise<void>;
}

function startLoadgen(cfg: LoadgenConfig): Loadgen {
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

async function countSpans(client: pg.Client): Promise<number> {
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
async function countCommitted(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>('SELECT coalesce(sum(span_count), 0)::text AS n FROM traces');
  return Number(r.rows[0]!.n);
}

async function measureStorage(client: pg.Client): Promise<Storage> {
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
async function otherLoad(ctx: Context, ms: number): Promise<number> {
  const m0 = machineCpu();
  const p0 = ctx.pg ? treeCpuSeconds(ctx.pg.pid()) : 0;
  await sleep(ms);
  const m1 = machineCpu();
  const p1 = ctx.pg ? treeCpuSeconds(ctx.pg.pid()) : 0;
  return Math.max(0, (m1.busy - m0.busy - (p1 - p0)) / (ms / 1000));
}

/** Waits (up to opts.quietWait seconds) until two consecutive seconds see < 0.25 cores of other processes. */
async function waitQuiet(ctx: Context): Promise<void> {
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

const otherCpu = (r: RunResult) => Math.max(0, r.machineBusy - r.bridgeCpu - (r.pgCpu ?? 0) - r.loadgenCpu);

/** runScenario on a quiet machine, repeated (up to opts.retryNoisy times) when something else ran during it. */
async function measure(ctx: Context, s: Scenario): Promise<RunResult> {
  for (let attempt = 0; ; attempt++) {
    await waitQuiet(ctx);
    const r = await runScenario(ctx, s);
    if (otherCpu(r) <= 0.3 || attempt >= ctx.opts.retryNoisy) return r;
    console.log(
      `  other processes used ${otherCpu(r).toFixed(2)} cores during the window: repeating the run`,
    );
  }
}

async function topStatements(admin: pg.Client, dbName: string): Promise<Statement[]> {
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

async function runScenario(ctx: Context, s: Scenario): Promise<RunResult> {
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
    counter = new pg.Client({
      connectionString:
        url ?? connectionUrl(readCredentials(dataDir!)!.owner, { host: '127.0.0.1', port: bridge.pgPort! }),
    });
    // The embedded server stops with the bridge: an idle client must not crash the bench then.
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

// ---- MLflow ----

/** MLflow's committed spans/s next to tracebridge's HTTP-protobuf run at the same client count (same payload). */
function mlflowTable(mlflowRuns: MlflowResult[], runs: RunResult[]): string {
  const rows = mlflowRuns.map((m) => {
    const ours = runs.find(
      (r) =>
        r.scenario.protocol === 'http-protobuf' &&
        r.scenario.clients === m.clients &&
        r.scenario.messageKb === 1 &&
        !r.scenario.rate &&
        !r.scenario.embedded &&
        !r.profile,
    );
    const ratio =
      ours && m.spansPerSecond > 0 ? `${(ours.spansPerSecond / m.spansPerSecond).toFixed(1)} ×` : 'n/a';
    return `| ${m.clients} | ${fmtInt(m.spansPerSecond)} | ${Math.round(m.latencyMs.p50)} / ${Math.round(m.latencyMs.p99)} | ${m.mlflowCpu.toFixed(2)} | ${m.pgCpu?.toFixed(2) ?? 'n/a'} | ${m.otherCpu.toFixed(2)} | ${Math.round(m.mlflowPeakRssMb)} | ${m.nothingLost ? 'yes' : 'NO'} | ${ours ? fmtInt(ours.spansPerSecond) : 'n/a'} | ${ratio} |`;
  });
  return [
    `MLflow ${mlflowRuns[0]!.mlflowVersion} (\`mlflow server\`, ${mlflowRuns[0]!.workers} workers) on the same Postgres, OTLP/HTTP protobuf, header x-mlflow-experiment-id; spans/s from its \`spans\` table.`,
    '',
    '| clients | MLflow spans/s | p50 / p99 ms | MLflow CPU | PG CPU | other CPU | MLflow RSS MB | nothing lost | tracebridge spans/s | tracebridge / MLflow |',
    '|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    ...rows,
  ].join('\n');
}

// ---- ceiling ----

interface CeilingVariant {
  key:
    | 'spans'
    | 'traces'
    | 'traces-after'
    | 'lz4'
    | 'lz4-once'
    | 'lz4-once-t128'
    | 'main-t128'
    | 'inline-t8160'
    | 'external'
    | 'pk-only'
    | 'traces-512';
  label: string;
  withTraces: boolean;
  lz4: boolean;
  contentOnce: boolean;
  /** ALTER TABLE spans SET (toast_tuple_target = …): compress / move out of line from this row size on. */
  toastTupleTarget?: number;
  /** Drop every index of spans but the primary key (what index maintenance costs). */
  pkOnly?: boolean;
  /**
   * SET STORAGE of the large jsonb columns: MAIN compresses in the row and moves out of line only past ~8 kB rows;
   * EXTERNAL moves out of line past ~2 kB rows and never compresses.
   */
  storage?: 'MAIN' | 'EXTERNAL';
  /** Spans per transaction (default 4096, the bridge's batch limit). */
  spansPerBatch?: number;
}

/**
 * spans / traces: the ceiling itself (spans only; spans + their trace rows in the same transaction, which is what
 * the bridge commits). lz4 / lz4-once / lz4-once-t128: what-ifs for the storage work of issue 6, measured the
 * same way — the same rows with lz4 TOAST compression; additionally without the raw content attributes that
 * inputs / outputs already hold; additionally with toast_tuple_target = 128, so Postgres compresses every large
 * value instead of stopping once the row fits in ~2 KB. pk-only: the spans COPY without the secondary indexes.
 * traces-512: the ceiling in transactions of 512 spans (one request's worth) instead of 4096: what batch size
 * costs Postgres. inline-t8160 / external: what lz4 and TOAST cost Postgres's CPU — rows up to ~8 kB kept in
 * the heap as they are (toast_tuple_target = 8160), or large values moved out of line uncompressed.
 * traces-after is not chosen: it is the spans + traces ceiling measured again after the bridge runs (see main).
 */
const CEILING_VARIANTS: CeilingVariant[] = [
  { key: 'spans', label: 'COPY spans', withTraces: false, lz4: false, contentOnce: false },
  { key: 'traces', label: 'COPY spans + traces', withTraces: true, lz4: false, contentOnce: false },
  { key: 'lz4', label: 'what-if: COPY spans, lz4', withTraces: false, lz4: true, contentOnce: false },
  {
    key: 'lz4-once',
    label: 'what-if: COPY spans, lz4, raw content attributes not repeated',
    withTraces: false,
    lz4: true,
    contentOnce: true,
  },
  {
    key: 'lz4-once-t128',
    label: 'what-if: the same + toast_tuple_target = 128',
    withTraces: false,
    lz4: true,
    contentOnce: true,
    toastTupleTarget: 128,
  },
  {
    key: 'main-t128',
    label: 'what-if: COPY spans, large jsonb columns STORAGE MAIN + toast_tuple_target = 128',
    withTraces: false,
    lz4: true,
    contentOnce: false,
    toastTupleTarget: 128,
    storage: 'MAIN',
  },
  {
    key: 'inline-t8160',
    label:
      'what-if: COPY spans + traces, toast_tuple_target = 8160 (rows up to ~8 kB stay in the heap, uncompressed)',
    withTraces: true,
    lz4: false,
    contentOnce: false,
    toastTupleTarget: 8160,
  },
  {
    key: 'external',
    label:
      'what-if: COPY spans + traces, large jsonb columns STORAGE EXTERNAL (out of line, never compressed)',
    withTraces: true,
    lz4: false,
    contentOnce: false,
    storage: 'EXTERNAL',
  },
  {
    key: 'traces-512',
    label: 'COPY spans + traces, 512 spans per transaction',
    withTraces: true,
    lz4: false,
    contentOnce: false,
    spansPerBatch: 512,
  },
  {
    key: 'pk-only',
    label: 'what-if: COPY spans with only the primary key (no secondary indexes)',
    withTraces: false,
    lz4: false,
    contentOnce: false,
    pkOnly: true,
  },
];

const LARGE_JSONB_COLUMNS = [
  'inputs',
  'outputs',
  'input_messages',
  'output_messages',
  'attributes',
  'events',
];

interface Ceiling {
  messageKb: number;
  results: {
    variant: CeilingVariant;
    result: CeilingResult;
    bytesPerSpan: number;
    pgCpu: number;
    otherCpu: number;
  }[];
}

const ceilingOf = (c: Ceiling | undefined, key: CeilingVariant['key']) =>
  c?.results.find((r) => r.variant.key === key)?.result.spansPerSecond ?? 0;

/**
 * The spans + traces ceiling the ratio is taken against: the mean of its measurements before and after the bridge
 * runs when both exist. The same COPY varies by up to ±20 % over minutes on a shared machine; bracketing the
 * bridge runs keeps one lucky or unlucky ceiling from deciding the ratio, and the report shows both.
 */
function ratioCeiling(c: Ceiling | undefined): number {
  const before = ceilingOf(c, 'traces');
  const after = ceilingOf(c, 'traces-after');
  return before && after ? (before + after) / 2 : before;
}

/** The spans + traces ceiling once more, at the end of the bridge runs (ratioCeiling). */
const TRACES_AFTER: CeilingVariant = {
  ...CEILING_VARIANTS.find((v) => v.key === 'traces')!,
  key: 'traces-after',
  label: 'COPY spans + traces, again after the bridge runs',
};

async function runCeiling(ctx: Context, messageKb: number, variants: CeilingVariant[]): Promise<Ceiling> {
  const out: Ceiling = { messageKb, results: [] };
  // A short unrecorded pass first: the first COPY after start-up pays for cold caches and file extension.
  await copyVariant(ctx, messageKb, variants[0]!, Math.min(40, ctx.opts.ceilingRequests), false);
  for (const variant of variants) out.results.push(await measureCopy(ctx, messageKb, variant));
  return out;
}

/** One recorded COPY of `variant`, repeated (up to opts.retryNoisy times) when something else ran during it. */
async function measureCopy(
  ctx: Context,
  messageKb: number,
  variant: CeilingVariant,
): Promise<Ceiling['results'][number]> {
  for (let attempt = 0; ; attempt++) {
    const r = await copyVariant(ctx, messageKb, variant, ctx.opts.ceilingRequests, true);
    if (r.otherCpu <= 0.3 || attempt >= ctx.opts.retryNoisy) return r;
    console.log(`  other processes used ${r.otherCpu.toFixed(2)} cores during the COPY: repeating it`);
  }
}

async function copyVariant(
  ctx: Context,
  messageKb: number,
  variant: CeilingVariant,
  maxRequests: number,
  report: boolean,
): Promise<Ceiling['results'][number]> {
  const { opts } = ctx;
  const template = templateFor(ctx, messageKb);
  const maxAttributeLength = loadConfig([], {}).maxAttributeLength;
  {
    const name = `bench_ceiling_${String(messageKb).replace('.', '_')}_${variant.key.replace(/-/g, '_')}`;
    await waitQuiet(ctx);
    await ctx.admin!.query('CHECKPOINT');
    await ctx.admin!.query(`CREATE DATABASE ${name} TEMPLATE bench_template`);
    const clients: pg.Client[] = [];
    try {
      for (let i = 0; i < opts.ceilingWriters; i++) {
        const c = new pg.Client({ connectionString: databaseUrl(ctx.pg!.url, name) });
        await c.connect();
        if (variant.lz4) await c.query(`SET default_toast_compression = 'lz4'`);
        clients.push(c);
      }
      const c0 = clients[0]!;
      if (variant.toastTupleTarget)
        await c0.query(`ALTER TABLE spans SET (toast_tuple_target = ${variant.toastTupleTarget})`);
      if (variant.storage) {
        for (const col of LARGE_JSONB_COLUMNS)
          await c0.query(`ALTER TABLE spans ALTER COLUMN ${col} SET STORAGE ${variant.storage}`);
      }
      if (variant.pkOnly) {
        const idx = await c0.query<{ name: string }>(
          `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = 'spans'::regclass AND NOT x.indisprimary`,
        );
        for (const { name } of idx.rows) await c0.query(`DROP INDEX ${name}`);
      }
      const exp = await c0.query<{ id: string }>(
        `INSERT INTO experiments (experiment_id, name) VALUES (nextval('experiments_id_seq'), 'bench-agent')
         RETURNING experiment_id::text AS id`,
      );
      const factory = rowFactory({
        template,
        ids: newIdScheme(),
        baseShiftNs: ctx.baseShiftNs,
        experimentId: exp.rows[0]!.id,
        maxAttributeLength,
        contentOnce: variant.contentOnce,
      });
      // Bounded by memory: all COPY data is built before the clock starts.
      const byMemory = Math.floor((1200 * 1024 * 1024) / (factory.spanRowBytes * factory.spansPerRequest));
      const requests = Math.max(1, Math.min(maxRequests, byMemory));
      const perBatch = Math.max(1, Math.floor((variant.spansPerBatch ?? 4096) / factory.spansPerRequest));
      const m0 = machineCpu();
      const p0 = treeCpuSeconds(ctx.pg!.pid());
      const s0 = process.cpuUsage();
      const r = await measureCeiling({
        clients,
        factory,
        requests,
        perBatch,
        withTraces: variant.withTraces,
        seqStart: 0,
      });
      const self = process.cpuUsage(s0);
      const pgCpu = (treeCpuSeconds(ctx.pg!.pid()) - p0) / r.seconds;
      const otherCpu = Math.max(
        0,
        (machineCpu().busy - m0.busy) / r.seconds - pgCpu - (self.user + self.system) / 1e6 / r.seconds,
      );
      const storage = await measureStorage(c0);
      if (storage.spans !== r.spans)
        throw new Error(`ceiling: COPY reported ${r.spans} rows, the table has ${storage.spans}`);
      const bytesPerSpan =
        (storage.spansTotalBytes + (variant.withTraces ? storage.tracesTotalBytes : 0)) / storage.spans;
      console.log(
        `  ${report ? '' : '(warm-up) '}${messageKb} KB ${variant.label}: ${fmtInt(r.spansPerSecond)} spans/s ` +
          `(${fmtInt(r.spans)} rows in ${r.seconds.toFixed(2)} s, ${r.batches} transactions, ${r.writers} connections, ` +
          `${Math.round(factory.spanRowBytes)} B per row in binary COPY, ${fmtInt(bytesPerSpan)} B per span on disk, ` +
          `Postgres ${pgCpu.toFixed(2)} cores, other processes ${otherCpu.toFixed(2)} cores)`,
      );
      return { variant, result: r, bytesPerSpan, pgCpu, otherCpu };
    } finally {
      for (const c of clients) await c.end().catch(() => {});
      await ctx.admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
}

// ---- report ----

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

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

/** Closed-loop runs of the same load on both servers: embedded and external. */
function embeddedPairs(runs: RunResult[]): { label: string; embedded: number; external: number }[] {
  const key = (r: RunResult) => `${r.scenario.protocol} c${r.scenario.clients} ${r.scenario.messageKb} KB`;
  const closed = runs.filter((r) => !r.scenario.rate && !r.scenario.profileDir && !r.scenario.env);
  const out: { label: string; embedded: number; external: number }[] = [];
  for (const e of closed.filter((r) => r.scenario.embedded)) {
    const x = closed.find((r) => !r.scenario.embedded && key(r) === key(e));
    if (x) out.push({ label: key(e), embedded: e.spansPerSecond, external: x.spansPerSecond });
  }
  return out;
}

/** The embedded/external ratio at the load where the external server did best (the figure users compare). */
function embeddedRatio(runs: RunResult[]) {
  const pairs = embeddedPairs(runs).sort((a, b) => b.external - a.external);
  const best = pairs[0];
  return best ? { ...best, ratio: best.embedded / best.external } : null;
}

function embeddedTable(runs: RunResult[]): string {
  return [
    '| load | embedded spans/s | external spans/s | embedded / external |',
    '|---|---|---|---|',
    ...embeddedPairs(runs).map(
      (p) =>
        `| ${p.label} | ${fmtInt(p.embedded)} | ${fmtInt(p.external)} | ${(p.embedded / p.external).toFixed(2)} |`,
    ),
  ].join('\n');
}

function resultsTable(runs: RunResult[]): string {
  const head =
    '| run | protocol | clients | msg | spans/s committed | req/s | p50 ms | p99 ms | MB/s in | bridge CPU (main thread) | PG CPU | loadgen CPU | machine busy | other CPU | bridge peak RSS MB | 429/UNAVAILABLE | nothing lost |';
  const rows = runs.map((r) => {
    const s = r.scenario;
    const clients = s.rate ? `open ${fmtInt(r.offeredSpansPerSecond ?? s.rate)}/s` : String(s.clients);
    return (
      `| ${s.label} | ${s.protocol}${s.embedded ? ' (embedded)' : ''} | ${clients} | ${s.messageKb} KB | ` +
      `${fmtInt(r.spansPerSecond)} | ${r.requestsPerSecond.toFixed(1)} | ${r.latencyMs.p50.toFixed(0)} | ` +
      `${r.latencyMs.p99.toFixed(0)} | ${r.mbPerSecond.toFixed(1)} | ${r.bridgeCpu.toFixed(2)} (${r.bridgeMainThread.toFixed(2)}) | ` +
      `${r.pgCpu === null ? 'n/a' : r.pgCpu.toFixed(2)} | ${r.loadgenCpu.toFixed(2)} | ${r.machineBusy.toFixed(2)} | ` +
      `${otherCpu(r).toFixed(2)} | ` +
      `${r.bridgePeakRssMb.toFixed(0)} | ${fmtInt(r.retryableAnswers)} | ${r.nothingLost ? 'yes' : `NO (${fmtInt(r.finalCount)} of ${fmtInt(r.startedSpans)})`} |`
    );
  });
  return [head, `|${'---|'.repeat(17)}`, ...rows].join('\n');
}

function storageTable(runs: RunResult[], ctx: Context): string {
  const rows = runs
    .filter((r) => r.storage && r.storage.spans > 0)
    .map((r) => {
      const st = r.storage!;
      const t = templateFor(ctx, r.scenario.messageKb);
      const otlp = t.protobuf.length / t.spans;
      const total = (st.spansTotalBytes + st.tracesTotalBytes) / st.spans;
      return (
        `| ${r.scenario.label}${r.scenario.embedded ? ' (embedded)' : ''} | ${fmtInt(st.spans)} | ${fmtInt(st.heapBytes / st.spans)} | ` +
        `${fmtInt(st.toastBytes / st.spans)} | ${fmtInt(st.indexBytes / st.spans)} | ${fmtInt(st.tracesTotalBytes / st.spans)} | ` +
        `${fmtInt(total)} | ${fmtInt(otlp)} | ${(total / otlp).toFixed(2)}× |`
      );
    });
  const cols = runs
    .filter((r) => r.storage && r.storage.spans > 0)
    .map(
      (r) =>
        `| ${r.scenario.label} | ${Object.values(r.storage!.columns)
          .map((v) => fmtInt(v))
          .join(' | ')} |`,
    );
  const colNames = Object.keys(runs.find((r) => r.storage)?.storage?.columns ?? {});
  return [
    '| run | spans | heap B/span | TOAST B/span | indexes B/span | traces B/span | total B/span | OTLP protobuf B/span | disk / OTLP |',
    `|${'---|'.repeat(9)}`,
    ...rows,
    '',
    `Average stored size per span of the large columns (pg_column_size, bytes, after compression / TOAST):`,
    '',
    `| run | ${colNames.join(' | ')} |`,
    `|${'---|'.repeat(colNames.length + 1)}`,
    ...cols,
  ].join('\n');
}

function statementsTable(r: RunResult): string {
  const total = r.statements.reduce((a, x) => a + x.totalMs, 0);
  return [
    `Run "${r.scenario.label}": Postgres execution time per statement in the ${r.seconds.toFixed(1)} s window ` +
      `(pg_stat_statements; COMMIT includes waiting for the WAL flush):`,
    '',
    '| statement | calls | ms total | ms per call | share | rows |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.statements.map(
      (x) =>
        `| \`${x.query.length > 90 ? `${x.query.slice(0, 90)}…` : x.query}\` | ${fmtInt(x.calls)} | ${fmtInt(x.totalMs)} | ` +
        `${(x.totalMs / Math.max(1, x.calls)).toFixed(1)} | ${((100 * x.totalMs) / (total || 1)).toFixed(0)}% | ${fmtInt(x.rows)} |`,
    ),
  ].join('\n');
}

function ceilingTable(ceilings: Ceiling[], runs: RunResult[]): string {
  const lines = [
    '| msg | variant | spans/s | PG CPU | other CPU | B/span on disk | bridge best (HTTP protobuf) / this |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const c of ceilings) {
    const best = Math.max(
      0,
      ...runs
        .filter(
          (r) =>
            !r.scenario.rate &&
            !r.scenario.embedded &&
            r.scenario.messageKb === c.messageKb &&
            r.scenario.protocol === 'http-protobuf' &&
            !r.scenario.label.startsWith('profiled'),
        )
        .map((r) => r.spansPerSecond),
    );
    for (const { variant, result, bytesPerSpan, pgCpu, otherCpu } of c.results) {
      lines.push(
        `| ${c.messageKb} KB | ${variant.label} | ${fmtInt(result.spansPerSecond)} | ${pgCpu.toFixed(2)} | ` +
          `${otherCpu.toFixed(2)} | ${fmtInt(bytesPerSpan)} | ` +
          `${best ? `${(best / result.spansPerSecond).toFixed(2)} (${fmtInt(best)} spans/s)` : 'n/a'} |`,
      );
    }
  }
  return lines.join('\n');
}

/** What the ratio was taken against: the ceiling(s), and the spans-only figure for comparison. */
function ceilingText(c: Ceiling): string {
  const after = ceilingOf(c, 'traces-after');
  const spans = ceilingOf(c, 'spans');
  const against = after
    ? `the mean of ${fmtInt(ceilingOf(c, 'traces'))} before and ${fmtInt(after)} after the bridge runs`
    : fmtInt(ceilingOf(c, 'traces'));
  return `(ceiling: ${against} spans/s${spans ? `; spans-only COPY: ${fmtInt(spans)} spans/s` : ''})`;
}

function targetsTable(ctx: Context, runs: RunResult[], ceilings: Ceiling[]): string {
  const kb = ctx.opts.messageKb[0]!;
  const closed = (p: Protocol) =>
    Math.max(
      0,
      ...runs
        .filter(
          (r) =>
            r.scenario.protocol === p &&
            !r.scenario.rate &&
            !r.scenario.embedded &&
            r.scenario.messageKb === kb &&
            !r.scenario.label.startsWith('profiled'),
        )
        .map((r) => r.spansPerSecond),
    );
  const pb = closed('http-protobuf');
  const json = closed('http-json');
  const grpc = closed('grpc');
  const ceiling = ceilings.find((c) => c.messageKb === kb);
  const half = runs.find((r) => r.scenario.label === 'half load');
  const over = runs.find((r) => r.scenario.label === '2× overload');
  const embedded = embeddedRatio(runs);
  const storage = runs.find((r) => r.storage && r.scenario.messageKb === kb && !r.scenario.embedded)?.storage;
  const t = templateFor(ctx, kb);
  const perSpan = storage ? (storage.spansTotalBytes + storage.tracesTotalBytes) / storage.spans : 0;
  const ratio = perSpan / (t.protobuf.length / t.spans);
  const row = (target: string, measured: string, ok: boolean | null) =>
    `| ${target} | ${measured} | ${ok === null ? 'not measured' : ok ? 'met' : 'NOT met'} |`;
  return [
    `| target (${kb} KB messages) | measured | |`,
    '|---|---|---|',
    row(
      '≥ 25,000 spans/s over HTTP protobuf',
      pb ? `${fmtInt(pb)} spans/s` : 'n/a',
      pb ? pb >= 25_000 : null,
    ),
    row(
      '≥ 0.6 × COPY ceiling (spans + traces)',
      pb && ceiling ? `${(pb / ratioCeiling(ceiling)).toFixed(2)} × ${ceilingText(ceiling)}` : 'n/a',
      pb && ceiling ? pb / ratioCeiling(ceiling) >= 0.6 : null,
    ),
    row(
      'gRPC within 20 % of HTTP protobuf',
      pb && grpc ? `${(grpc / pb).toFixed(2)} ×` : 'n/a',
      pb && grpc ? grpc / pb >= 0.8 : null,
    ),
    row(
      'JSON within 40 % of HTTP protobuf',
      pb && json ? `${(json / pb).toFixed(2)} ×` : 'n/a',
      pb && json ? json / pb >= 0.6 : null,
    ),
    row(
      'p99 ≤ 100 ms per 512-span request at half max throughput',
      half
        ? `p99 ${half.latencyMs.p99.toFixed(0)} ms (p50 ${half.latencyMs.p50.toFixed(0)} ms) at ${fmtInt(half.offeredSpansPerSecond ?? 0)} spans/s offered`
        : 'n/a',
      half ? half.latencyMs.p99 <= 100 : null,
    ),
    row(
      'peak RSS ≤ 300 MB at 2× load, backpressure, nothing lost',
      over
        ? `${over.bridgePeakRssMb.toFixed(0)} MB, ${fmtInt(over.retryableAnswers)} retryable answers, ${over.nothingLost ? 'nothing lost' : 'SPANS LOST'}`
        : 'n/a',
      over ? over.bridgePeakRssMb <= 300 && over.nothingLost && over.retryableAnswers > 0 : null,
    ),
    row(
      'embedded ≥ 0.9 × external PostgreSQL (same run, same load)',
      embedded
        ? `${embedded.ratio.toFixed(2)} × (${fmtInt(embedded.embedded)} vs ${fmtInt(embedded.external)} spans/s, ${embedded.label})`
        : 'n/a',
      embedded ? embedded.ratio >= 0.9 : null,
    ),
    row(
      'bytes on disk per span ≤ 2 × OTLP protobuf',
      storage
        ? `${fmtInt(perSpan)} B vs ${fmtInt(t.protobuf.length / t.spans)} B = ${ratio.toFixed(2)} ×`
        : 'n/a',
      storage ? ratio <= 2 : null,
    ),
  ].join('\n');
}

function profileDirectory(tmpRoot: string): string {
  mkdirSync(tmpRoot, { recursive: true });
  return mkdtempSync(join(tmpRoot, 'profile-'));
}

function profileReport(file: string, top: number): string {
  return `${file}\n\n${formatSummary(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top))}`;
}

/** The runs whose statement times are printed: the fastest closed-loop run on Postgres, and the overload run. */
function statementRuns(runs: RunResult[]): RunResult[] {
  const closed = runs.filter((r) => !r.scenario.rate && !r.scenario.embedded && r.statements.length);
  const best = closed.reduce<RunResult | null>(
    (a, b) => (!a || b.spansPerSecond > a.spansPerSecond ? b : a),
    null,
  );
  return best ? [best] : [];
}

// ---- main ----

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const machine = machineDescription();
  console.log(
    `tracebridge bench: ${machine.cpus} CPUs (${machine.model}), ${machine.memoryGiB.toFixed(1)} GiB RAM, node ${process.version}` +
      `${opts.smoke ? ' — SMOKE run (tiny load, figures meaningless)' : ''}`,
  );

  // The digest names the code measured: other work may change the tree between two bench runs.
  const digest = sourceDigest();
  if (opts.build === 'dist') {
    const err = buildDist();
    if (err) {
      console.warn(
        `bench: building the bridge failed, running it through tsx instead:\n${err.slice(0, 2000)}`,
      );
      opts.build = 'tsx';
    }
  }
  console.log(
    `bridge: ${opts.build === 'dist' ? 'node bench/.tmp/dist/bin/tracebridge.js (built by the bench)' : 'node --import tsx bin/tracebridge.ts'}, ` +
      `sources ${digest}`,
  );

  const ctx: Context = {
    opts,
    pg: null,
    admin: null,
    templates: new Map(),
    // Timestamps start near "now" (as if the traces were live) and advance 10 ms per request.
    baseShiftNs: BigInt(Date.now()) * 1_000_000n - TEMPLATE_T0,
    seqNext: 0,
    best: new Map(),
    runNo: 0,
  };
  for (const kb of opts.messageKb) {
    const t = templateFor(ctx, kb);
    console.log(
      `workload ${kb} KB: ${t.spans} spans (${t.traces} traces) per request; protobuf ${fmtInt(t.protobuf.length)} B ` +
        `(${fmtInt(t.protobuf.length / t.spans)} B/span), JSON ${fmtInt(t.json.length)} B`,
    );
  }

  const runs: RunResult[] = [];
  const ceilings: Ceiling[] = [];
  const mlflowRuns: MlflowResult[] = [];
  let profileText: string | null = null;
  // Profiles of full runs are kept in bench/.tmp (git-ignored) for flame graphs; the smoke run's are thrown away.
  const tmpRoot = opts.smoke
    ? mkdtempSync(join(tmpdir(), 'tracebridge-bench-'))
    : join(ROOT, 'bench', '.tmp');
  if (opts.smoke) tempDirs.add(tmpRoot);
  try {
    {
      // Also for --embedded: its figure is compared with the external server's in the same run.
      ctx.pg = await startBenchPostgres(opts.pgConf);
      interrupted.pg = ctx.pg;
      console.log(`postgres: ${ctx.pg.url} (${ctx.pg.settings.join(', ')})`);
      ctx.admin = new pg.Client({ connectionString: ctx.pg.url });
      await ctx.admin.connect();
      const version = await ctx.admin.query<{ server_version: string }>('SHOW server_version');
      console.log(`postgres version ${version.rows[0]!.server_version}`);
      await ctx.admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await ctx.admin.query('CREATE DATABASE bench_template');
      const db = connectPostgres({ connectionString: databaseUrl(ctx.pg.url, 'bench_template'), max: 1 });
      await migrate(db);
      await db.close();
    }
    const kb0 = opts.messageKb[0]!;

    if (opts.embeddedOnly) {
      for (const protocol of opts.protocols)
        for (const clients of opts.clients)
          for (const embedded of [false, true])
            runs.push(
              await measure(ctx, {
                label: `${embedded ? 'embedded' : 'external'} ${protocol} c${clients}`,
                protocol,
                clients,
                messageKb: kb0,
                embedded,
                storage: true,
              }),
            );
    } else {
      if (opts.ceiling) {
        console.log('\nceiling: COPY of the identical rows into a fresh database with the same schema');
        // Whether the schema already compresses the large spans columns with lz4 (then that what-if is moot).
        const tpl = new pg.Client({ connectionString: databaseUrl(ctx.pg!.url, 'bench_template') });
        await tpl.connect();
        const comp = await tpl.query<{ lz4: string; pglz: string }>(
          `SELECT count(*) FILTER (WHERE attcompression = 'l')::text AS lz4,
                  count(*) FILTER (WHERE attcompression <> 'l' AND attstorage IN ('x', 'e'))::text AS pglz
           FROM pg_attribute WHERE attrelid = 'spans'::regclass AND attnum > 0 AND NOT attisdropped`,
        );
        await tpl.end();
        const schemaLz4 = Number(comp.rows[0]!.lz4) > 0;
        console.log(
          `  spans columns compressed with lz4 by the schema: ${comp.rows[0]!.lz4}; with the server default (pglz): ${comp.rows[0]!.pglz}`,
        );
        for (const kb of opts.sizes ? opts.messageKb : [kb0]) {
          // The what-ifs at the first size only (they answer a storage question, not a scaling one).
          const variants = opts.variants
            ? CEILING_VARIANTS.filter((v) => opts.variants!.includes(v.key))
            : (kb === kb0 && !opts.smoke ? CEILING_VARIANTS : CEILING_VARIANTS.slice(0, 2)).filter(
                (v) => !(schemaLz4 && v.key === 'lz4'),
              );
          ceilings.push(await runCeiling(ctx, kb, variants));
        }
      }
      for (const protocol of opts.ceilingOnly ? [] : opts.protocols)
        for (const clients of opts.clients) {
          // Smoke: the first run is also the profiled one (exercises --cpu-prof and the summary without a run more).
          const profileDir = opts.smoke && runs.length === 0 ? profileDirectory(tmpRoot) : undefined;
          const r = await measure(ctx, {
            label: `${protocol} c${clients}`,
            protocol,
            clients,
            messageKb: kb0,
            embedded: false,
            storage: true,
            ...(profileDir ? { profileDir } : {}),
          });
          runs.push(r);
          if (r.profile) profileText = profileReport(r.profile, 8);
        }
      const first = ceilings.find((c) => c.messageKb === kb0);
      if (first && runs.length > 0 && first.results.some((r) => r.variant.key === 'traces')) {
        console.log('\nceiling again, after the bridge runs (the ratio takes the mean of both)');
        first.results.push(await measureCopy(ctx, kb0, TRACES_AFTER));
      }
      const main = opts.protocols[0]!;
      const mainRuns = runs.filter((r) => r.scenario.protocol === main && r.scenario.messageKb === kb0);
      const best = mainRuns.reduce((a, b) => (b.spansPerSecond > a.spansPerSecond ? b : a), mainRuns[0]!);
      const bestClients = best?.scenario.clients ?? 1;
      const max = best?.spansPerSecond ?? 0;
      if (opts.sizes) {
        for (const kb of opts.messageKb.slice(1))
          runs.push(
            await measure(ctx, {
              label: `${main} c${bestClients} ${kb}KB`,
              protocol: main,
              clients: bestClients,
              messageKb: kb,
              embedded: false,
              storage: true,
            }),
          );
      }
      // The smoke's rates are fixed: a cold first run (tsx compiling, profiled) may commit nothing in its 1 s window.
      const rated = opts.smoke || max > 0;
      if (opts.half && rated)
        runs.push(
          await measure(ctx, {
            label: 'half load',
            protocol: main,
            clients: 64,
            rate: opts.smoke ? 3000 : max / 2,
            messageKb: kb0,
            embedded: false,
            // A p99 needs samples: ~16 requests/s for 10 s would make it the second-slowest of ~160.
            seconds: opts.seconds * HALF_LOAD_WINDOW_FACTOR,
          }),
        );
      if (opts.overload && rated)
        runs.push(
          await measure(ctx, {
            label: '2× overload',
            protocol: main,
            clients: 256,
            rate: opts.smoke ? 8000 : max * 2,
            messageKb: kb0,
            embedded: false,
            // The point is the bridge at its admission limit: time the window from the first 429.
            untilBackpressure: opts.smoke ? 10 : 90,
            // Smoke: a tiny admission limit so the backpressure path runs even at a tiny load.
            ...(opts.smoke ? { env: { TRACEBRIDGE_MAX_PENDING_BYTES: String(4 * 1024 * 1024) } } : {}),
          }),
        );
      if (opts.embedded)
        runs.push(
          await measure(ctx, {
            label: 'embedded',
            protocol: 'http-protobuf',
            clients: Math.min(4, Math.max(...opts.clients)),
            messageKb: kb0,
            embedded: true,
            storage: true,
          }),
        );
      if (opts.profile) {
        const dir = profileDirectory(tmpRoot);
        const r = await measure(ctx, {
          label: `profiled ${main} c${bestClients}`,
          protocol: main,
          clients: bestClients,
          messageKb: kb0,
          embedded: false,
          profileDir: dir,
        });
        runs.push(r);
        if (r.profile) profileText = profileReport(r.profile, 25);
      }
      if (opts.mlflow) {
        for (const clients of [4, 16]) {
          console.log(`\n[mlflow] the same 1 KB requests to MLflow's OTLP endpoint, ${clients} clients`);
          const m = await measureMlflow({
            pgUrl: ctx.pg!.url,
            pgPid: ctx.pg!.pid(),
            clients,
            seconds: opts.seconds,
            warmup: opts.warmup,
            messageKb: 1,
            quietWait: opts.quietWait,
            baseShiftNs: ctx.baseShiftNs,
          });
          console.log(`  ${formatMlflowResult(m)}`);
          mlflowRuns.push(m);
        }
      }
    }
  } finally {
    await ctx.admin?.end().catch(() => {});
    ctx.pg?.destroy();
    interrupted.pg = null;
    if (opts.smoke) rmSync(tmpRoot, { recursive: true, force: true });
  }

  // ---- the report ----
  const kb0 = opts.messageKb[0]!;
  const report = [
    '',
    '## tracebridge bench results',
    '',
    `machine: ${machine.cpus} CPUs (${machine.model}), ${machine.memoryGiB.toFixed(1)} GiB; node ${process.version}; ` +
      `bridge ${opts.build} (sources ${digest}); window ${opts.seconds} s after ${opts.warmup} s warm-up; 512 spans per request` +
      (opts.smoke ? '; SMOKE RUN — the figures mean nothing' : ''),
    '',
    'spans/s committed = spans stored in Postgres at the end minus at the start of the window (the sum of the trace ' +
      "rows' span_count, which equals count(*) of spans: checked after each run); CPU in cores " +
      '(1.00 = one core busy; "other" = the rest of the machine: anything above ~0.1 means something else was running); ' +
      'latency per request, successful attempts in the window.',
    '',
    resultsTable(runs),
    '',
    ...(ceilings.length
      ? ['### Ceiling: COPY of the identical rows', '', ceilingTable(ceilings, runs), '']
      : []),
    ...statementRuns(runs).flatMap((r) => ['### Where Postgres spends its time', '', statementsTable(r), '']),
    ...(runs.some((r) => r.storage) ? ['### Bytes on disk per span', '', storageTable(runs, ctx), ''] : []),
    ...(mlflowRuns.length ? ['### MLflow comparison', '', mlflowTable(mlflowRuns, runs), ''] : []),
    ...(embeddedPairs(runs).length
      ? ['### Embedded against external PostgreSQL', '', embeddedTable(runs), '']
      : []),
    ...(!opts.embeddedOnly ? ['### Targets (issue 6)', '', targetsTable(ctx, runs, ceilings), ''] : []),
    ...(profileText ? ['### Profile of the bridge (--cpu-prof)', '', profileText, ''] : []),
    `total bench time ${((Date.now() - started) / 1000).toFixed(0)} s (message sizes: ${opts.messageKb.join(', ')} KB; first: ${kb0} KB)`,
  ].join('\n');
  console.log(report);
  if (opts.out) {
    writeFileSync(
      opts.out,
      JSON.stringify(
        { machine, options: opts, runs, ceilings },
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      ),
    );
  }
}

// However the bench ends (done, failed, crashed, Ctrl-C, a test's timeout), the processes it started and its
// Postgres must not outlive it. Everything here is synchronous, so it also runs from the 'exit' event.
const children = new Set<ChildProcess>();
const interrupted: { pg: BenchPostgres | null } = { pg: null };
const tempDirs = new Set<string>();
function cleanUp(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  interrupted.pg?.destroy();
  interrupted.pg = null;
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping`);
    process.exit(130);
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
