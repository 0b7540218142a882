/**
 * `tracebridge remap`: after a mapper change (simulated by corrupting the mapped columns and marking rows with an
 * old mapper version), remap restores exactly what live ingest produced, per experiment or everywhere, and a
 * second run finds nothing to do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { RunningBridge } from '../../cli/bridge.js';
import { sendAgentTrace } from '../support/agent-trace.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { spawnBridge } from '../support/process.js';

let tdb: TestDatabase;
let bridge: RunningBridge;
before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url });
});
after(async () => {
  await bridge.stop();
  await tdb.drop();
});

async function snapshot() {
  const strip = ({ ingested_at, updated_at, created_at, ...rest }: Record<string, unknown>) => rest;
  const spans = await tdb.db.query('SELECT * FROM spans ORDER BY trace_id, span_id');
  const traces = await tdb.db.query('SELECT * FROM traces ORDER BY trace_id');
  return { spans: spans.rows.map(strip), traces: traces.rows.map(strip) };
}

async function runRemap(args: string[]) {
  const p = spawnBridge(['remap', ...args], { DATABASE_URL: tdb.url });
  const code = await p.exited;
  return { code, stderr: p.stderr };
}

describe('tracebridge remap', () => {
  it('restores mapped columns and trace rows, per experiment and everywhere, resumably', async () => {
    const exporter = (experiment: string) =>
      new OTLPTraceExporter({
        url: `http://127.0.0.1:${bridge.httpPort}/v1/traces`,
        headers: { 'x-tracebridge-experiment': experiment },
      });
    const a = await sendAgentTrace(exporter('remap-a'));
    const b = await sendAgentTrace(exporter('remap-b'));
    const live = await snapshot();

    await tdb.db.query(`UPDATE spans SET span_type = 'UNKNOWN', model = NULL, input_messages = NULL,
      inputs = NULL, request_preview = NULL, input_tokens = NULL, conventions = '{}', mapper_version = 0`);
    await tdb.db.query('UPDATE traces SET request_preview = NULL, input_tokens = NULL, total_tokens = NULL');
    assert.notDeepEqual(await snapshot(), live);

    const one = await runRemap(['--experiment', 'remap-a', '--batch', '2']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /remap: 3 spans to map/);
    assert.match(one.stderr, /remap: 3\/3 spans \(100\.0%\)/);
    const partial = await snapshot();
    const spansOf = (s: typeof live, traceId: string) => s.spans.filter((r) => r.trace_id === traceId);
    const traceOf = (s: typeof live, traceId: string) => s.traces.filter((r) => r.trace_id === traceId);
    assert.deepEqual(spansOf(partial, a.traceId), spansOf(live, a.traceId));
    assert.deepEqual(traceOf(partial, a.traceId), traceOf(live, a.traceId));
    assert.notDeepEqual(spansOf(partial, b.traceId), spansOf(live, b.traceId));

    const rest = await runRemap([]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stderr, /remap: 3 spans to map/);
    assert.deepEqual(await snapshot(), live);

    const again = await runRemap([]);
    assert.match(again.stderr, /remap: 0 spans to map/);
    const forced = await runRemap(['--all']);
    assert.match(forced.stderr, /remap: 6 spans to map/);
    assert.deepEqual(await snapshot(), live);
  });

  it('names an unknown experiment', async () => {
    const r = await runRemap(['--experiment', 'no-such-experiment']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no experiment named "no-such-experiment"/);
  });
});
