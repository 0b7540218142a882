/**
 * What bench/read.ts and bench/read-ingest.ts share: the load generator as a child process (bench/loadgen.ts,
 * OTLP/HTTP protobuf into a real bridge), the committed-span counter, and a fresh migrated database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrate } from '../store/migrate.js';
import { connectPostgres } from '../store/postgres.js';
import { ROOT } from './bridge-proc.js';
import type { LoadgenConfig, LoadgenResult } from './loadgen.js';
import { databaseUrl } from './pg.js';
import { newIdScheme, SPANS_PER_REQUEST } from './workload.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

/** The indexes of migrations 008, 011 and 013 that only the read side uses (what "without" drops). */
export const READ_INDEXES = [
  'traces_state_start_id_idx',
  'traces_failed_start_id_idx',
  'traces_tags_idx',
  'traces_span_types_idx',
  'traces_duration_idx',
  'traces_search_idx',
  'traces_session_time_idx',
  'traces_session_response_idx',
  'traces_multi_trace_run_idx',
];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Load generators still running (killed when the bench exits, however it exits). */
export const children = new Set<ChildProcess>();

/** Adds a child (a load generator, a bridge) to `children` until it exits. */
export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export interface Loadgen {
  child: ChildProcess;
  ready: Promise<unknown>;
  result: Promise<LoadgenResult>;
}

export function startLoadgen(cfg: LoadgenConfig): Loadgen {
  const child = spawn(process.execPath, ['--import', 'tsx', LOADGEN, JSON.stringify(cfg)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
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
  return { child, ready, result };
}

export interface LoadShape {
  clients: number;
  messageKb: number;
}

export function loadgenConfig(
  shape: LoadShape,
  ports: { http: number; grpc: number },
  poolRequests: number,
): LoadgenConfig {
  return {
    protocol: 'http-protobuf',
    clients: shape.clients,
    messageKb: shape.messageKb,
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

/** Spans committed so far, counted from the trace rows (each row's span_count is written with its spans). */
export async function committedSpans(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>('SELECT coalesce(sum(span_count), 0)::text AS n FROM traces');
  return Number(r.rows[0]!.n);
}

/**
 * Drops and re-creates database `name` on the server, migrated (the project's migrate), optionally without the read
 * indexes; `template`: a copy of that database
 * (its files copied: no WAL for the copy) instead of an empty one.
 */
export async function freshDatabase(
  admin: pg.Client,
  server: string,
  name: string,
  withIndexes: boolean,
  template?: string,
) {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(
    template ? `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY` : `CREATE DATABASE ${name}`,
  );
  const url = databaseUrl(server, name);
  const db = connectPostgres({ connectionString: url, max: 1 });
  await migrate(db);
  if (!withIndexes) for (const idx of READ_INDEXES) await db.query(`DROP INDEX ${idx}`);
  await db.close();
  return url;
}
