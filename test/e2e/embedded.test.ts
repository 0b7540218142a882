/**
 * Embedded mode, as a newcomer runs it: no DATABASE_URL, so the bridge keeps its data in PGlite under the data
 * directory and serves it over the Postgres wire protocol; an OTel exporter sends a trace and `pg` queries it over
 * that port while the bridge runs; after SIGTERM and a restart the data is still there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import pg from 'pg';
import { REPLY, sendAgentTrace, USER_MESSAGE } from '../support/agent-trace.js';
import { freePort } from '../support/pg-server.mjs';
import { spawnBridge, waitForLog } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tracebridge-embedded-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function queryWire(port: number, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PGlite mode', () => {
  it('stores to PGlite, serves SQL on the wire port, survives a restart', async () => {
    const [httpPort, grpcPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DATABASE_URL: undefined,
      TRACEBRIDGE_DATA_DIR: dataDir,
      TRACEBRIDGE_HTTP_PORT: String(httpPort),
      TRACEBRIDGE_GRPC_PORT: String(grpcPort),
      TRACEBRIDGE_PG_PORT: String(pgPort),
    };
    const first = spawnBridge([], env);
    const line = await waitForLog(first, /tracebridge listening/);
    assert.match(String(line.msg), /embedded PGlite/);
    assert.match(String(line.msg), new RegExp(`127\\.0\\.0\\.1:${pgPort}`));

    const ids = await sendAgentTrace(
      new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }),
    );
    const traces = await queryWire(pgPort, 'SELECT * FROM traces WHERE trace_id = $1', [ids.traceId]);
    assert.equal(traces.length, 1);
    assert.equal(traces[0].state, 'OK');
    assert.equal(traces[0].span_count, 3);
    assert.equal(traces[0].request_preview, USER_MESSAGE);
    assert.equal(traces[0].response_preview, REPLY);
    const spans = await queryWire(
      pgPort,
      'SELECT span_type FROM spans WHERE trace_id = $1 ORDER BY start_time',
      [ids.traceId],
    );
    assert.deepEqual(
      spans.map((s) => s.span_type),
      ['AGENT', 'CHAT_MODEL', 'TOOL'],
    );

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = spawnBridge([], env);
    await waitForLog(second, /tracebridge listening/);
    const again = await queryWire(pgPort, 'SELECT span_count FROM traces WHERE trace_id = $1', [ids.traceId]);
    assert.equal(again[0]?.span_count, 3);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
  });
});
