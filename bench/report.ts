/** The bench report: Markdown tables of the runs, the ceilings, storage, statements and the targets. */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Ceiling, ceilingOf, ratioCeiling } from './ceiling.js';
import type { Protocol } from './loadgen.js';
import type { MlflowResult } from './mlflow.js';
import { type CpuProfile, formatSummary, summarize } from './profile-summary.js';
import { type Context, otherCpu, type RunResult, templateFor } from './scenario.js';

// ---- MLflow ----

/** MLflow's committed spans/s next to tracebridge's HTTP-protobuf run at the same client count (same payload). */
export function mlflowTable(mlflowRuns: MlflowResult[], runs: RunResult[]): string {
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

// ---- report ----

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

export function resultsTable(runs: RunResult[]): string {
  const head =
    '| run | protocol | clients | msg | spans/s committed | req/s | p50 ms | p99 ms | MB/s in | bridge CPU (main thread) | PG CPU | loadgen CPU | machine busy | other CPU | bridge peak RSS MB | 429/UNAVAILABLE | nothing lost |';
  const rows = runs.map((r) => {
    const s = r.scenario;
    const clients = s.rate ? `open ${fmtInt(r.offeredSpansPerSecond ?? s.rate)}/s` : String(s.clients);
    return (
      `| ${s.label} | ${s.protocol}${s.embedded ? ' (PGlite)' : ''} | ${clients} | ${s.messageKb} KB | ` +
      `${fmtInt(r.spansPerSecond)} | ${r.requestsPerSecond.toFixed(1)} | ${r.latencyMs.p50.toFixed(0)} | ` +
      `${r.latencyMs.p99.toFixed(0)} | ${r.mbPerSecond.toFixed(1)} | ${r.bridgeCpu.toFixed(2)} (${r.bridgeMainThread.toFixed(2)}) | ` +
      `${r.pgCpu === null ? 'n/a' : r.pgCpu.toFixed(2)} | ${r.loadgenCpu.toFixed(2)} | ${r.machineBusy.toFixed(2)} | ` +
      `${otherCpu(r).toFixed(2)} | ` +
      `${r.bridgePeakRssMb.toFixed(0)} | ${fmtInt(r.retryableAnswers)} | ${r.nothingLost ? 'yes' : `NO (${fmtInt(r.finalCount)} of ${fmtInt(r.startedSpans)})`} |`
    );
  });
  return [head, `|${'---|'.repeat(17)}`, ...rows].join('\n');
}

export function storageTable(runs: RunResult[], ctx: Context): string {
  const rows = runs
    .filter((r) => r.storage && r.storage.spans > 0)
    .map((r) => {
      const st = r.storage!;
      const t = templateFor(ctx, r.scenario.messageKb);
      const otlp = t.protobuf.length / t.spans;
      const total = (st.spansTotalBytes + st.tracesTotalBytes) / st.spans;
      return (
        `| ${r.scenario.label}${r.scenario.embedded ? ' (PGlite)' : ''} | ${fmtInt(st.spans)} | ${fmtInt(st.heapBytes / st.spans)} | ` +
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

export function statementsTable(r: RunResult): string {
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

export function ceilingTable(ceilings: Ceiling[], runs: RunResult[]): string {
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
export function ceilingText(c: Ceiling): string {
  const after = ceilingOf(c, 'traces-after');
  const spans = ceilingOf(c, 'spans');
  const against = after
    ? `the mean of ${fmtInt(ceilingOf(c, 'traces'))} before and ${fmtInt(after)} after the bridge runs`
    : fmtInt(ceilingOf(c, 'traces'));
  return `(ceiling: ${against} spans/s${spans ? `; spans-only COPY: ${fmtInt(spans)} spans/s` : ''})`;
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
  const embedded = Math.max(0, ...runs.filter((r) => r.scenario.embedded).map((r) => r.spansPerSecond));
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
      'embedded PGlite ≥ 5,000 spans/s',
      embedded ? `${fmtInt(embedded)} spans/s` : 'n/a',
      embedded ? embedded >= 5000 : null,
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
