/**
 * The COPY ceiling: the identical rows COPYed straight into the same schema (bench/copy.ts), in variants that show
 * what each part of the write costs.
 */
import pg from 'pg';
import { loadConfig } from '../cli/config.js';
import { type CeilingResult, measureCeiling, rowFactory } from './copy.js';
import { databaseUrl } from './pg.js';
import { machineCpu, treeCpuSeconds } from './proc.js';
import { fmtInt } from './report.js';
import { type Context, measureStorage, templateFor, waitQuiet } from './scenario.js';
import { newIdScheme } from './workload.js';

// ---- ceiling ----

export interface CeilingVariant {
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
export const CEILING_VARIANTS: CeilingVariant[] = [
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

export const LARGE_JSONB_COLUMNS = [
  'inputs',
  'outputs',
  'input_messages',
  'output_messages',
  'attributes',
  'events',
];

export interface Ceiling {
  messageKb: number;
  results: {
    variant: CeilingVariant;
    result: CeilingResult;
    bytesPerSpan: number;
    pgCpu: number;
    otherCpu: number;
  }[];
}

export const ceilingOf = (c: Ceiling | undefined, key: CeilingVariant['key']) =>
  c?.results.find((r) => r.variant.key === key)?.result.spansPerSecond ?? 0;

/**
 * The spans + traces ceiling the ratio is taken against: the mean of its measurements before and after the bridge
 * runs when both exist. The same COPY varies by up to ±20 % over minutes on a shared machine; bracketing the
 * bridge runs keeps one lucky or unlucky ceiling from deciding the ratio, and the report shows both.
 */
export function ratioCeiling(c: Ceiling | undefined): number {
  const before = ceilingOf(c, 'traces');
  const after = ceilingOf(c, 'traces-after');
  return before && after ? (before + after) / 2 : before;
}

/** The spans + traces ceiling once more, at the end of the bridge runs (ratioCeiling). */
export const TRACES_AFTER: CeilingVariant = {
  ...CEILING_VARIANTS.find((v) => v.key === 'traces')!,
  key: 'traces-after',
  label: 'COPY spans + traces, again after the bridge runs',
};

export async function runCeiling(
  ctx: Context,
  messageKb: number,
  variants: CeilingVariant[],
): Promise<Ceiling> {
  const out: Ceiling = { messageKb, results: [] };
  // A short unrecorded pass first: the first COPY after start-up pays for cold caches and file extension.
  await copyVariant(ctx, messageKb, variants[0]!, Math.min(40, ctx.opts.ceilingRequests), false);
  for (const variant of variants) out.results.push(await measureCopy(ctx, messageKb, variant));
  return out;
}

/** One recorded COPY of `variant`, repeated (up to opts.retryNoisy times) when something else ran during it. */
export async function measureCopy(
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

export async function copyVariant(
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
