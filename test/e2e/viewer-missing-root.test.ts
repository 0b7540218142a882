/**
 * A trace whose root span never arrives (MLflow with opentelemetry-sdk ≥ 1.43 drops the root of a trace with tags)
 * stays IN_PROGRESS in the table, as a function of its spans; the viewer says when the root is overdue — computed
 * when read, from how long ago the trace's last span arrived. The trace's age is made by moving its row's
 * updated_at (the time of its last write) an hour back, as an hour of waiting would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';
import { spawnBridge } from '../support/process.js';

async function cli(args: string[], env: Record<string, string>) {
  const p = spawnBridge(args, { TZ: 'UTC', NO_COLOR: '1', COLUMNS: '200', ...env });
  let stdout = '';
  p.child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const code = await p.exited;
  return { code, stdout, stderr: p.stderr };
}

/** A trace of one child span whose parent (the root) is never sent. */
async function rootless(port: number, name: string): Promise<string> {
  const traceId = hexId(16);
  const start = BigInt(Date.now()) * 1_000_000n;
  const body = protobufRequest([
    {
      resource: { 'service.name': 'rootless' },
      spans: [{ traceId, spanId: hexId(8), parentSpanId: hexId(8), name, start, end: start + 1_000_000n }],
    },
  ]);
  const res = await postOtlp(port, '/v1/traces', body, { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  return traceId;
}

describe('the viewer on a trace whose root span never came', () => {
  let tdb: TestDatabase;
  let bridge: RunningBridge;
  let old: string;
  let fresh: string;
  before(async () => {
    tdb = await freshDatabase();
    bridge = await startTestBridge({ databaseUrl: tdb.url });
    old = await rootless(bridge.httpPort, 'child of a dropped root');
    fresh = await rootless(bridge.httpPort, 'child, root still on its way');
    await tdb.db.query(`UPDATE traces SET updated_at = now() - interval '1 hour' WHERE trace_id = $1`, [old]);
  });
  after(async () => {
    await bridge?.stop();
    await tdb?.drop();
  });

  it('traces: NO ROOT for the old one, with a note saying why; IN_PROGRESS for the recent one', async () => {
    const r = await cli(['traces'], { DATABASE_URL: tdb.url });
    assert.equal(r.code, 0, r.stderr);
    const oldLine = r.stdout.split('\n').find((l) => l.includes(old.slice(0, 12)))!;
    const freshLine = r.stdout.split('\n').find((l) => l.includes(fresh.slice(0, 12)))!;
    assert.match(oldLine, /NO ROOT/);
    assert.match(freshLine, /IN_PROGRESS/);
    assert.match(r.stdout, /NO ROOT: still no root span 10 min after the trace's last span arrived/);
    // The stored row is unchanged: still a function of its spans.
    const row = await tdb.db.query<{ state: string }>('SELECT state FROM traces WHERE trace_id = $1', [old]);
    assert.equal(row.rows[0]!.state, 'IN_PROGRESS');
  });

  it('trace: the header says the root never came; --json has root_missing', async () => {
    const r = await cli(['trace', old], { DATABASE_URL: tdb.url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no root span: its last span arrived .* and the root never came/);
    const j = await cli(['trace', old, '--json'], { DATABASE_URL: tdb.url });
    assert.equal(JSON.parse(j.stdout).trace.root_missing, true);
    const f = await cli(['trace', fresh, '--json'], { DATABASE_URL: tdb.url });
    assert.equal(JSON.parse(f.stdout).trace.root_missing, false);
    const plain = await cli(['trace', fresh], { DATABASE_URL: tdb.url });
    assert.doesNotMatch(plain.stdout, /no root span/);
  });
});
