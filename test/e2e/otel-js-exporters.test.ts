/**
 * The three OTel JS exporters (OTLP/HTTP JSON, OTLP/HTTP protobuf, OTLP/gRPC) send the same agent trace to a
 * running bridge backed by a real Postgres; every exporter's rows must match column by column.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { RunningBridge } from '../../cli/bridge.js';
import { type AgentTraceIds, REPLY, sendAgentTrace, USER_MESSAGE } from '../support/agent-trace.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let tdb: TestDatabase;
let bridge: RunningBridge;

before(async () => {
  tdb = await freshDatabase({ migrated: false });
  bridge = await startTestBridge({ databaseUrl: tdb.url });
});
after(async () => {
  await bridge.stop();
  await tdb.drop();
});

const exporters: Record<string, (experiment: string, gzip: boolean) => SpanExporter> = {
  'http-json': (experiment, gzip) =>
    new JsonExporter({
      url: `http://127.0.0.1:${bridge.httpPort}/v1/traces`,
      headers: { 'x-tracebridge-experiment': experiment },
      ...(gzip ? { compression: 'gzip' as never } : {}),
    }),
  'http-protobuf': (experiment, gzip) =>
    new ProtoExporter({
      url: `http://127.0.0.1:${bridge.httpPort}/v1/traces`,
      headers: { 'x-tracebridge-experiment': experiment },
      ...(gzip ? { compression: 'gzip' as never } : {}),
    }),
  grpc: (experiment, gzip) => {
    const metadata = new Metadata();
    metadata.set('x-tracebridge-experiment', experiment);
    return new GrpcExporter({
      url: `http://127.0.0.1:${bridge.grpcPort}`,
      metadata,
      ...(gzip ? { compression: 'gzip' as never } : {}),
    });
  },
};

async function spansOf(traceId: string) {
  const r = await tdb.db.query<Record<string, unknown>>(
    `SELECT s.*, e.name AS experiment_name FROM spans s JOIN experiments e USING (experiment_id)
     WHERE trace_id = $1 ORDER BY start_time_unix_nano`,
    [traceId],
  );
  return r.rows;
}

async function traceOf(traceId: string) {
  const r = await tdb.db.query<Record<string, unknown>>('SELECT * FROM traces WHERE trace_id = $1', [
    traceId,
  ]);
  return r.rows[0];
}

function assertAgentTrace(ids: AgentTraceIds, experiment: string, spans: Record<string, unknown>[]) {
  assert.equal(spans.length, 3);
  const [agent, chat, tool] = spans as [
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  for (const s of spans) {
    assert.equal(s.trace_id, ids.traceId);
    assert.equal(s.experiment_name, experiment);
    assert.deepEqual(
      s.resource_attributes && (s.resource_attributes as Record<string, unknown>)['service.name'],
      'weather-agent',
    );
    assert.equal(s.scope_name, 'tracebridge-test');
    assert.equal(s.scope_version, '1.0.0');
  }
  assert.equal(agent.span_id, ids.agentSpanId);
  assert.equal(agent.parent_span_id, null);
  assert.equal(agent.span_type, 'AGENT');
  assert.equal(agent.agent_name, 'weather');
  assert.equal(agent.kind, 'INTERNAL');
  assert.equal(agent.status, 'UNSET');
  assert.equal(agent.start_time_unix_nano, '1700000000000000000');
  assert.equal(agent.end_time_unix_nano, '1700000000500000000');
  assert.equal((agent.start_time as Date).toISOString(), '2023-11-14T22:13:20.000Z');
  assert.equal(agent.duration_ms, 500);
  const events = agent.events as {
    name: string;
    time_unix_nano: string;
    attributes: Record<string, unknown>;
  }[];
  assert.deepEqual(events, [
    { name: 'agent.done', time_unix_nano: '1700000000450000000', attributes: { steps: 2 } },
  ]);

  assert.equal(chat.span_id, ids.chatSpanId);
  assert.equal(chat.parent_span_id, ids.agentSpanId);
  assert.equal(chat.span_type, 'CHAT_MODEL');
  assert.equal(chat.kind, 'CLIENT');
  assert.equal(chat.model, 'qwen-plus-2025-01-01');
  assert.equal(chat.provider, 'openai');
  assert.equal(chat.input_tokens, '42');
  assert.equal(chat.output_tokens, '17');
  assert.equal(chat.total_tokens, '59');
  assert.deepEqual(chat.input_messages, [{ role: 'user', content: USER_MESSAGE }]);
  assert.deepEqual(chat.output_messages, [{ role: 'assistant', content: REPLY, finish_reason: 'stop' }]);
  assert.equal((chat.request_params as Record<string, unknown>).temperature, 0.2);
  assert.equal((chat.attributes as Record<string, unknown>)['gen_ai.usage.input_tokens'], 42);

  assert.equal(tool.span_id, ids.toolSpanId);
  assert.equal(tool.parent_span_id, ids.chatSpanId);
  assert.equal(tool.span_type, 'TOOL');
  assert.equal(tool.tool_name, 'get_weather');
  assert.equal(tool.tool_call_id, 'call_1');
  assert.deepEqual(tool.inputs, { city: 'Paris' });
  assert.deepEqual(tool.outputs, { sky: 'sunny', celsius: 21 });
  assert.equal(tool.status, 'OK');
  assert.equal(tool.end_time_unix_nano, '1700000000300000001');
}

async function assertTraceRow(ids: AgentTraceIds) {
  const t = await traceOf(ids.traceId);
  assert.ok(t, 'trace row exists');
  assert.equal(t.state, 'OK');
  assert.equal(t.name, 'invoke_agent weather');
  assert.equal(t.root_span_id, ids.agentSpanId);
  assert.equal(t.span_count, 3);
  assert.equal(t.error_count, 0);
  assert.equal(t.input_tokens, '42');
  assert.equal(t.output_tokens, '17');
  assert.equal(t.total_tokens, '59');
  assert.equal(t.start_time_unix_nano, '1700000000000000000');
  assert.equal(t.end_time_unix_nano, '1700000000500000000');
  assert.equal(t.duration_ms, 500);
  assert.equal(t.request_preview, USER_MESSAGE);
  assert.equal(t.response_preview, REPLY);
  assert.equal((t.tags as Record<string, unknown>)['service.name'], 'weather-agent');
}

describe('OTel JS exporters → bridge → Postgres', () => {
  const rowsByExporter: Record<string, Record<string, unknown>[]> = {};
  for (const [name, make] of Object.entries(exporters)) {
    for (const gzip of [false, true]) {
      const label = `${name}${gzip ? '+gzip' : ''}`;
      it(`${label}: the agent trace is stored column by column`, async () => {
        const ids = await sendAgentTrace(make(label, gzip));
        const spans = await spansOf(ids.traceId);
        assertAgentTrace(ids, label, spans);
        await assertTraceRow(ids);
        rowsByExporter[label] = spans;
      });
    }
  }

  it('every exporter produced identical rows (apart from ids and experiment)', () => {
    const normalize = (rows: Record<string, unknown>[]) =>
      rows.map(
        ({ trace_id, span_id, parent_span_id, experiment_id, experiment_name, ingested_at, ...rest }) => rest,
      );
    const labels = Object.keys(rowsByExporter);
    assert.equal(labels.length, 6);
    const first = normalize(rowsByExporter[labels[0]!]!);
    for (const label of labels.slice(1)) assert.deepEqual(normalize(rowsByExporter[label]!), first, label);
  });
});
