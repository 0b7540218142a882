/**
 * The read-side benchmark (issue 18): `npm run bench:read [-- flags]`.
 *
 * 1. Ingest cost of the read-side indexes (migrations 008 and 011): bench/read-ingest.ts — pairs of short runs of
 *    the same closed-loop load into a fresh database with and without the indexes, per pair the ratio of spans/s
 *    and of the CPU per committed span of Postgres and of the bridge (the control: its work is the same either
 *    way), and the median, range and geometric mean with its 95 % interval of the ratios.
 * 2. Read latency: loads `--traces` traces through the bridge (6 spans each, bench/workload.ts: real OTLP/HTTP
 *    exports from bench/loadgen.ts into a `tracebridge serve` process), marks a word in one trace in a thousand
 *    (the workload's vocabulary is small: every other word is in most traces), VACUUM ANALYZEs, and times each list
 *    filter of `GET /api/v1/traces`, the runs and sessions lists and opening a trace through the bridge's HTTP API
 *    (the real server: query validation, SQL, JSON) — the median and the slowest of `--repeat` calls after one
 *    warm-up call.
 *
 * Flags: --traces 1000000  --load-minutes 120 (the load stops there even if short)  --clients 4  --message-kb 1
 *        --repeat 5  --ingest-pairs 8  --ingest-seconds 10  --no-ingest (skip 1)  --no-read (skip 2)  --out FILE
 *        --ingest-base N   each ingest run starts from a copy of a database holding N trace rows (default 0)
 *        --synthetic       fill the traces table by SQL instead of through the bridge (bench/read-synthetic.ts)
 *        --data-dir DIR    the benchmark's Postgres cluster in DIR (DIR/data) instead of a temporary directory
 *        --keep            leave DIR in place (with the loaded database `bench_read_latency` and DIR/load.json)
 *        --reuse DIR       start the cluster kept in DIR, apply new migrations (the project's migrate), skip the
 *                          load and time the reads on the database already there (implies --keep)
 *        --url URL         time the reads on the loaded database at URL on a server already running (another
 *                          session's --reuse cluster): no cluster is started and nothing is loaded or migrated by
 *                          the bench (the bridge it starts applies migrations the database lacks: none when the
 *                          tree's are all there); needs --no-ingest
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { buildDist, freePorts, ROOT, startBridgeProcess } from './bridge-proc.js';
import { databaseUrl, startBenchPostgres } from './pg.js';
import { measureIngestCost } from './read-ingest.js';
import {
  children,
  committedSpans,
  freshDatabase,
  loadgenConfig,
  sleep,
  startLoadgen,
  track,
} from './read-load.js';
import { fillSynthetic } from './read-synthetic.js';

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    traces: { type: 'string', default: '1000000' },
    'load-minutes': { type: 'string', default: '120' },
    'ingest-seconds': { type: 'string', default: '10' },
    'ingest-pairs': { type: 'string', default: '8' },
    'ingest-base': { type: 'string', default: '0' },
    clients: { type: 'string', default: '4' },
    'message-kb': { type: 'string', default: '1' },
    repeat: { type: 'string', default: '5' },
    'no-ingest': { type: 'boolean', default: false },
    'no-read': { type: 'boolean', default: false },
    synthetic: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    url: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});
const opts = {
  traces: Number(flags.traces),
  loadMinutes: Number(flags['load-minutes']),
  ingestSeconds: Number(flags['ingest-seconds']),
  ingestPairs: Number(flags['ingest-pairs']),
  ingestBase: Number(flags['ingest-base']),
  clients: Number(flags.clients),
  messageKb: Number(flags['message-kb']),
  repeat: Number(flags.repeat),
  ingest: !flags['no-ingest'],
  read: !flags['no-read'],
  synthetic: flags.synthetic,
  dataDir: flags.reuse ? resolve(flags.reuse) : flags['data-dir'] ? resolve(flags['data-dir']) : null,
  keep: flags.keep || Boolean(flags.reuse),
  reuse: Boolean(flags.reuse),
  url: flags.url ?? null,
  out: flags.out ?? null,
};
if (flags.reuse && flags['data-dir']) throw new Error('--reuse DIR names the directory: drop --data-dir');
if (opts.url && (opts.ingest || opts.dataDir || opts.synthetic))
  throw new Error(
    '--url times reads on a database already loaded: add --no-ingest, drop --data-dir/--reuse/--synthetic',
  );
if (opts.reuse && !existsSync(join(opts.dataDir!, 'data', 'PG_VERSION')))
  throw new Error(`--reuse ${opts.dataDir}: no kept cluster there (DIR/data)`);
if (!opts.reuse && opts.dataDir && existsSync(join(opts.dataDir, 'data')))
  throw new Error(
    `--data-dir ${opts.dataDir} already holds a cluster: --reuse it, or remove it to load again`,
  );

const LATENCY_DB = 'bench_read_latency';
const loadFile = () => (opts.dataDir ? join(opts.dataDir, 'load.json') : null);

interface Timing {
  label: string;
  query: string;
  rows: number;
  medianMs: number;
  maxMs: number;
}

async function timeQuery(port: number, label: string, query: string): Promise<Timing> {
  // A query starting with "/" is a whole path (the runs and sessions lists, one trace), else the trace list's.
  const url = `http://127.0.0.1:${port}${query.startsWith('/') ? query : `/api/v1/traces?${query}`}`;
  const once = async () => {
    const t = performance.now();
    const res = await fetch(url);
    const body = (await res.json()) as { items?: unknown[]; spans?: unknown[]; traces?: unknown[] };
    // A failed call (a statement timeout: 503) is reported with its time, not hidden.
    if (res.status !== 200) console.log(`${query}: ${res.status} ${JSON.stringify(body)}`);
    return {
      ms: performance.now() - t,
      // Rows: a list's items, a trace's spans, a run's or session's traces; one span's content is 1.
      rows: res.status === 200 ? (body.items ?? body.spans ?? body.traces ?? [body]).length : -res.status,
    };
  };
  await once();
  const runs: number[] = [];
  let rows = 0;
  for (let i = 0; i < opts.repeat; i++) {
    const r = await once();
    runs.push(r.ms);
    rows = r.rows;
  }
  runs.sort((a, b) => a - b);
  console.log(`${label}: ${rows} rows, median ${runs[Math.floor(runs.length / 2)]!.toFixed(1)} ms`);
  return { label, query, rows, medianMs: runs[Math.floor(runs.length / 2)]!, maxMs: runs[runs.length - 1]! };
}

interface LoadFigures {
  traces: number;
  spans: number;
  seconds: number;
  spansPerSecond: number;
  /** The load generator's totals: requests acknowledged / lost, retryable answers (backpressure). */
  acked: number;
  lost: number;
  retryableAnswers: number;
  /** 1-minute load averages sampled during the load (min, median, max). */
  loadAverage: [number, number, number];
  stoppedBy: 'target' | 'time limit';
}

/** Spans inserted so far, from the statistics counters: cheap at any size (a sum over a million rows is not). */
async function insertedSpans(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>(
    `SELECT coalesce(sum(n_tup_ins), 0)::text AS n FROM pg_stat_user_tables WHERE relname = 'spans'`,
  );
  return Number(r.rows[0]!.n);
}

/**
 * Loads `opts.traces` traces through the bridge (the workload's agent traces, 6 spans each), bounded by
 * `--load-minutes`: it stops there with whatever was committed, and says so.
 */
async function loadThroughBridge(
  client: pg.Client,
  ports: { http: number; grpc: number },
): Promise<LoadFigures> {
  const gen = startLoadgen(loadgenConfig(opts, ports, 400));
  await gen.ready;
  gen.child.send({ type: 'start' });
  const t0 = Date.now();
  const target = opts.traces * 6;
  const deadline = t0 + opts.loadMinutes * 60_000;
  const loads: number[] = [];
  let stoppedBy: LoadFigures['stoppedBy'] = 'target';
  let last = { t: t0, spans: 0 };
  for (;;) {
    await sleep(15_000);
    const spans = await insertedSpans(client);
    const now = Date.now();
    loads.push(loadavg()[0]!);
    console.log(
      `${new Date(now).toISOString().slice(11, 19)} loaded ${spans} spans (${Math.round(spans / 6)} traces), ` +
        `${Math.round(((spans - last.spans) * 1000) / (now - last.t))} spans/s now, ` +
        `${Math.round((spans * 1000) / (now - t0))} overall, load ${loadavg()[0]!.toFixed(1)}`,
    );
    last = { t: now, spans };
    if (spans >= target) break;
    if (now > deadline) {
      stoppedBy = 'time limit';
      break;
    }
  }
  gen.child.send({ type: 'stop', window: [Date.now() - 1000, Date.now()] });
  const result = await gen.result;
  const seconds = (Date.now() - t0) / 1000;
  const spans = await committedSpans(client);
  const traces = Number(
    (await client.query<{ n: string }>('SELECT count(*)::text AS n FROM traces')).rows[0]!.n,
  );
  // A rare word: in one trace of a thousand (the workload's vocabulary puts every other word in most traces).
  await client.query(
    `UPDATE traces SET search_text = search_text || ' xylophone', search_vector = search_vector || 'xylophone'
     WHERE trace_id IN (SELECT trace_id FROM traces ORDER BY start_time DESC OFFSET 500 LIMIT $1)`,
    [Math.max(1, Math.floor(traces / 1000))],
  );
  loads.sort((a, b) => a - b);
  return {
    traces,
    spans,
    seconds,
    spansPerSecond: spans / seconds,
    acked: result.totals.acked,
    lost: result.totals.lost,
    retryableAnswers: result.totals.retryableAnswers,
    loadAverage: [loads[0] ?? 0, loads[Math.floor(loads.length / 2)] ?? 0, loads[loads.length - 1] ?? 0],
    stoppedBy,
  };
}

/** The commit the bench ran from (the bridge it measures is built from the working tree). */
function sourcesCommit(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** --reuse: the kept database, brought to the current schema by the project's migrate (what `tracebridge migrate` runs). */
async function migrateKept(url: string): Promise<void> {
  const db = connectPostgres({ connectionString: url, max: 1 });
  try {
    const applied = await migrate(db);
    console.log(
      applied.length ? `applied migrations: ${applied.join(', ')}` : 'kept database: schema current',
    );
    if (applied.length) await db.query('ANALYZE traces');
  } finally {
    await db.close();
  }
}

/** Taken before the build: the tree the measured bridge was built from (it may be committed to during a long load). */
const SOURCES = sourcesCommit();

async function readRun(admin: pg.Client | null, server: string) {
  let load: unknown = null;
  const url = opts.url ?? databaseUrl(server, LATENCY_DB);
  if (opts.url) console.log('running server: nothing loaded or migrated by the bench');
  else if (opts.reuse) {
    await migrateKept(url);
    const file = loadFile()!;
    if (existsSync(file)) load = JSON.parse(readFileSync(file, 'utf8'));
    console.log(`kept load: ${JSON.stringify(load)}`);
  } else await freshDatabase(admin!, server, LATENCY_DB, true);
  const ports = await freePorts();
  const bridge = await startBridgeProcess({ build: 'dist', databaseUrl: url, ports, onSpawn: track });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (!opts.reuse && !opts.url) {
      const t0 = Date.now();
      if (opts.synthetic) await fillSynthetic(client, opts.traces);
      load = opts.synthetic
        ? { synthetic: true, traces: opts.traces, seconds: (Date.now() - t0) / 1000 }
        : await loadThroughBridge(client, ports);
      console.log(`\nload: ${JSON.stringify(load)}`);
      await client.query('VACUUM ANALYZE traces');
      const file = loadFile();
      const record = { ...(load as object), sources: SOURCES, at: new Date().toISOString() };
      if (file) writeFileSync(file, JSON.stringify(record, null, 2));
    }
    const stats = await client.query<{ traces: string; spans: string; size: string }>(
      `SELECT (SELECT count(*) FROM traces)::text AS traces, (SELECT sum(span_count) FROM traces)::text AS spans,
         pg_size_pretty(pg_database_size(current_database())) AS size`,
    );
    const mid = await client.query<{
      t: Date;
      session: string;
      cursor: string;
      experiment: string;
      id: string;
      run: string;
      span: string;
    }>(
      `SELECT start_time AS t, session_id AS session, trace_id AS id, run_id AS run,
         (SELECT name FROM experiments e WHERE e.experiment_id = traces.experiment_id) AS experiment,
         (SELECT span_id FROM spans s WHERE s.trace_id = traces.trace_id
           ORDER BY (span_type = 'CHAT_MODEL') DESC, span_id LIMIT 1) AS span,
         encode(convert_to((extract(epoch FROM start_time) * 1000000)::bigint::text || '.' || trace_id, 'UTF8'), 'base64') AS cursor
       FROM traces ORDER BY start_time DESC, trace_id DESC OFFSET $1 LIMIT 1`,
      [Math.floor(Number(stats.rows[0]!.traces) / 2)],
    );
    const m = mid.rows[0]!;
    const cursor = m.cursor.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const from = new Date(m.t.getTime() - 30_000).toISOString();
    const to = m.t.toISOString();
    const queries: [string, string][] = [
      ['newest 50', ''],
      ['experiment', `experiment=${encodeURIComponent(m.experiment)}`],
      ['q, a word in most traces', 'q=refund'],
      ['q, two words', 'q=refund%20invoice'],
      ['q, a word in 1 of 50 (synthetic only)', 'q=marimba'],
      ['q, a word in 1 of 1000', 'q=xylophone'],
      ['q, a word in none', 'q=zebra'],
      ['state=OK', 'state=OK'],
      ['state=ERROR (no trace has it)', 'state=ERROR'],
      ['errors=true (none)', 'errors=true'],
      ['time range (30 s, mid-table)', `from=${from}&to=${to}`],
      ['tag (none has it)', 'tag=env%3Dprod'],
      ['span_type=TOOL (all)', 'span_type=TOOL'],
      ['span_type=RETRIEVER (none)', 'span_type=RETRIEVER'],
      ['min_duration_ms=800 (all)', 'min_duration_ms=800'],
      ['min_duration_ms=5000 (none)', 'min_duration_ms=5000'],
      ['trace_id prefix, 2 hex', `trace_id=${m.id.slice(0, 2)}`],
      ['trace_id prefix, 6 hex', `trace_id=${m.id.slice(0, 6)}`],
      ['tag in 1 of 1000 (synthetic only)', 'tag=ticket%3Drare'],
      ['tag in 1 of 3 (synthetic only)', 'tag=env%3Dstaging'],
      ['session', `session=${encodeURIComponent(m.session ?? 'none')}`],
      ['keyset page in the middle', `cursor=${cursor}`],
      ['experiment + state=ERROR + q', `experiment=${encodeURIComponent(m.experiment)}&state=ERROR&q=refund`],
      ['errors + span_type=RETRIEVER', 'errors=true&span_type=RETRIEVER'],
      ['limit=200', 'limit=200'],
    ];
    const timings: Timing[] = [];
    queries.push(
      ['experiments', '/api/v1/experiments'],
      ['runs list', '/api/v1/runs'],
      ['runs list, errors=true', '/api/v1/runs?errors=true'],
      ['runs list, state=ERROR', '/api/v1/runs?state=ERROR'],
      ['runs list, state=IN_PROGRESS', '/api/v1/runs?state=IN_PROGRESS'],
      ['runs list, state=OK', '/api/v1/runs?state=OK'],
      ['runs list, experiment', `/api/v1/runs?experiment=${encodeURIComponent(m.experiment)}`],
      ['runs list, time range', `/api/v1/runs?from=${from}&to=${to}`],
      ['runs list, keyset page in the middle', `/api/v1/runs?cursor=${cursor}`],
      [
        'runs list, errors + experiment',
        `/api/v1/runs?errors=true&experiment=${encodeURIComponent(m.experiment)}`,
      ],
      ['runs list, errors + time range', `/api/v1/runs?errors=true&from=${from}&to=${to}`],
      ['sessions list', '/api/v1/sessions'],
      ['sessions list, errors=true', '/api/v1/sessions?errors=true'],
      ['sessions list, experiment', `/api/v1/sessions?experiment=${encodeURIComponent(m.experiment)}`],
      ['sessions list, time range', `/api/v1/sessions?from=${from}&to=${to}`],
      [
        'sessions list, errors + experiment',
        `/api/v1/sessions?errors=true&experiment=${encodeURIComponent(m.experiment)}`,
      ],
      ['one trace (tree)', `/api/v1/traces/${m.id}`],
      ['one span (content)', `/api/v1/traces/${m.id}/spans/${m.span}`],
      ['one run', `/api/v1/runs/${m.run}`],
      ['one session', `/api/v1/sessions/${encodeURIComponent(m.session ?? 'none')}`],
    );
    for (const [label, query] of queries) timings.push(await timeQuery(ports.http, label, query));
    return { stats: stats.rows[0]!, load, loadAverage: loadavg(), timings };
  } finally {
    await client.end();
    await bridge.stop();
  }
}

/** Stops the load generators and the server, whatever ends the run (a signal from `timeout` included). */
let shutdown: () => void = () => {};

function printReads(r: Awaited<ReturnType<typeof readRun>>): void {
  console.log(`\n${r.stats.traces} traces, ${r.stats.spans} spans, database ${r.stats.size}\n`);
  console.log('| filter | query | rows | median ms | max ms |\n| --- | --- | ---: | ---: | ---: |');
  for (const t of r.timings) {
    const q = t.query.length > 50 ? `${t.query.slice(0, 47)}…` : t.query;
    console.log(`| ${t.label} | \`${q}\` | ${t.rows} | ${t.medianMs.toFixed(1)} | ${t.maxMs.toFixed(1)} |`);
  }
}

async function main(): Promise<void> {
  const failed = buildDist();
  if (failed) throw new Error(`build failed:\n${failed}`);
  const report: Record<string, unknown> = { options: opts, sources: SOURCES };
  if (opts.url) {
    shutdown = () => {
      for (const c of children) c.kill('SIGKILL');
    };
    try {
      const r = await readRun(null, opts.url);
      printReads(r);
      report.read = r;
      if (opts.out) writeFileSync(opts.out, JSON.stringify(report, null, 2));
    } finally {
      shutdown();
    }
    return;
  }
  const server = await startBenchPostgres([], { dir: opts.dataDir ?? undefined, keep: opts.keep });
  console.log(`Postgres cluster in ${server.dir}${opts.keep ? ' (kept)' : ''}`);
  shutdown = () => {
    for (const c of children) c.kill('SIGKILL');
    server.destroy();
  };
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    if (opts.ingest) {
      report.ingest = await measureIngestCost(admin, server, {
        pairs: opts.ingestPairs,
        seconds: opts.ingestSeconds,
        warmupSeconds: 5,
        baseTraces: opts.ingestBase,
        clients: opts.clients,
        messageKb: opts.messageKb,
      });
    }
    if (opts.read) {
      const r = await readRun(admin, server.url);
      printReads(r);
      report.read = r;
    }
    if (opts.out) writeFileSync(opts.out, JSON.stringify(report, null, 2));
  } finally {
    await admin.end();
    shutdown();
    if (opts.keep)
      console.log(`kept: ${server.dir} (npm run bench:read -- --reuse ${server.dir} --no-ingest)`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping`);
    shutdown();
    process.exit(1);
  });
}

main().catch((err) => {
  console.error(err);
  shutdown();
  process.exit(1);
});
