/**
 * Ingest cost of the read-side indexes (migration 008), made measurable on a shared machine: pairs of short runs
 * of the same closed-loop load (bench/loadgen.ts → a real bridge), one into a fresh database with the indexes and
 * one into a fresh database without them. The order inside a pair alternates (without→with, then with→without) so
 * that load drifting over minutes does not favour one side. Per pair: the ratio of committed spans/s, and the
 * CPU seconds per 1,000 committed spans of the Postgres server (postmaster and its backends) and of the bridge
 * process — CPU per span is what the indexes add work to, and is far less sensitive to what else runs on the
 * machine than spans/s is. The summary is the median and the spread (min–max) of the per-pair ratios.
 *
 * `baseTraces` > 0: every run starts from a copy of one database pre-filled with that many trace rows (written by
 * SQL, bench/read-synthetic.ts, indexes built), so the indexes are maintained at a realistic size rather than
 * from empty (a GIN index costs more per insert as it grows). "Without" drops the indexes from its copy. Both
 * sides write the search vector, which the bridge computes (store/search-words.ts): its cost is the bridge's CPU
 * per span, measured on both sides alike, not a difference between them.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { freePorts, startBridgeProcess } from './bridge-proc.js';
import type { BenchPostgres } from './pg.js';
import { cpuSeconds, treeCpuSeconds } from './proc.js';
import {
  committedSpans,
  freshDatabase,
  type LoadShape,
  loadgenConfig,
  sleep,
  startLoadgen,
  track,
} from './read-load.js';
import { fillSynthetic } from './read-synthetic.js';

export interface IngestRate {
  withIndexes: boolean;
  spansPerSecond: number;
  /** CPU milliseconds per 1,000 committed spans over the window (= µs per span). */
  postgresCpuMsPer1k: number;
  bridgeCpuMsPer1k: number;
  /** Whole-machine load average (1 min) at the end of the window: what else was running. */
  loadAverage: number;
}

export interface IngestPair {
  without: IngestRate;
  with: IngestRate;
  /** with ÷ without: spans/s, and CPU per span (Postgres, bridge, both). */
  rateRatio: number;
  postgresCpuRatio: number;
  bridgeCpuRatio: number;
  totalCpuRatio: number;
}

export interface IngestOptions extends LoadShape {
  pairs: number;
  seconds: number;
  /** Seconds of load before the window opens (connections, JIT warm-up, the first batches). */
  warmupSeconds: number;
  /** Trace rows each run's database starts with (0: empty). */
  baseTraces: number;
}

const BASE_DB = 'bench_read_ingest_base';

async function ingestRun(
  admin: pg.Client,
  server: BenchPostgres,
  opts: IngestOptions,
  withIndexes: boolean,
): Promise<IngestRate> {
  const name = 'bench_read_ingest';
  const template = opts.baseTraces > 0 ? BASE_DB : undefined;
  const url = await freshDatabase(admin, server.url, name, withIndexes, template);
  const ports = await freePorts();
  const bridge = await startBridgeProcess({ build: 'dist', databaseUrl: url, ports, onSpawn: track });
  const counter = new pg.Client({ connectionString: url });
  await counter.connect();
  try {
    const gen = startLoadgen(loadgenConfig(opts, ports, 300));
    await gen.ready;
    gen.child.send({ type: 'start' });
    await sleep(opts.warmupSeconds * 1000);
    const c0 = await committedSpans(counter);
    const [pg0, br0] = [treeCpuSeconds(server.pid()), cpuSeconds(bridge.pid)];
    const t0 = Date.now();
    await sleep(opts.seconds * 1000);
    const c1 = await committedSpans(counter);
    const [pg1, br1] = [treeCpuSeconds(server.pid()), cpuSeconds(bridge.pid)];
    const t1 = Date.now();
    gen.child.send({ type: 'stop', window: [t0, t1] });
    await gen.result;
    const spans = Math.max(1, c1 - c0);
    return {
      withIndexes,
      spansPerSecond: (c1 - c0) / ((t1 - t0) / 1000),
      postgresCpuMsPer1k: ((pg1 - pg0) * 1e6) / spans,
      bridgeCpuMsPer1k: ((br1 - br0) * 1e6) / spans,
      loadAverage: loadavg()[0]!,
    };
  } finally {
    await counter.end();
    await bridge.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

const fmt = (r: IngestRate) =>
  `${r.spansPerSecond.toFixed(0)} spans/s, CPU per 1,000 spans: Postgres ${r.postgresCpuMsPer1k.toFixed(1)} ms, ` +
  `bridge ${r.bridgeCpuMsPer1k.toFixed(1)} ms (load ${r.loadAverage.toFixed(1)})`;

export async function measureIngestCost(admin: pg.Client, server: BenchPostgres, opts: IngestOptions) {
  if (opts.baseTraces > 0) {
    const url = await freshDatabase(admin, server.url, BASE_DB, true);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await fillSynthetic(client, opts.baseTraces);
      await client.query('VACUUM ANALYZE traces');
    } finally {
      await client.end();
    }
    console.log();
  }
  try {
    return await measurePairs(admin, server, opts);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${BASE_DB} WITH (FORCE)`);
  }
}

async function measurePairs(admin: pg.Client, server: BenchPostgres, opts: IngestOptions) {
  const pairs: IngestPair[] = [];
  for (let i = 0; i < opts.pairs; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    const runs: Partial<Record<'with' | 'without', IngestRate>> = {};
    for (const withIndexes of order) {
      const r = await ingestRun(admin, server, opts, withIndexes);
      runs[withIndexes ? 'with' : 'without'] = r;
      console.log(`pair ${i + 1} ${withIndexes ? 'with   ' : 'without'}: ${fmt(r)}`);
    }
    const w = runs.with!;
    const wo = runs.without!;
    const pair: IngestPair = {
      without: wo,
      with: w,
      rateRatio: w.spansPerSecond / wo.spansPerSecond,
      postgresCpuRatio: w.postgresCpuMsPer1k / wo.postgresCpuMsPer1k,
      bridgeCpuRatio: w.bridgeCpuMsPer1k / wo.bridgeCpuMsPer1k,
      totalCpuRatio:
        (w.postgresCpuMsPer1k + w.bridgeCpuMsPer1k) / (wo.postgresCpuMsPer1k + wo.bridgeCpuMsPer1k),
    };
    pairs.push(pair);
    console.log(
      `pair ${i + 1} with÷without: spans/s ${pair.rateRatio.toFixed(3)}, CPU per span: Postgres ` +
        `${pair.postgresCpuRatio.toFixed(3)}, bridge ${pair.bridgeCpuRatio.toFixed(3)}, both ${pair.totalCpuRatio.toFixed(3)}`,
    );
  }
  const summary = {
    rateRatio: spread(pairs.map((p) => p.rateRatio)),
    postgresCpuRatio: spread(pairs.map((p) => p.postgresCpuRatio)),
    bridgeCpuRatio: spread(pairs.map((p) => p.bridgeCpuRatio)),
    totalCpuRatio: spread(pairs.map((p) => p.totalCpuRatio)),
  };
  console.log(
    `\nread indexes, with ÷ without over ${pairs.length} pairs of ${opts.seconds} s windows, ` +
      `${opts.baseTraces} trace rows to start with: median [min – max]`,
  );
  console.log(
    '| measure | median | min | max | geometric mean | 95 % interval |\n| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [label, s] of [
    ['spans/s', summary.rateRatio],
    ['Postgres CPU per span', summary.postgresCpuRatio],
    ['bridge CPU per span', summary.bridgeCpuRatio],
    ['Postgres + bridge CPU per span', summary.totalCpuRatio],
  ] as const) {
    const [lo, hi] = s.ci95;
    console.log(
      `| ${label} | ${s.median.toFixed(3)} | ${s.min.toFixed(3)} | ${s.max.toFixed(3)} | ` +
        `${s.geomean.toFixed(3)} | ${lo.toFixed(3)}–${hi.toFixed(3)} |`,
    );
  }
  return { pairs, summary };
}

/** Student's t, two-sided 95 %, by degrees of freedom (1–15); 2.0 beyond. */
const T95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13];

/**
 * Median and range of per-pair ratios, and their geometric mean with a 95 % confidence interval (t on the logs:
 * ratios multiply, and a pair's noise is a factor): the interval, not the median, says whether a budget is shown.
 */
function spread(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const logs = xs.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, logs.length - 1));
  const half = ((T95[logs.length - 2] ?? 2.0) * sd) / Math.sqrt(logs.length);
  return {
    median,
    min: s[0]!,
    max: s[s.length - 1]!,
    geomean: Math.exp(mean),
    ci95: [Math.exp(mean - half), Math.exp(mean + half)] as [number, number],
  };
}
