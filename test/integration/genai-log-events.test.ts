/**
 * GenAI events sent as OTLP log records by the real OTel JS logs SDK are stored and joined to their span: the
 * span's messages, previews and assessments include them whether the logs arrive before or after the span, over
 * HTTP or gRPC, and the rows are identical either way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RunningBridge } from '../../cli/bridge.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

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

const T0 = 1_700_000_000;

/** A chat span with no content, and its GenAI events as logs, sent in the given order. */
async function sendChat(order: 'logs-first' | 'span-first', logExporter: LogRecordExporter) {
  const resource = resourceFromAttributes({ 'service.name': 'log-events' });
  const tracer = new TracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${bridge.httpPort}/v1/traces` }),
      }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const logger = loggerProvider.getLogger('genai-events', '1.0.0');
  const span = tracer.getTracer('chat').startSpan('chat qwen-plus-latest', {
    startTime: [T0, 0],
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'qwen-plus-latest',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
    },
  });
  const ctx = trace.setSpan(context.active(), span);
  const emitLogs = async () => {
    const emit = (
      eventName: string,
      body: unknown,
      ns: number,
      attributes: Record<string, string | number> = {},
    ) =>
      logger.emit({
        eventName,
        body: body as never,
        attributes: { 'gen_ai.system': 'openai', ...attributes },
        timestamp: [T0, ns],
        context: ctx,
      });
    emit('gen_ai.system.message', { content: 'You are terse.' }, 1);
    emit('gen_ai.user.message', { content: 'Weather in Paris?' }, 2);
    emit(
      'gen_ai.choice',
      { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Sunny, 21°C.' } },
      3,
    );
    emit('gen_ai.evaluation.result', undefined, 4, {
      'gen_ai.evaluation.name': 'relevance',
      'gen_ai.evaluation.score.value': 0.9,
      'gen_ai.evaluation.score.label': 'relevant',
      'gen_ai.evaluation.explanation': 'answers the question',
    });
    // Not a GenAI event: dropped.
    logger.emit({ body: 'GET /chat 200', context: ctx, timestamp: [T0, 5] });
    await loggerProvider.forceFlush();
  };
  const endSpan = async () => {
    span.end([T0, 500_000_000]);
    await tracer.forceFlush();
  };
  if (order === 'logs-first') {
    await emitLogs();
    await endSpan();
  } else {
    await endSpan();
    await emitLogs();
  }
  await loggerProvider.shutdown();
  await tracer.shutdown();
  return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}

async function row(traceId: string) {
  const { ingested_at, trace_id, span_id, ...span } = (
    await tdb.db.query<Record<string, unknown>>('SELECT * FROM spans WHERE trace_id = $1', [traceId])
  ).rows[0]!;
  const {
    created_at,
    updated_at,
    trace_id: t,
    root_span_id,
    // A trace of one is its own run: its id, which differs per case like trace_id.
    run_id,
    ...tr
  } = (await tdb.db.query<Record<string, unknown>>('SELECT * FROM traces WHERE trace_id = $1', [traceId]))
    .rows[0]!;
  assert.equal(run_id, traceId);
  return { span, trace: tr };
}

describe('GenAI events sent as logs', () => {
  const http = () => new ProtoLogExporter({ url: `http://127.0.0.1:${bridge.httpPort}/v1/logs` });
  const grpc = () => new GrpcLogExporter({ url: `http://127.0.0.1:${bridge.grpcPort}` });

  it('are joined to their span whichever arrives first, over HTTP and gRPC, with identical rows', async () => {
    const results = [];
    for (const [order, exporter] of [
      ['logs-first', http],
      ['span-first', http],
      ['logs-first', grpc],
      ['span-first', grpc],
    ] as const) {
      const ids = await sendChat(order, exporter());
      results.push({ order, ids, ...(await row(ids.traceId)) });
    }
    const first = results[0]!;
    assert.deepEqual(first.span.input_messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Weather in Paris?' },
    ]);
    assert.deepEqual(first.span.output_messages, [
      { role: 'assistant', content: 'Sunny, 21°C.', finish_reason: 'stop' },
    ]);
    assert.equal(first.span.span_type, 'CHAT_MODEL');
    assert.deepEqual(first.span.finish_reasons, ['stop']);
    assert.deepEqual(first.span.events, [], 'log events are not copied into the span events column');
    assert.deepEqual(first.span.assessments, [
      {
        name: 'relevance',
        score: 0.9,
        label: 'relevant',
        explanation: 'answers the question',
        response_id: null,
        error_type: null,
        time_unix_nano: '1700000000000000004',
      },
    ]);
    assert.equal(first.trace.request_preview, 'Weather in Paris?');
    assert.equal(first.trace.response_preview, 'Sunny, 21°C.');
    for (const r of results.slice(1)) {
      assert.deepEqual(r.span, first.span, r.order);
      assert.deepEqual(r.trace, first.trace, r.order);
    }
  });

  it('are stored once each (re-sent records do not duplicate), non-GenAI records are dropped', async () => {
    const ids = await sendChat('span-first', http());
    const events = await tdb.db.query<{ event_name: string; body: unknown; severity_number: number }>(
      'SELECT event_name, body, severity_number FROM genai_events WHERE trace_id = $1 ORDER BY time_unix_nano',
      [ids.traceId],
    );
    assert.deepEqual(
      events.rows.map((e) => e.event_name),
      ['gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.choice', 'gen_ai.evaluation.result'],
    );
    assert.deepEqual(events.rows[1]!.body, { content: 'Weather in Paris?' });

    // An exporter retry re-sends identical records: each is stored once, and the span row does not change.
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'log-events' } }] },
          scopeLogs: [
            {
              scope: { name: 'genai-events', version: '1.0.0' },
              logRecords: [
                {
                  timeUnixNano: '1700000000000000003',
                  observedTimeUnixNano: '1700000000000000009',
                  eventName: 'gen_ai.tool.message',
                  traceId: ids.traceId,
                  spanId: ids.spanId,
                  body: {
                    kvlistValue: { values: [{ key: 'content', value: { stringValue: '{"sky":"sunny"}' } }] },
                  },
                  attributes: [{ key: 'id', value: { stringValue: 'call_9' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const count = async () =>
      (
        await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM genai_events WHERE trace_id = $1', [
          ids.traceId,
        ])
      ).rows[0]!.n;
    const send = () =>
      postOtlp(bridge.httpPort, '/v1/logs', JSON.stringify(body), { 'content-type': 'application/json' });
    const first = await send();
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body.toString()), {});
    assert.equal(await count(), 5);
    const once = await row(ids.traceId);
    assert.deepEqual((once.span.input_messages as unknown[]).at(-1), {
      role: 'tool',
      content: '{"sky":"sunny"}',
      tool_call_id: 'call_9',
    });
    assert.equal((await send()).status, 200);
    assert.equal(await count(), 5);
    assert.deepEqual(await row(ids.traceId), once);

    const metrics = (await bridge.metrics.render()).body;
    assert.match(metrics, /tracebridge_log_records_total\{outcome="dropped"\} [1-9]/);
  });

  it('queryable as assessments', async () => {
    const r = await tdb.db.query<{ name: string; score: number; label: string }>(
      "SELECT name, score, label FROM assessments WHERE name = 'relevance' LIMIT 1",
    );
    assert.deepEqual(r.rows[0], { name: 'relevance', score: 0.9, label: 'relevant' });
  });

  it('partial success for log records with invalid ids', async () => {
    const body = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { eventName: 'gen_ai.user.message', traceId: 'zz', spanId: '00', timeUnixNano: '1' },
                {
                  eventName: 'gen_ai.user.message',
                  timeUnixNano: '2',
                  body: { stringValue: 'no span: stored, not joined' },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await postOtlp(bridge.httpPort, '/v1/logs', JSON.stringify(body), {
      'content-type': 'application/json',
    });
    assert.equal(res.status, 200);
    const parsed = JSON.parse(res.body.toString());
    assert.equal(parsed.partialSuccess.rejectedLogRecords, '1');
    const stored = await tdb.db.query(
      'SELECT 1 FROM genai_events WHERE body = \'"no span: stored, not joined"\'::jsonb',
    );
    assert.equal(stored.rows.length, 1);
  });
});
