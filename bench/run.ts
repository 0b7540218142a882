/**
 * The ingest benchmark (issue 6): `npm run bench [-- flags]`. This file runs the suite; options.ts reads the flags,
 * scenario.ts does one run, ceiling.ts the COPY ceilings, report.ts the Markdown tables, cleanup.ts the cleaning up.
 *
 * Starts a throwaway PostgreSQL with production durability (bench/pg.ts: fsync and synchronous_commit on), the
 * bridge as its own process (the built CLI by default), and a load generator as a third process
 * (bench/loadgen.ts). For every run it reports committed spans/s measured from Postgres — the spans stored at
 * the start and end of a timed window (countCommitted), not acknowledgements — request latency, MB/s received,
 * the bridge's CPU and peak RSS (/proc), Postgres's and the generator's CPU. In the same invocation it measures
 * the ceiling (COPY of the identical rows into the same schema, bench/copy.ts; before the bridge runs and again
 * after them, and the ratio takes the mean of the two), latency at half the maximum throughput, behaviour at
 * twice it (backpressure answers, retries, nothing lost), the embedded PostgreSQL against the same run's external one, and bytes on
 * disk per span.
 *
 * Flags:
 *   --protocol http-protobuf|http-json|grpc|all   (list allowed; default all)
 *   --clients 1,4,16          concurrent exporters (closed loop)
 *   --seconds 10 --warmup 3   timed window and the warm-up before it
 *   --message-kb 1,10         chat message size per CHAT_MODEL span; the first size gets the whole matrix, the
 *                             others the first protocol at its best client count
 *   --embedded                only embedded against external PostgreSQL: the matrix at the first size, each
 *                             point run on both
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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { buildDist, ROOT, sourceDigest } from './bridge-proc.js';
import { CEILING_VARIANTS, type Ceiling, measureCopy, runCeiling, TRACES_AFTER } from './ceiling.js';
import { cleanUp, interrupted, tempDirs } from './cleanup.js';
import { formatMlflowResult, type MlflowResult, measureMlflow } from './mlflow.js';
import { type Options, parseOptions } from './options.js';
import { databaseUrl, startBenchPostgres } from './pg.js';
import { machineDescription } from './proc.js';
import {
  ceilingTable,
  embeddedPairs,
  embeddedTable,
  fmtInt,
  mlflowTable,
  profileDirectory,
  profileReport,
  resultsTable,
  statementRuns,
  statementsTable,
  storageTable,
  targetsTable,
} from './report.js';
import { type Context, HALF_LOAD_WINDOW_FACTOR, measure, type RunResult, templateFor } from './scenario.js';
import { TEMPLATE_T0 } from './workload.js';

// ---- main ----

/** What the suite measured, for the report. */
interface Results {
  runs: RunResult[];
  ceilings: Ceiling[];
  mlflowRuns: MlflowResult[];
  profileText: string | null;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const { machine, digest } = announce(opts);
  const ctx = newContext(opts);
  const results: Results = { runs: [], ceilings: [], mlflowRuns: [], profileText: null };
  // Profiles of full runs are kept in bench/.tmp (git-ignored) for flame graphs; the smoke run's are thrown away.
  const tmpRoot = opts.smoke
    ? mkdtempSync(join(tmpdir(), 'tracebridge-bench-'))
    : join(ROOT, 'bench', '.tmp');
  if (opts.smoke) tempDirs.add(tmpRoot);
  try {
    if (opts.embeddedOnly) {
      // The external server too: the embedded figures are compared with it in the same run.
      await startPostgres(ctx);
      await runEmbeddedMatrix(ctx, results);
    } else {
      await startPostgres(ctx);
      if (opts.ceiling) await runCeilings(ctx, results);
      await runMatrix(ctx, results, tmpRoot);
      await runLoadShapes(ctx, results, tmpRoot);
      if (opts.mlflow) await runMlflow(ctx, results);
    }
  } finally {
    await ctx.admin?.end().catch(() => {});
    ctx.pg?.destroy();
    interrupted.pg = null;
    if (opts.smoke) rmSync(tmpRoot, { recursive: true, force: true });
  }
  const { runs, ceilings } = results;
  console.log(reportText(ctx, results, { machine, digest, started }));
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

/** Prints the machine and the bridge under test (building it first when it runs from dist). */
function announce(opts: Options): { machine: ReturnType<typeof machineDescription>; digest: string } {
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

  return { machine, digest };
}

function newContext(opts: Options): Context {
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

  return ctx;
}

/** The bench's Postgres, its statistics extension, and the migrated template database every run copies. */
async function startPostgres(ctx: Context): Promise<void> {
  const opts = ctx.opts;
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

async function runEmbeddedMatrix(ctx: Context, results: Results): Promise<void> {
  const { opts } = ctx;
  const kb0 = opts.messageKb[0]!;
  for (const protocol of opts.protocols)
    for (const clients of opts.clients)
      for (const embedded of [false, true])
        results.runs.push(
          await measure(ctx, {
            label: `${embedded ? 'embedded' : 'external'} ${protocol} c${clients}`,
            protocol,
            clients,
            messageKb: kb0,
            embedded,
            storage: true,
          }),
        );
}

async function runCeilings(ctx: Context, results: Results): Promise<void> {
  const { opts } = ctx;
  const kb0 = opts.messageKb[0]!;
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
    results.ceilings.push(await runCeiling(ctx, kb, variants));
  }
}

/** Every protocol at every client count, and the ceiling again after them. */
async function runMatrix(ctx: Context, results: Results, tmpRoot: string): Promise<void> {
  const { opts } = ctx;
  const { runs, ceilings } = results;
  const kb0 = opts.messageKb[0]!;
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
      if (r.profile) results.profileText = profileReport(r.profile, 8);
    }
  const first = ceilings.find((c) => c.messageKb === kb0);
  if (first && runs.length > 0 && first.results.some((r) => r.variant.key === 'traces')) {
    console.log('\nceiling again, after the bridge runs (the ratio takes the mean of both)');
    first.results.push(await measureCopy(ctx, kb0, TRACES_AFTER));
  }
}

/** Other message sizes, half load, 2× overload, embedded, the profiled run: at the best client count found. */
async function runLoadShapes(ctx: Context, results: Results, tmpRoot: string): Promise<void> {
  const { opts } = ctx;
  const { runs } = results;
  const kb0 = opts.messageKb[0]!;
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
    if (r.profile) results.profileText = profileReport(r.profile, 25);
  }
}

async function runMlflow(ctx: Context, results: Results): Promise<void> {
  const { opts } = ctx;
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
    results.mlflowRuns.push(m);
  }
}

function reportText(
  ctx: Context,
  results: Results,
  about: { machine: ReturnType<typeof machineDescription>; digest: string; started: number },
): string {
  const { opts } = ctx;
  const { runs, ceilings, mlflowRuns, profileText } = results;
  const { machine, digest, started } = about;
  const kb0 = opts.messageKb[0]!;
  return [
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
