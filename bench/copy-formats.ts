/**
 * Would binary COPY pay? Measures both sides of the question on the bench's spans (docs/performance.md, fifth
 * round):
 *   - Postgres: the same span rows (written by the bridge, then dumped by the server) loaded again with
 *     server-side `COPY spans FROM '<file>'` in text, CSV and binary format; CPU seconds of the backend per span.
 *   - The bridge: encoding a mapped row as its binary COPY fields (store/copy-binary.ts, what the writer sends)
 *     against its COPY text line (bench/copy.ts's text encoder, what the writer sent until the fifth round).
 * Before timing, both encodings of the same rows are COPYed into two tables and must read back identical.
 *
 *   node --import tsx bench/copy-formats.ts [--requests 60] [--repeats 3]
 */

import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mapSpan } from '../mapper/index.js';
import { decodeTraceRequestProtobufFast } from '../otlp/decode-protobuf.js';
import { limitSpan } from '../pipeline/limits.js';
import { withoutZeroParent } from '../pipeline/validate.js';
import { SPAN_COLUMN_TYPES, SPAN_COLUMNS, type SpanRecord } from '../store/columns.js';
import {
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
  fieldCount,
  fieldsEncoder,
  int8Field,
} from '../store/copy-binary.js';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { postOtlp, startTestBridge } from '../test/support/bridge.js';
import { copyCell, copyFrom, textKind } from './copy.js';
import { startBenchPostgres } from './pg.js';
import { cpuSeconds } from './proc.js';
import { buildTemplate, instantiate, newIdScheme } from './workload.js';

const { values: flags } = parseArgs({
  options: { requests: { type: 'string', default: '60' }, repeats: { type: 'string', default: '3' } },
  strict: true,
});
const requests = Number(flags.requests);
const repeats = Number(flags.repeats);

const template = buildTemplate(1);

async function postgresSide(): Promise<void> {
  const server = await startBenchPostgres();
  try {
    const bridge = await startTestBridge({ databaseUrl: server.url });
    const ids = newIdScheme();
    for (let i = 0; i < requests; i++) {
      const body = instantiate(template, 'protobuf', ids, i, 0n);
      const r = await postOtlp(bridge.httpPort, '/v1/traces', body, {
        'content-type': 'application/x-protobuf',
      });
      if (r.status !== 200) throw new Error(`export answered ${r.status}`);
    }
    await bridge.stop();
    const c = new pg.Client(server.url);
    await c.connect();
    // The server writes and reads the files: its own user must reach them.
    chmodSync(server.dir, 0o777);
    const formats = [
      { name: 'text', file: join(server.dir, 'spans.txt'), options: '' },
      { name: 'csv', file: join(server.dir, 'spans.csv'), options: '(FORMAT csv)' },
      { name: 'binary', file: join(server.dir, 'spans.bin'), options: '(FORMAT binary)' },
    ];
    for (const f of formats) await c.query(`COPY spans TO '${f.file}' ${f.options}`);
    const spans = Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM spans')).rows[0]!.n);
    const backend = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    console.log(`Postgres: ${spans} spans loaded with COPY FROM a file, one backend, ${repeats} times each`);
    const perFormat = new Map<string, number[]>(formats.map((f) => [f.name, []]));
    for (let r = 0; r < repeats; r++) {
      // Interleaved, so a slow minute of the machine does not land on one format only.
      for (const f of formats) {
        await c.query('TRUNCATE spans');
        await c.query('CHECKPOINT');
        const cpu0 = cpuSeconds(backend);
        await c.query(`COPY spans FROM '${f.file}' ${f.options}`);
        perFormat.get(f.name)!.push(((cpuSeconds(backend) - cpu0) * 1e6) / spans);
      }
    }
    for (const [name, us] of perFormat)
      console.log(`  ${name.padEnd(7)} backend CPU ${us.map((x) => x.toFixed(1)).join(' / ')} µs per span`);
    await c.end();
  } finally {
    server.destroy();
  }
}

// ---- the bridge side ----

const LINE_COLUMNS = SPAN_COLUMNS.filter((c) => c !== 'experiment_id');
const binaryFields = fieldsEncoder(LINE_COLUMNS, SPAN_COLUMN_TYPES);
const TEXT_KINDS = LINE_COLUMNS.map(textKind);
/** The row's COPY text line after experiment_id (tab first, newline last). */
const textLine = (r: SpanRecord): Buffer =>
  Buffer.from(`\t${LINE_COLUMNS.map((c, i) => copyCell(r[c], TEXT_KINDS[i]!)).join('\t')}\n`, 'utf8');

function mappedRows(): SpanRecord[] {
  const ids = newIdScheme();
  const rows: SpanRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const req = decodeTraceRequestProtobufFast(instantiate(template, 'protobuf', ids, i, 0n));
    for (const rs of req.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const raw of ss.spans) {
          const span = limitSpan(withoutZeroParent(raw), 1 << 20);
          rows.push(mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope }));
        }
  }
  return rows;
}

function bridgeSide(rows: SpanRecord[]): void {
  const encoders: [string, (r: SpanRecord) => Buffer][] = [
    ['text line (bench/copy.ts)', textLine],
    ['binary fields (store/copy-binary.ts)', (r) => binaryFields(r)],
  ];
  console.log(`The bridge: one mapped row → its COPY bytes, ${rows.length} rows, ${repeats} times each`);
  for (const [label, encode] of encoders) {
    const results: string[] = [];
    for (let r = 0; r <= repeats; r++) {
      const t0 = process.hrtime.bigint();
      let bytes = 0;
      for (const row of rows) bytes += encode(row).length;
      const us = Number(process.hrtime.bigint() - t0) / 1000 / rows.length;
      // The first pass warms the JIT up and is not reported.
      if (r > 0) results.push(`${us.toFixed(1)} µs (${Math.round(bytes / rows.length)} B)`);
    }
    console.log(`  ${label.padEnd(32)} ${results.join(' / ')} per span`);
  }
}

/**
 * The binary encoder is only worth timing if it is right: the same rows COPYed as text lines and as binary rows
 * into two tables of the spans schema must read back identical.
 */
async function checkBinary(rows: SpanRecord[]): Promise<void> {
  const server = await startBenchPostgres();
  try {
    const db = connectPostgres({ connectionString: server.url });
    await migrate(db);
    await db.close();
    const c = new pg.Client(server.url);
    await c.connect();
    await c.query(`INSERT INTO experiments (experiment_id, name) VALUES (1, 'check')`);
    await c.query('CREATE TABLE spans_binary (LIKE spans INCLUDING ALL)');
    const columns = `experiment_id, ${LINE_COLUMNS.join(', ')}`;
    const text = rows.map((r) => Buffer.concat([Buffer.from('1'), textLine(r)]));
    await copyFrom(c, `COPY spans (${columns}) FROM STDIN`, text);
    const count = fieldCount(LINE_COLUMNS.length + 1);
    const experiment = int8Field('1', 'experiment_id');
    const chunks: Buffer[] = [COPY_BINARY_HEADER];
    for (const r of rows) chunks.push(count, experiment, binaryFields(r));
    chunks.push(COPY_BINARY_TRAILER);
    await copyFrom(c, `COPY spans_binary (${columns}) FROM STDIN (FORMAT binary)`, chunks);
    const differ = await c.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (
         (SELECT ${columns} FROM spans EXCEPT ALL SELECT ${columns} FROM spans_binary)
         UNION ALL (SELECT ${columns} FROM spans_binary EXCEPT ALL SELECT ${columns} FROM spans)) d`,
    );
    if (differ.rows[0]!.n !== '0') throw new Error(`binary and text rows differ: ${differ.rows[0]!.n} rows`);
    console.log(`check: ${rows.length} rows COPYed as text and as binary read back identical`);
    await c.end();
  } finally {
    server.destroy();
  }
}

const rows = mappedRows();
await checkBinary(rows);
bridgeSide(rows);
await postgresSide();
process.exit(0);
