/**
 * The read-side benchmark (issue 18): `npm run bench:read [-- flags]`.
 *
 * 1. Ingest cost of the read-side indexes (migration 008): the same closed-loop load (bench/loadgen.ts) into a
 *    fresh database with the indexes and into one where they were dropped, alternating, committed spans/s counted
 *    from Postgres over a timed window. The search document, span types and models are written either way (they
 *    are columns of the trace row); what the "without" runs lack is their indexes' maintenance.
 * 2. Read latency: loads `--traces` traces through the bridge (6 spans each, bench/workload.ts), marks a word in
 *    one trace in a thousand (the workload's vocabulary is small: every other word is in most traces), ANALYZEs,
 *    and times `GET /api/v1/traces` for each list filter through the bridge's HTTP API (the real server: query
 *    validation, SQL, JSON) — the median and the slowest of `--repeat` calls after one warm-up call.
 *
 * Flags: --traces 1000000  --ingest-seconds 20  --ingest-rounds 2  --clients 4  --message-kb 1  --repeat 5
 *        --no-ingest (skip 1)  --no-read (skip 2)  --out FILE (JSON)
 *        --synthetic   fill the traces table by SQL instead of through the bridge (loadSynthetic)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { buildDist, freePorts, ROOT, startBridgeProcess } from './bridge-proc.js';
import { eachFlag } from './flags.js';
import type { LoadgenConfig, LoadgenResult } from './loadgen.js';
import { type BenchPostgres, databaseUrl, startBenchPostgres } from './pg.js';
import { cpuSeconds, treeCpuSeconds } from './proc.js';
import { newIdScheme, SPANS_PER_REQUEST, WORDS } from './workload.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
const READ_INDEXES = [
  'traces_state_start_id_idx',
  'traces_failed_start_id_idx',
  'traces_tags_idx',
  'traces_span_types_idx',
  'traces_duration_idx',
  'traces_search_idx',
];

const opts = {
  traces: 1_000_000,
  ingestSeconds: 20,
  ingestRounds: 2,
  clients: 4,
  messageKb: 1,
  repeat: 5,
  ingest: true,
  read: true,
  synthetic: false,
  out: null as string | null,
};
eachFlag(process.argv.slice(2), (flag, value) => {
  if (flag === '--traces') opts.traces = Number(value());
  else if (flag === '--ingest-seconds') opts.ingestSeconds = Number(value());
  else if (flag === '--ingest-rounds') opts.ingestRounds = Number(value());
  else if (flag === '--clients') opts.clients = Number(value());
  else if (flag === '--message-kb') opts.messageKb = Number(value());
  else if (flag === '--repeat') opts.repeat = Number(value());
  else if (flag === '--no-ingest') opts.ingest = false;
  else if (flag === '--no-read') opts.read = false;
  else if (flag === '--synthetic') opts.synthetic = true;
  else if (flag === '--out') opts.out = value();
  else throw new Error(`unknown flag ${flag}`);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children = new Set<ChildProcess>();

interface Loadgen {
  child: ChildProcess;
  ready: Promise<unknown>;
  result: Promise<LoadgenResult>;
}

function startLoadgen(cfg: LoadgenConfig): Loadgen {
  const child = spawn(process.execPath, ['--import', 'tsx', LOADGEN, JSON.stringify(cfg)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  let onReady: (v: unknown) => void = () => {};
  let onResult: (v: LoadgenResult) => void = () => {};
  const ready = new Promise((r) => {
    onReady = r;
  });
  const result = new Promise<LoadgenResult>((r) => {
    onResult = r;
  });
  child.on('message', (m: { type: string }) => {
    if (m.type === 'ready') onReady(m);
    if (m.type === 'result') onResult(m as LoadgenResult);
  });
  child.on('exit', () => children.delete(child));
  return { child, ready, result };
}

function loadgenConfig(ports: { http: number; grpc: number }, poolRequests: number): LoadgenConfig {
  return {
    protocol: 'http-protobuf',
    clients: opts.clients,
    messageKb: opts.messageKb,
    spansPerRequest: SPANS_PER_REQUEST,
    httpPort: ports.http,
    grpcPort: ports.grpc,
    ids: newIdScheme(),
    baseShiftNs: '0',
    poolRequests,
    poolMb: 512,
    drainSeconds: 60,
  };
}

async function committedSpans(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>('SELECT coalesce(sum(span_count), 0)::text AS n FROM traces');
  return Number(r.rows[0]!.n);
}

async function freshDatabase(admin: pg.Client, server: string, name: string, withIndexes: boolean) {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = databaseUrl(server, name);
  const db = connectPostgres({ connectionString: url, max: 1 });
  await migrate(db);
  if (!withIndexes) for (const idx of READ_INDEXES) await db.query(`DROP INDEX ${idx}`);
  await db.close();
  return url;
}

interface IngestRate {
  withIndexes: boolean;
  spansPerSecond: number;
  /** CPU per committed span over the window: robust to other load on the machine, unlike spans/s. */
  postgresCpuUsPerSpan: number;
  bridgeCpuUsPerSpan: number;
}

/** Spans/s committed over the window, with or without the read indexes, and the CPU they cost. */
async function ingestRun(
  admin: pg.Client,
  server: BenchPostgres,
  withIndexes: boolean,
  n: number,
): Promise<IngestRate> {
  const url = await freshDatabase(admin, server.url, `bench_read_ingest_${n}`, withIndexes);
  const ports = await freePorts();
  const bridge = await startBridgeProcess({ build: 'dist', databaseUrl: url, ports });
  const counter = new pg.Client({ connectionString: url });
  await counter.connect();
  try {
    const gen = startLoadgen(loadgenConfig(ports, 600));
    await gen.ready;
    gen.child.send({ type: 'start' });
    await sleep(3000);
    const c0 = await committedSpans(counter);
    const [pg0, br0] = [treeCpuSeconds(server.pid()), cpuSeconds(bridge.pid)];
    const t0 = Date.now();
    await sleep(opts.ingestSeconds * 1000);
    const c1 = await committedSpans(counter);
    const [pg1, br1] = [treeCpuSeconds(server.pid()), cpuSeconds(bridge.pid)];
    const t1 = Date.now();
    gen.child.send({ type: 'stop', window: [t0, t1] });
    await gen.result;
    const spans = Math.max(1, c1 - c0);
    return {
      withIndexes,
      spansPerSecond: (c1 - c0) / ((t1 - t0) / 1000),
      postgresCpuUsPerSpan: ((pg1 - pg0) * 1e6) / spans,
      bridgeCpuUsPerSpan: ((br1 - br0) * 1e6) / spans,
    };
  } finally {
    await counter.end();
    await bridge.stop();
  }
}

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
    const body = (await res.json()) as { items?: unknown[]; spans?: unknown[] };
    // A failed call (a statement timeout: 503) is reported with its time, not hidden.
    if (res.status !== 200) console.log(`${query}: ${res.status} ${JSON.stringify(body)}`);
    return {
      ms: performance.now() - t,
      rows: res.status === 200 ? (body.items ?? body.spans ?? []).length : -res.status,
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

/** Loads `opts.traces` traces through the bridge (the workload's agent traces, 6 spans each). */
async function loadThroughBridge(client: pg.Client, ports: { http: number; grpc: number }): Promise<void> {
  const gen = startLoadgen(loadgenConfig(ports, 400));
  await gen.ready;
  gen.child.send({ type: 'start' });
  const target = opts.traces * 6;
  for (;;) {
    await sleep(5000);
    const spans = await committedSpans(client);
    process.stdout.write(`\rloaded ${spans} spans (${Math.round(spans / 6)} traces)   `);
    if (spans >= target) break;
  }
  gen.child.send({ type: 'stop', window: [Date.now() - 1000, Date.now()] });
  await gen.result;
  // A rare word: in one trace of a thousand (the workload's vocabulary puts every other word in most traces).
  await client.query(
    `UPDATE traces SET search_text = search_text || ' xylophone'
     WHERE trace_id IN (SELECT trace_id FROM traces ORDER BY start_time DESC OFFSET 500 LIMIT $1)`,
    [Math.max(1, Math.floor(opts.traces / 1000))],
  );
}

/**
 * --synthetic: trace rows written by SQL (no spans: the list reads only `traces`), 3 experiments, 1 in 500
 * traces ERROR, 1 in 50 with a failed span, tags env=prod|staging|dev and 1 in 1000 a rare tag, span types with a
 * rare RETRIEVER (1 in 200), lognormal-ish durations, sessions of 10 traces, and a search document of 60 words from
 * the workload's vocabulary plus a word in 1 of 50 and one in 1 of 1000. Much faster than loading a million
 * traces through the bridge on a shared machine; the indexes and the queries are the same.
 */
async function loadSynthetic(client: pg.Client): Promise<void> {
  const words = WORDS.map((w) => `'${w}'`).join(',');
  await client.query(
    `INSERT INTO experiments (experiment_id, name) VALUES (1, 'agents-prod'), (2, 'agents-staging')
     ON CONFLICT DO NOTHING`,
  );
  const batch = 100_000;
  for (let lo = 0; lo < opts.traces; lo += batch) {
    const hi = Math.min(opts.traces, lo + batch);
    await client.query(
      `INSERT INTO traces (trace_id, experiment_id, name, state, start_time, end_time, start_time_unix_nano,
         end_time_unix_nano, duration_ms, request_preview, response_preview, root_span_id, span_count, error_count,
         input_tokens, output_tokens, total_tokens, session_id, tags, run_id, search_text, span_types, models)
       SELECT id, i % 3, 'invoke_agent research_assistant', CASE WHEN i % 500 = 0 THEN 'ERROR' ELSE 'OK' END,
         st, st + d * interval '1 ms', ns, ns + (d * 1e6)::bigint, d, left(doc, 200), right(doc, 200),
         substr(id, 1, 16), 6, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, 900, 300, 1200,
         'conv_' || (i / 10), jsonb_build_object('env', (ARRAY['prod','staging','dev'])[1 + i % 3])
           || CASE WHEN i % 1000 = 7 THEN '{"ticket":"rare"}'::jsonb ELSE '{}'::jsonb END,
         id, doc,
         CASE WHEN i % 200 = 3 THEN ARRAY['AGENT','CHAT_MODEL','RETRIEVER','TOOL'] ELSE ARRAY['AGENT','CHAT_MODEL','TOOL'] END,
         ARRAY['gpt-4o']
       FROM (
         SELECT i, md5(i::text || 'trace') AS id,
           '2025-01-01T00:00:00Z'::timestamptz + i * interval '30 ms' AS st,
           (extract(epoch FROM '2025-01-01T00:00:00Z'::timestamptz) * 1e9)::bigint + i::bigint * 30000000 AS ns,
           round((200 + 800 * exp(random() * 3))::numeric, 3)::float8 AS d,
           (SELECT string_agg((ARRAY[${words}]::text[])[1 + floor(random() * ${WORDS.length})::int], ' ')
              FROM generate_series(1, 60) g WHERE i IS NOT NULL)
             || CASE WHEN i % 50 = 1 THEN ' marimba' ELSE '' END
             || CASE WHEN i % 1000 = 2 THEN ' xylophone' ELSE '' END AS doc
         FROM generate_series($1::bigint, $2::bigint - 1) i
       ) x`,
      [lo, hi],
    );
    process.stdout.write(`\rwrote ${hi} trace rows   `);
  }
  console.log();
}

async function readRun(admin: pg.Client, server: string, synthetic: boolean) {
  const url = await freshDatabase(admin, server, 'bench_read_latency', true);
  const ports = await freePorts();
  const bridge = await startBridgeProcess({ build: 'dist', databaseUrl: url, ports });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const loadStart = Date.now();
  try {
    if (synthetic) await loadSynthetic(client);
    else await loadThroughBridge(client, ports);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    console.log(`\nloaded in ${loadSeconds.toFixed(0)} s`);
    await client.query('VACUUM ANALYZE traces');
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
    }>(
      `SELECT start_time AS t, session_id AS session, trace_id AS id,
         (SELECT name FROM experiments e WHERE e.experiment_id = traces.experiment_id) AS experiment,
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
      ['runs list', '/api/v1/runs'],
      ['sessions list', '/api/v1/sessions'],
      ['one trace (tree)', `/api/v1/traces/${m.id}`],
    );
    for (const [label, query] of queries) timings.push(await timeQuery(ports.http, label, query));
    return { stats: stats.rows[0]!, loadSeconds, timings };
  } finally {
    await client.end();
    await bridge.stop();
  }
}

async function main(): Promise<void> {
  const failed = buildDist();
  if (failed) throw new Error(`build failed:\n${failed}`);
  const server = await startBenchPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const report: Record<string, unknown> = { options: opts };
  try {
    if (opts.ingest) {
      const rates: IngestRate[] = [];
      let n = 0;
      for (let round = 0; round < opts.ingestRounds; round++) {
        for (const withIndexes of [false, true]) {
          const r = await ingestRun(admin, server, withIndexes, n++);
          rates.push(r);
          console.log(
            `ingest ${withIndexes ? 'with' : 'without'} read indexes: ${r.spansPerSecond.toFixed(0)} spans/s, ` +
              `CPU per span: Postgres ${r.postgresCpuUsPerSpan.toFixed(1)} µs, bridge ${r.bridgeCpuUsPerSpan.toFixed(1)} µs`,
          );
        }
      }
      const mean = (w: boolean, f: (r: IngestRate) => number) => {
        const xs = rates.filter((r) => r.withIndexes === w).map(f);
        return xs.reduce((a, b) => a + b, 0) / xs.length;
      };
      const rate = (r: IngestRate) => r.spansPerSecond;
      const cpu = (r: IngestRate) => r.postgresCpuUsPerSpan + r.bridgeCpuUsPerSpan;
      const cost = 1 - mean(true, rate) / mean(false, rate);
      // With CPU the limit, throughput is inversely proportional to CPU per span.
      const cpuCost = 1 - mean(false, cpu) / mean(true, cpu);
      console.log(
        `read indexes: ${(cost * 100).toFixed(1)} % fewer spans/s, ${(cpuCost * 100).toFixed(1)} % fewer spans per ` +
          `CPU-second (bridge + Postgres), mean of ${opts.ingestRounds} run(s) each`,
      );
      report.ingest = { rates, cost, cpuCost };
    }
    if (opts.read) {
      const r = await readRun(admin, server.url, opts.synthetic);
      console.log(`\n${r.stats.traces} traces, ${r.stats.spans} spans, database ${r.stats.size}\n`);
      console.log('| filter | query | rows | median ms | max ms |\n| --- | --- | ---: | ---: | ---: |');
      for (const t of r.timings) {
        const q = t.query.length > 50 ? `${t.query.slice(0, 47)}…` : t.query;
        console.log(
          `| ${t.label} | \`${q}\` | ${t.rows} | ${t.medianMs.toFixed(1)} | ${t.maxMs.toFixed(1)} |`,
        );
      }
      report.read = r;
    }
    if (opts.out) writeFileSync(opts.out, JSON.stringify(report, null, 2));
  } finally {
    await admin.end();
    for (const c of children) c.kill('SIGKILL');
    server.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
