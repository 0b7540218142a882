/**
 * Embedded mode, as a newcomer runs it: no DATABASE_URL, so the bridge runs the embedded PostgreSQL 17 in its data
 * directory. One cluster (one initdb, seconds) is shared by every step below, in order:
 * the start line and `db-url`; credentials (a wrong password, another user, the reader writing: refused); other
 * sessions holding an aborted transaction, an uncommitted delete and a long query while exports go on at their
 * normal latency; a second `serve` refused; `traces` and `migrate` using the running server; SIGKILL mid-load and a
 * restart that loses nothing acknowledged; SIGTERM leaving nothing listening; `migrate` on a stopped directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import pg from 'pg';
import { flatTrace } from '../faults/support/load.js';
import { errorCode, httpRequest, PB, waitUntil } from '../faults/support/net.js';
import { REPLY, sendAgentTrace, USER_MESSAGE } from '../support/agent-trace.js';
import { hexId, protobufRequest } from '../support/otlp.js';
import { freePort } from '../support/pg-server.mjs';
import { type BridgeProcess, spawnBridge, waitForLog } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tracebridge-embedded-'));
let env: Record<string, string | undefined>;
let httpPort: number;
let pgPort: number;
let bridge: BridgeProcess | null = null;
let ownerUrl: string;
let readerUrl: string;

before(async () => {
  [httpPort, pgPort] = [await freePort(), await freePort()];
  env = {
    DATABASE_URL: undefined,
    TRACEBRIDGE_DATA_DIR: dataDir,
    TRACEBRIDGE_HTTP_PORT: String(httpPort),
    TRACEBRIDGE_GRPC_PORT: String(await freePort()),
    TRACEBRIDGE_PG_PORT: String(pgPort),
    TRACEBRIDGE_PG_HOST: undefined,
    TRACEBRIDGE_HOST: undefined,
  };
});
after(async () => {
  if (bridge && bridge.child.exitCode === null) {
    bridge.child.kill('SIGTERM');
    await bridge.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the CLI to completion: exit code, stdout, stderr, and how long it took. */
async function cli(args: string[], extraEnv: Record<string, string | undefined> = {}) {
  const started = Date.now();
  const p = spawnBridge(args, { ...env, ...extraEnv });
  let stdout = '';
  p.child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const code = await p.exited;
  return { code, stdout, stderr: p.stderr, ms: Date.now() - started };
}

async function startServe(): Promise<BridgeProcess> {
  const p = spawnBridge([], env);
  await waitForLog(p, /tracebridge listening/, 120_000);
  return p;
}

async function query<R = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

const spanCount = async (traceId: string): Promise<number> =>
  Number(
    (await query(ownerUrl, 'SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [traceId]))[0]!.n,
  );

/** One raw OTLP/protobuf export of a fresh 5-span trace; resolves with its trace id, HTTP status and latency. */
async function exportTrace(agent?: http.Agent): Promise<{ traceId: string; status: number; ms: number }> {
  const traceId = hexId(16);
  const body = protobufRequest([
    {
      resource: { 'service.name': 'embedded-e2e' },
      spans: flatTrace(
        traceId,
        [1, 2, 3, 4, 5].map(() => hexId(8)),
      ),
    },
  ]);
  const started = performance.now();
  const r = await httpRequest(httpPort, 'POST', '/v1/traces', body, PB, { agent, timeoutMs: 30_000 });
  return { traceId, status: r.status, ms: performance.now() - started };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('embedded PostgreSQL mode (one shared cluster)', () => {
  it('starts, shows the URL without a password, and db-url prints working URLs', async () => {
    bridge = await startServe();
    const line = bridge.logs.find((l) => /tracebridge listening/.test(String(l.msg)))!;
    const shown = `postgres://tracebridge@127.0.0.1:${pgPort}/tracebridge`;
    assert.ok(String(line.msg).includes(shown), String(line.msg));
    assert.match(String(line.msg), /embedded PostgreSQL 17/);

    const owner = await cli(['db-url']);
    const reader = await cli(['db-url', '--read-only']);
    assert.equal(owner.code, 0, owner.stderr);
    assert.equal(reader.code, 0, reader.stderr);
    ownerUrl = owner.stdout.trim();
    readerUrl = reader.stdout.trim();
    assert.match(
      ownerUrl,
      new RegExp(`^postgres://tracebridge:[^@]{20,}@127\\.0\\.0\\.1:${pgPort}/tracebridge$`),
    );
    assert.match(
      readerUrl,
      new RegExp(`^postgres://tracebridge_readonly:[^@]{20,}@127\\.0\\.0\\.1:${pgPort}/`),
    );
    // The password never appears in the log.
    const password = new URL(ownerUrl).password;
    assert.ok(!JSON.stringify(bridge.logs).includes(password));

    const ids = await sendAgentTrace(
      new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }),
    );
    const traces = await query(readerUrl, 'SELECT * FROM traces WHERE trace_id = $1', [ids.traceId]);
    assert.equal(traces.length, 1);
    assert.equal(traces[0]!.span_count, 3);
    assert.equal(traces[0]!.request_preview, USER_MESSAGE);
    assert.equal(traces[0]!.response_preview, REPLY);
  });

  it('refuses a wrong password, other users, and writes by the read-only role', async () => {
    const wrong = new URL(ownerUrl);
    wrong.password = 'not-the-password';
    await assert.rejects(query(wrong.toString(), 'SELECT 1'), (e: { code?: string }) => e.code === '28P01');
    const wrongReader = new URL(readerUrl);
    wrongReader.password = 'not-the-password';
    await assert.rejects(
      query(wrongReader.toString(), 'SELECT 1'),
      (e: { code?: string }) => e.code === '28P01',
    );
    for (const user of ['postgres', 'root', 'tracebridge_reader']) {
      const other = new URL(ownerUrl);
      other.username = user;
      await assert.rejects(
        query(other.toString(), 'SELECT 1'),
        (e: { code?: string }) => e.code === '28000' || e.code === '28P01',
        user,
      );
    }
    // The reader reaches only the tracebridge database, and only reads.
    const otherDb = new URL(readerUrl);
    otherDb.pathname = '/postgres';
    await assert.rejects(query(otherDb.toString(), 'SELECT 1'), (e: { code?: string }) => e.code === '28000');
    await assert.rejects(query(readerUrl, 'DELETE FROM spans'), (e: { code?: string }) => e.code === '25006');
    await assert.rejects(
      query(readerUrl, 'BEGIN READ WRITE; DELETE FROM spans'),
      (e: { code?: string }) => e.code === '42501',
    );
  });

  it('other sessions (aborted transaction, uncommitted delete, long query) do not slow or lose exports', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await exportTrace(agent);
      assert.equal(r.status, 200);
      baseline.push(r.ms);
    }
    const before = Number((await query(ownerUrl, 'SELECT count(*)::int AS n FROM spans'))[0]!.n);

    const aborted = new pg.Client({ connectionString: ownerUrl });
    const deleter = new pg.Client({ connectionString: ownerUrl });
    const sleeper = new pg.Client({ connectionString: readerUrl });
    await Promise.all([aborted.connect(), deleter.connect(), sleeper.connect()]);
    try {
      await aborted.query('BEGIN');
      await assert.rejects(aborted.query('SELECT 1/0'));
      await deleter.query('BEGIN');
      const deleted = await deleter.query('DELETE FROM spans');
      assert.equal(deleted.rowCount, before);
      const long = sleeper.query('SELECT pg_sleep(5)');

      const during: { traceId: string; status: number; ms: number }[] = [];
      for (let i = 0; i < 10; i++) during.push(await exportTrace(agent));
      assert.deepEqual(
        during.map((r) => r.status),
        Array(10).fill(200),
      );
      const slowest = Math.max(...during.map((r) => r.ms));
      const normal = Math.max(...baseline);
      assert.ok(
        slowest < Math.max(1000, normal * 5),
        `exports took up to ${slowest} ms (normal ${normal} ms)`,
      );
      await long;

      await deleter.query('ROLLBACK');
      await aborted.query('ROLLBACK');
      for (const r of during) assert.equal(await spanCount(r.traceId), 5, r.traceId);
      const afterRollback = Number((await query(ownerUrl, 'SELECT count(*)::int AS n FROM spans'))[0]!.n);
      assert.equal(afterRollback, before + 10 * 5, 'the rolled-back delete removed nothing');
    } finally {
      agent.destroy();
      await Promise.all([aborted.end(), deleter.end(), sleeper.end()]);
    }
  });

  it('refuses a second serve on the directory, while traces and migrate use the running server', async () => {
    const second = await cli([]);
    assert.equal(second.code, 2);
    assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`data directory ${dataDir} is in use by process ${bridge!.child.pid}`),
    );
    assert.ok(second.ms < 15_000, `refused after ${second.ms} ms`);
    // On other ports too: it is the directory that is refused.
    const elsewhere = await cli([], {
      TRACEBRIDGE_HTTP_PORT: String(await freePort()),
      TRACEBRIDGE_GRPC_PORT: String(await freePort()),
      TRACEBRIDGE_PG_PORT: String(await freePort()),
    });
    assert.equal(elsewhere.code, 2, elsewhere.stderr);
    assert.match(
      elsewhere.stderr,
      new RegExp(
        `^tracebridge: TRACEBRIDGE_DATA_DIR: data directory ${dataDir} is in use by process ${bridge!.child.pid}\n$`,
      ),
    );

    const traces = await cli(['traces']);
    assert.equal(traces.code, 0, traces.stderr);
    assert.match(traces.stdout, /[0-9a-f]{12}/);
    const migrate = await cli(['migrate']);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /schema is up to date/);
    assert.equal(bridge!.child.exitCode, null, 'the bridge still runs');
  });

  it('kill -9 mid-load, then a restart: nothing acknowledged is lost', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const acked: string[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await exportTrace(agent);
          if (r.status === 200) acked.push(r.traceId);
        } catch (err) {
          if (!stop) throw new Error(`export failed before the kill: ${errorCode(err)}`);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await waitUntil(() => acked.length >= 40, 60_000, '40 acknowledged exports');
    bridge!.child.kill('SIGKILL');
    stop = true;
    await bridge!.exited;
    await Promise.allSettled(workers);
    agent.destroy();

    bridge = await startServe();
    assert.ok(
      bridge.logs.some((l) => /left running/.test(String(l.msg))),
      'the server the killed bridge left was found and stopped',
    );
    const rows = await query<{ trace_id: string; n: number }>(
      ownerUrl,
      'SELECT trace_id, count(*)::int AS n FROM spans WHERE trace_id = ANY($1) GROUP BY trace_id',
      [acked],
    );
    const stored = new Map(rows.map((r) => [r.trace_id, r.n]));
    assert.deepEqual(
      acked.filter((id) => stored.get(id) !== 5),
      [],
      `every acknowledged export (${acked.length}) is stored`,
    );
  });

  it('SIGTERM stops the bridge and its server: nothing is left listening', async () => {
    bridge!.child.kill('SIGTERM');
    assert.equal(await bridge!.exited, 0);
    bridge = null;
    assert.ok(await refusesConnections(pgPort), 'the PostgreSQL port is closed');
    assert.ok(await refusesConnections(httpPort), 'the HTTP port is closed');
    assert.ok(!existsSync(join(dataDir, 'postgres', 'postmaster.pid')), 'the postmaster exited');
    assert.ok(!existsSync(join(dataDir, 'tracebridge.lock')), 'the lock is released');
  });

  it('migrate on a stopped directory starts its own server under the lock, then stops it', async () => {
    const migrate = await cli(['migrate']);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /started for this command/);
    assert.ok(await refusesConnections(pgPort));
    assert.ok(!existsSync(join(dataDir, 'tracebridge.lock')));
  });
});
