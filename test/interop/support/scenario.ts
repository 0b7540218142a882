/**
 * One interop scenario: a fresh database on the run's Postgres, the real bridge in-process on ephemeral ports
 * capturing every request body, and the fake OpenAI-compatible model server. A client program then runs as a
 * subprocess with an environment that points its exporter at the bridge and its OpenAI client at the fake server;
 * the test reads the rows back.
 *
 * INTEROP_SAVE_CAPTURES=1 writes what the client sent, converted to OTLP/JSON, to test/fixtures/captured/<client>/
 * (see save-captures.ts). INTEROP_VERBOSE=1 prints each client's output and span tree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningBridge } from '../../../cli/bridge.js';
import { startTestBridge } from '../../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../../support/db.js';
import { type FakeModelServer, type Script, startFakeModelServer } from '../fake-model-server.js';
import { assertOk, INTEROP_DIR, type RunResult, run } from './python.js';
import { saveCaptures } from './save-captures.js';

export const CAPTURED_DIR = fileURLToPath(new URL('../../fixtures/captured/', import.meta.url));

export type Row = Record<string, unknown>;

export interface Scenario {
  tdb: TestDatabase;
  bridge: RunningBridge;
  model: FakeModelServer;
  captureDir: string;
  /** A clean environment for a client process: no inherited OTEL_* / OPENAI_*, the fake model configured. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  httpEndpoint: string;
  grpcEndpoint: string;
  /** Every span row (with `experiment_name`), ordered by start time. */
  spans(): Promise<Row[]>;
  traces(): Promise<Row[]>;
  /** Polls until at least `n` spans are stored (exporters may still be flushing when a process exits). */
  waitForSpans(n: number, timeoutMs?: number): Promise<Row[]>;
  /** Stops the bridge and the model server, saves captures when asked, drops the database. */
  finish(client: string): Promise<void>;
}

const INHERITED_PREFIXES = [
  'OTEL_',
  'OPENAI_',
  'MLFLOW_',
  'TRACELOOP_',
  'PHOENIX_',
  'OPENINFERENCE_',
  'AUTOGEN_',
  // node:test marks its own child processes; a client program must not look like one.
  'NODE_TEST_',
];

export async function startScenario(script?: Script): Promise<Scenario> {
  const tdb = await freshDatabase();
  const captureDir = mkdtempSync(join(tmpdir(), 'tracebridge-capture-'));
  const bridge = await startTestBridge({ databaseUrl: tdb.url, captureDir });
  const model = await startFakeModelServer(script);
  const httpEndpoint = `http://127.0.0.1:${bridge.httpPort}`;
  const grpcEndpoint = `http://127.0.0.1:${bridge.grpcPort}`;

  const spans = async (): Promise<Row[]> =>
    (
      await tdb.db.query<Row>(
        `SELECT s.*, e.name AS experiment_name FROM spans s JOIN experiments e USING (experiment_id)
         ORDER BY s.start_time_unix_nano, s.end_time_unix_nano, s.span_id`,
      )
    ).rows;

  return {
    tdb,
    bridge,
    model,
    captureDir,
    httpEndpoint,
    grpcEndpoint,
    env(extra = {}) {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (!INHERITED_PREFIXES.some((p) => k.startsWith(p))) env[k] = v;
      }
      return {
        ...env,
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: 'sk-tracebridge-interop',
        BRIDGE_HTTP_ENDPOINT: httpEndpoint,
        BRIDGE_GRPC_ENDPOINT: grpcEndpoint,
        // No phoning home from any client library, and Python output as it happens.
        MLFLOW_DISABLE_TELEMETRY: 'true',
        DO_NOT_TRACK: '1',
        TRACELOOP_TELEMETRY: 'false',
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost',
        ...extra,
      };
    },
    spans,
    async traces() {
      return (
        await tdb.db.query<Row>(
          `SELECT t.*, e.name AS experiment_name FROM traces t JOIN experiments e USING (experiment_id)
           ORDER BY t.start_time_unix_nano`,
        )
      ).rows;
    },
    async waitForSpans(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await spans();
        if (rows.length >= n || Date.now() > deadline) return rows;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async finish(client) {
      try {
        await bridge.stop();
        await model.close();
        // Every run converts what the client sent (and checks the conversion against the protobuf decoder);
        // INTEROP_SAVE_CAPTURES=1 keeps the result as the client's fixtures.
        const save = process.env.INTEROP_SAVE_CAPTURES === '1';
        saveCaptures(captureDir, save ? join(CAPTURED_DIR, client) : join(captureDir, 'otlp-json'));
      } finally {
        rmSync(captureDir, { recursive: true, force: true });
        await tdb.drop();
      }
    },
  };
}

/**
 * Start order. The OTel JS SDK stamps span starts with millisecond precision, so a fast tool call and the model
 * call right after it can start in the same millisecond: the span that ends first came first.
 */
const byStart = (a: Row, b: Row): number => {
  const key = (r: Row, c: string) => BigInt(r[c] as string);
  const d = key(a, 'start_time_unix_nano') - key(b, 'start_time_unix_nano');
  const e = key(a, 'end_time_unix_nano') - key(b, 'end_time_unix_nano');
  return d < 0n ? -1 : d > 0n ? 1 : e < 0n ? -1 : e > 0n ? 1 : 0;
};

/**
 * The span tree as MLflow's trace view lists it: one line per span, `TYPE name`, children indented under their
 * parent in start order. Spans whose parent was not stored are listed as roots.
 */
export function tree(rows: Row[], label: (r: Row) => string = (r) => `${r.span_type} ${r.name}`): string {
  const ids = new Set(rows.map((r) => `${r.trace_id}/${r.span_id}`));
  const children = new Map<string, Row[]>();
  const roots: Row[] = [];
  for (const r of rows) {
    const parent = r.parent_span_id ? `${r.trace_id}/${r.parent_span_id}` : null;
    if (parent && ids.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(r);
      children.set(parent, list);
    } else roots.push(r);
  }
  const lines: string[] = [];
  const walk = (r: Row, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${label(r)}`);
    for (const c of (children.get(`${r.trace_id}/${r.span_id}`) ?? []).sort(byStart)) walk(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) walk(r, 0);
  return lines.join('\n');
}

/** The spans of one trace. */
export const ofTrace = (rows: Row[], traceId: string): Row[] => rows.filter((r) => r.trace_id === traceId);

/** The one span with this name (and type, when given); fails listing the names when there is not exactly one. */
export function one(rows: Row[], name: string | RegExp, type?: string): Row {
  const hits = rows.filter(
    (r) =>
      (typeof name === 'string' ? r.name === name : name.test(r.name as string)) &&
      (type === undefined || r.span_type === type),
  );
  if (hits.length !== 1) {
    throw new Error(
      `expected exactly one span ${String(name)}${type ? ` of type ${type}` : ''}, found ${hits.length} in:\n${tree(rows)}`,
    );
  }
  return hits[0]!;
}

export function all(rows: Row[], name: string | RegExp, type?: string): Row[] {
  return rows.filter(
    (r) =>
      (typeof name === 'string' ? r.name === name : name.test(r.name as string)) &&
      (type === undefined || r.span_type === type),
  );
}

/** Sum of a bigint column (stored as a decimal string, NULL as null) over rows. */
export function sum(rows: Row[], column: string): number {
  return rows.reduce((n, r) => n + (r[column] === null ? 0 : Number(r[column])), 0);
}

export function verbose(...parts: unknown[]): void {
  if (process.env.INTEROP_VERBOSE === '1') console.log(...parts);
}

/** How long one client program may run. */
export const CLIENT_TIMEOUT_MS = 180_000;

/** Runs a client program with the scenario's environment; fails with its output when it fails or times out. */
export async function runClient(
  label: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = CLIENT_TIMEOUT_MS,
): Promise<RunResult> {
  const r = await run(cmd, args, { env, cwd: INTEROP_DIR, timeoutMs });
  verbose(`--- ${label}: exit ${r.code} in ${r.ms} ms\n${r.stdout}${r.stderr}`);
  return assertOk(label, r);
}

/** Runs a TypeScript client program (test/interop/js/*.ts) with node --import tsx. */
export function runNodeClient(file: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runClient(
    file,
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`../js/${file}`, import.meta.url))],
    env,
  );
}

/** A trace's name, state, experiment and token totals: what most clients' tests check of their traces first. */
export const TRACE_TOTALS = [
  'name',
  'state',
  'experiment_name',
  'input_tokens',
  'output_tokens',
  'total_tokens',
];

/** These columns of each row, in this order. */
export const pick = (rows: Row[], columns: string[]): unknown[][] =>
  rows.map((r) => columns.map((c) => r[c]));
