/**
 * The SQL recompute path's cost per trace: traces whose spans arrive in two batches — every span but the root
 * first, then the root, as an exporter sends a long agent run whose root ends last — so the second batch finds
 * each trace stored and recomputes its row from the table (store/trace-aggregate.ts) instead of computing it in
 * JS. Times only the second batches' write transactions: wall time, and the CPU of the Postgres backend that runs
 * them (/proc), per recomputed trace. Rounds alternate with nothing else; compare two checkouts by running this
 * file in each, alternating (docs/performance.md).
 *
 *   node --import tsx bench/recompute.ts [--requests 40] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { writeSpanBatch } from '../store/span-writer.js';
import { rowFactory } from './copy.js';
import { startBenchPostgres } from './pg.js';
import { cpuSeconds } from './proc.js';
import { buildTemplate, newIdScheme } from './workload.js';

const { values: flags } = parseArgs({
  options: { requests: { type: 'string', default: '40' }, rounds: { type: 'string', default: '5' } },
  strict: true,
});
const requests = Number(flags.requests);
const rounds = Number(flags.rounds);

const server = await startBenchPostgres();
const db = connectPostgres({ connectionString: server.url, max: 1 });
try {
  await migrate(db);
  await db.query(
    `INSERT INTO experiments (experiment_id, name) VALUES (1, 'bench-agent') ON CONFLICT DO NOTHING`,
  );
  const backend = Number((await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
  const factory = rowFactory({
    template: buildTemplate(1),
    ids: newIdScheme(),
    baseShiftNs: 0n,
    experimentId: '1',
    maxAttributeLength: 1024 * 1024,
  });
  console.log(
    `recompute: ${requests} requests of ${factory.spansPerRequest} spans (${factory.tracesPerRequest} traces) per round`,
  );
  let seq = 0;
  for (let round = 1; round <= rounds; round++) {
    let wallMs = 0;
    let cpu = 0;
    let traces = 0;
    for (let r = 0; r < requests; r++) {
      const spans = factory.spanRows(seq++);
      const roots = spans.filter((s) => s.fields.parent_span_id === null);
      const rest = spans.filter((s) => s.fields.parent_span_id !== null);
      await db.transaction((tx) => writeSpanBatch(tx, rest));
      const c0 = cpuSeconds(backend);
      const t0 = performance.now();
      await db.transaction((tx) => writeSpanBatch(tx, roots));
      wallMs += performance.now() - t0;
      cpu += cpuSeconds(backend) - c0;
      traces += roots.length;
    }
    console.log(
      `round ${round}: ${((wallMs * 1000) / traces).toFixed(1)} µs wall, ` +
        `${((cpu * 1e6) / traces).toFixed(1)} µs Postgres CPU per recomputed trace (${traces} traces)`,
    );
  }
} finally {
  await db.close();
  server.destroy();
}
