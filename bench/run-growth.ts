/**
 * How the cost of writing a trace grows as one run grows (docs/performance.md, "Runs"): N traces of 3 spans, each
 * written in its own transaction (an agent service exporting one delivered message at a time), each trace's root
 * linking to a span of an earlier trace of the same run — the previous one (`chain`, AutoGen's shape) or a random
 * earlier one (`random`) — against the same traces with no links (`none`). Reports ms per trace for each block of
 * traces: flat blocks mean linear total cost.
 *
 *   node --import tsx bench/run-growth.ts [--traces 10000] [--block 1000] [--shapes none,chain,random] [--durable]
 *
 * A throwaway PostgreSQL (bench/pg.ts) with synchronous_commit=off, so that a commit's wait for the disk (10-20 ms
 * per transaction on the bench machine, the same for every shape) does not hide how the work itself grows; the
 * real span writer (store/span-writer.ts). --durable keeps synchronous_commit on.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { mapSpan } from '../mapper/index.js';
import type { DecodedSpan } from '../otlp/model.js';
import type { SpanRecord } from '../store/columns.js';
import { encodeSpan } from '../store/encoded-span.js';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { writeSpanBatch } from '../store/span-writer.js';
import { databaseUrl, startBenchPostgres } from './pg.js';

const { values: flags } = parseArgs({
  options: {
    traces: { type: 'string', default: '10000' },
    block: { type: 'string', default: '1000' },
    shapes: { type: 'string', default: 'none,chain,random' },
    durable: { type: 'boolean', default: false },
  },
  strict: true,
});
const traces = Number(flags.traces);
const block = Number(flags.block);
const shapes = flags.shapes.split(',');

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const BASE = BigInt(Date.now()) * 1_000_000n;

function span(
  traceId: string,
  spanId: string,
  parent: string,
  name: string,
  at: bigint,
  links: [string, string][],
): SpanRecord {
  const decoded: DecodedSpan = {
    traceId,
    spanId,
    parentSpanId: parent,
    traceState: '',
    flags: 0,
    name,
    kind: 1,
    startTimeUnixNano: at,
    endTimeUnixNano: at + 1_000_000n,
    attributes: { 'messaging.operation': 'process' },
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: links.map(([t, s]) => ({
      traceId: t,
      spanId: s,
      traceState: '',
      flags: 0,
      attributes: {},
      droppedAttributesCount: 0,
    })),
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
  const row = mapSpan({
    span: decoded,
    resource: { 'service.name': 'run-growth' },
    scope: { name: 'bench', version: '', attributes: {} },
  });
  return { ...row, experiment_id: '0' } as unknown as SpanRecord;
}

async function measure(shape: string, url: string): Promise<number[]> {
  const db = connectPostgres({ connectionString: url, max: 1 });
  await migrate(db);
  const roots: [string, string][] = [];
  const perBlock: number[] = [];
  let started = performance.now();
  for (let i = 0; i < traces; i++) {
    const traceId = hex(16);
    const root = hex(8);
    const at = BASE + BigInt(i) * 10_000_000n;
    const target =
      i === 0 || shape === 'none'
        ? null
        : shape === 'chain'
          ? roots[i - 1]!
          : roots[Math.floor(Math.random() * roots.length)]!;
    const records = [
      span(traceId, root, '', 'autogen process', at, target ? [target] : []),
      span(traceId, hex(8), root, 'invoke_agent', at + 100n, []),
      span(traceId, hex(8), root, 'autogen publish', at + 200n, []),
    ];
    roots.push([traceId, root]);
    await db.transaction((tx) =>
      writeSpanBatch(
        tx,
        records.map((r) => encodeSpan(r)),
      ),
    );
    if ((i + 1) % block === 0) {
      const now = performance.now();
      perBlock.push((now - started) / block);
      started = now;
    }
  }
  const check = await db.query<{ runs: string; biggest: string }>(
    'SELECT count(DISTINCT run_id)::text AS runs, max(n)::text AS biggest FROM (SELECT run_id, count(*) OVER (PARTITION BY run_id) AS n FROM traces) x',
  );
  // Every trace is new when written (COPYed), so the updates of trace rows are the relabellings of runs.
  const relabelled = await db.query<{ n: string }>(
    `SELECT n_tup_upd::text AS n FROM pg_stat_user_tables WHERE relname = 'traces'`,
  );
  console.log(
    `${shape}: ${check.rows[0]!.runs} run(s), the largest of ${check.rows[0]!.biggest} traces; ` +
      `${relabelled.rows[0]!.n} trace rows relabelled in all`,
  );
  await db.close();
  return perBlock;
}

const pg = await startBenchPostgres(flags.durable ? [] : ['synchronous_commit=off']);
try {
  const admin = connectPostgres({ connectionString: pg.url, max: 1 });
  const results = new Map<string, number[]>();
  for (const shape of shapes) {
    const name = `growth_${shape}`;
    await admin.query(`CREATE DATABASE ${name}`);
    results.set(shape, await measure(shape, databaseUrl(pg.url, name)));
  }
  await admin.close();
  console.log(`\nms per trace (3 spans, one transaction each), by block of ${block} traces:`);
  console.log(['traces', ...shapes].map((s) => s.padStart(10)).join(''));
  for (let b = 0; b < traces / block; b++) {
    const row = [String((b + 1) * block), ...shapes.map((s) => results.get(s)![b]!.toFixed(3))];
    console.log(row.map((s) => s.padStart(10)).join(''));
  }
} finally {
  pg.destroy();
}
