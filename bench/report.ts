/** The bench report: Markdown tables of the runs, the ceilings, storage, statements and the targets. */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Column, renderMarkdownTable } from '../cli/render/table.js';
import { type Ceiling, ceilingOf, ratioCeiling } from './ceiling.js';
import type { Protocol } from './loadgen.js';
import type { MlflowResult } from './mlflow.js';
import { type CpuProfile, formatSummary, summarize } from './profile-summary.js';
import { type Context, otherCpu, type RunResult, templateFor } from './scenario.js';

// ---- MLflow ----

/** MLflow's committed spans/s next to tracebridge's HTTP-protobuf run at the same client count (same payload). */
export function mlflowTable(mlflowRuns: MlflowResult[], runs: RunResult[]): string {
  const ours = (m: MlflowResult) =>
    runs.find(
      (r) =>
        r.scenario.protocol === 'http-protobuf' &&
        r.scenario.clients === m.clients &&
        r.scenario.messageKb === 1 &&
        !r.scenario.rate &&
        !r.scenario.embedded &&
        !r.profile,
    );
  const columns: Column<MlflowResult>[] = [
    { header: 'clients', align: 'right', value: (m) => String(m.clients) },
    { header: 'MLflow spans/s', align: 'right', value: (m) => fmtInt(m.spansPerSecond) },
    {
      header: 'p50 / p99 ms',
      align: 'right',
      value: (m) => `${Math.round(m.latencyMs.p50)} / ${Math.round(m.latencyMs.p99)}`,
    },
    { header: 'MLflow CPU', align: 'right', value: (m) => m.mlflowCpu.toFixed(2) },
    { header: 'PG CPU', align: 'right', value: (m) => m.pgCpu?.toFixed(2) ?? 'n/a' },
    { header: 'other CPU', align: 'right', value: (m) => m.otherCpu.toFixed(2) },
    { header: 'MLflow RSS MB', align: 'right', value: (m) => String(Math.round(m.mlflowPeakRssMb)) },
    { header: 'nothing lost', value: (m) => (m.nothingLost ? 'yes' : 'NO') },
    {
      header: 'tracebridge spans/s',
      align: 'right',
      value: (m) => {
        const o = ours(m);
        return o ? fmtInt(o.spansPerSecond) : 'n/a';
      },
    },
    {
      header: 'tracebridge / MLflow',
      align: 'right',
      value: (m) => {
        const o = ours(m);
        return o && m.spansPerSecond > 0 ? `${(o.spansPerSecond / m.spansPerSecond).toFixed(1)} ×` : 'n/a';
      },
    },
  ];
  return [
    `MLflow ${mlflowRuns[0]!.mlflowVersion} (\`mlflow server\`, ${mlflowRuns[0]!.workers} workers) on the same Postgres, OTLP/HTTP protobuf, header x-mlflow-experiment-id; spans/s from its \`spans\` table.`,
    '',
    renderMarkdownTable(mlflowRuns, columns),
  ].join('\n');
}

// ---- report ----

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

const RESULT_COLUMNS: Column<RunResult>[] = [
  { header: 'run', value: (r) => r.scenario.label },
  { header: 'protocol', value: (r) => `${r.scenario.protocol}${r.scenario.embedded ? ' (embedded)' : ''}` },
  {
    header: 'clients',
    value: (r) =>
      r.scenario.rate
        ? `open ${fmtInt(r.offeredSpansPerSecond ?? r.scenario.rate)}/s`
        : String(r.scenario.clients),
  },
  { header: 'msg', value: (r) => `${r.scenario.messageKb} KB` },
  { header: 'spans/s committed', value: (r) => fmtInt(r.spansPerSecond) },
  { header: 'req/s', value: (r) => r.requestsPerSecond.toFixed(1) },
  { header: 'p50 ms', value: (r) => r.latencyMs.p50.toFixed(0) },
  { header: 'p99 ms', value: (r) => r.latencyMs.p99.toFixed(0) },
  { header: 'MB/s in', value: (r) => r.mbPerSecond.toFixed(1) },
  {
    header: 'bridge CPU (main thread)',
    value: (r) => `${r.bridgeCpu.toFixed(2)} (${r.bridgeMainThread.toFixed(2)})`,
  },
  { header: 'PG CPU', value: (r) => (r.pgCpu === null ? 'n/a' : r.pgCpu.toFixed(2)) },
  { header: 'loadgen CPU', value: (r) => r.loadgenCpu.toFixed(2) },
  { header: 'machine busy', value: (r) => r.machineBusy.toFixed(2) },
  { header: 'other CPU', value: (r) => otherCpu(r).toFixed(2) },
  { header: 'bridge peak RSS MB', value: (r) => r.bridgePeakRssMb.toFixed(0) },
  { header: '429/UNAVAILABLE', value: (r) => fmtInt(r.retryableAnswers) },
  {
    header: 'nothing lost',
    value: (r) => (r.nothingLost ? 'yes' : `NO (${fmtInt(r.finalCount)} of ${fmtInt(r.startedSpans)})`),
  },
];

export function resultsTable(runs: RunResult[]): string {
  return renderMarkdownTable(runs, RESULT_COLUMNS);
}

export function storageTable(runs: RunResult[], ctx: Context): string {
  const stored = runs.filter((r) => r.storage && r.storage.spans > 0);
  const perSpan = (r: RunResult, bytes: (st: NonNullable<RunResult['storage']>) => number) =>
    fmtInt(bytes(r.storage!) / r.storage!.spans);
  const totalPerSpan = (r: RunResult) =>
    (r.storage!.spansTotalBytes + r.storage!.tracesTotalBytes) / r.storage!.spans;
  const otlpPerSpan = (r: RunResult) => {
    const t = templateFor(ctx, r.scenario.messageKb);
    return t.protobuf.length / t.spans;
  };
  const sizes = renderMarkdownTable(stored, [
    { header: 'run', value: (r) => `${r.scenario.label}${r.scenario.embedded ? ' (embedded)' : ''}` },
    { header: 'spans', align: 'right', value: (r) => fmtInt(r.storage!.spans) },
    { header: 'heap B/span', align: 'right', value: (r) => perSpan(r, (st) => st.heapBytes) },
    { header: 'TOAST B/span', align: 'right', value: (r) => perSpan(r, (st) => st.toastBytes) },
    { header: 'indexes B/span', align: 'right', value: (r) => perSpan(r, (st) => st.indexBytes) },
    { header: 'traces B/span', align: 'right', value: (r) => perSpan(r, (st) => st.tracesTotalBytes) },
    { header: 'total B/span', align: 'right', value: (r) => fmtInt(totalPerSpan(r)) },
    { header: 'OTLP protobuf B/span', align: 'right', value: (r) => fmtInt(otlpPerSpan(r)) },
    {
      header: 'disk / OTLP',
      align: 'right',
      value: (r) => `${(totalPerSpan(r) / otlpPerSpan(r)).toFixed(2)}×`,
    },
  ]);
  const colNames = Object.keys(stored[0]?.storage?.columns ?? {});
  const columns = renderMarkdownTable(stored, [
    { header: 'run', value: (r) => r.scenario.label },
    ...colNames.map(
      (name): Column<RunResult> => ({
        header: name,
        align: 'right',
        value: (r) => fmtInt(r.storage!.columns[name] ?? 0),
      }),
    ),
  ]);
  return [
    sizes,
    '',
    'Average stored size per span of the large columns (pg_column_size, bytes, after compression / TOAST):',
    '',
    columns,
  ].join('\n');
}

export function statementsTable(r: RunResult): string {
  const total = r.statements.reduce((a, x) => a + x.totalMs, 0);
  return [
    `Run "${r.scenario.label}": Postgres execution time per statement in the ${r.seconds.toFixed(1)} s window ` +
      `(pg_stat_statements; COMMIT includes waiting for the WAL flush):`,
    '',
    renderMarkdownTable(r.statements, [
      {
        header: 'statement',
        value: (x) => `\`${x.query.length > 90 ? `${x.query.slice(0, 90)}…` : x.query}\``,
      },
      { header: 'calls', align: 'right', value: (x) => fmtInt(x.calls) },
      { header: 'ms total', align: 'right', value: (x) => fmtInt(x.totalMs) },
      { header: 'ms per call', align: 'right', value: (x) => (x.totalMs / Math.max(1, x.calls)).toFixed(1) },
      { header: 'share', align: 'right', value: (x) => `${((100 * x.totalMs) / (total || 1)).toFixed(0)}%` },
      { header: 'rows', align: 'right', value: (x) => fmtInt(x.rows) },
    ]),
  ].join('\n');
}

export function ceilingTable(ceilings: Ceiling[], runs: RunResult[]): string {
  type Row = Ceiling['results'][number] & { messageKb: number; best: number };
  const rows: Row[] = [];
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
    for (const result of c.results) rows.push({ ...result, messageKb: c.messageKb, best });
  }
  return renderMarkdownTable(rows, [
    { header: 'msg', value: (r) => `${r.messageKb} KB` },
    { header: 'variant', value: (r) => r.variant.label },
    { header: 'spans/s', align: 'right', value: (r) => fmtInt(r.result.spansPerSecond) },
    { header: 'PG CPU', align: 'right', value: (r) => r.pgCpu.toFixed(2) },
    { header: 'other CPU', align: 'right', value: (r) => r.otherCpu.toFixed(2) },
    { header: 'B/span on disk', align: 'right', value: (r) => fmtInt(r.bytesPerSpan) },
    {
      header: 'bridge best (HTTP protobuf) / this',
      align: 'right',
      value: (r) =>
        r.best ? `${(r.best / r.result.spansPerSecond).toFixed(2)} (${fmtInt(r.best)} spans/s)` : 'n/a',
    },
  ]);
}

/** What the ratio was taken against: the ceiling(s), and the spans-only figure for comparison. */
export function ceilingText(c: Ceiling): string {
  const after = ceilingOf(c, 'traces-after');
  const spans = ceilingOf(c, 'spans');
  const against = after
    ? `the mean of ${fmtInt(ceilingOf(c, 'traces'))} before and ${fmtInt(after)} after the bridge runs`
    : fmtInt(ceilingOf(c, 'traces'));
  return `(ceiling: ${against} spans/s${spans ? `; spans-only COPY: ${fmtInt(spans)} spans/s` : ''})`;
}

/** Closed-loop runs of the same load on both servers: embedded and external. */
export function embeddedPairs(runs: RunResult[]): { label: string; embedded: number; external: number }[] {
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

export function embeddedTable(runs: RunResult[]): string {
  return renderMarkdownTable(embeddedPairs(runs), [
    { header: 'load', value: (p) => p.label },
    { header: 'embedded spans/s', align: 'right', value: (p) => fmtInt(p.embedded) },
    { header: 'external spans/s', align: 'right', value: (p) => fmtInt(p.external) },
    { header: 'embedded / external', align: 'right', value: (p) => (p.embedded / p.external).toFixed(2) },
  ]);
}

export function targetsTable(ctx: Context, runs: RunResult[], ceilings: Ceiling[]): string {
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
  type Target = { target: string; measured: string; ok: boolean | null };
  const row = (target: string, measured: string, ok: boolean | null): Target => ({ target, measured, ok });
  const targets = [
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
  ];
  return renderMarkdownTable(targets, [
    { header: `target (${kb} KB messages)`, value: (t) => t.target },
    { header: 'measured', value: (t) => t.measured },
    { header: '', value: (t) => (t.ok === null ? 'not measured' : t.ok ? 'met' : 'NOT met') },
  ]);
}

export function profileDirectory(tmpRoot: string): string {
  mkdirSync(tmpRoot, { recursive: true });
  return mkdtempSync(join(tmpRoot, 'profile-'));
}

export function profileReport(file: string, top: number): string {
  return `${file}\n\n${formatSummary(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top))}`;
}

/** The runs whose statement times are printed: the fastest closed-loop run on Postgres, and the overload run. */
export function statementRuns(runs: RunResult[]): RunResult[] {
  const closed = runs.filter((r) => !r.scenario.rate && !r.scenario.embedded && r.statements.length);
  const best = closed.reduce<RunResult | null>(
    (a, b) => (!a || b.spansPerSecond > a.spansPerSecond ? b : a),
    null,
  );
  return best ? [best] : [];
}
