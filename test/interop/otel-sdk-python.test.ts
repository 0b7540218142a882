/**
 * The plain OpenTelemetry Python SDK with the standard OTLP exporters, gRPC and HTTP/protobuf, gzip on, configured
 * only through OTEL_* variables (python/otel_sdk_genai.py writes GenAI-semconv spans by hand). Both transports must
 * give the same rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientRun, runPython } from './support/client-run.js';
import { one, type Row, type Scenario, tree } from './support/scenario.js';

const QUESTION = 'What is the weather in Paris?';
const ANSWER = 'It is sunny and 21°C in Paris.';
const CALL = { id: 'call_weather', name: 'get_weather', arguments: { city: 'Paris' } };

const transports: Record<string, (s: Scenario) => Record<string, string>> = {
  grpc: (s) => ({
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: s.grpcEndpoint,
    OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true',
  }),
  http: (s) => ({
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${s.httpEndpoint}/v1/traces`,
  }),
};

const rowsByTransport: Record<string, Row[]> = {};

for (const [transport, exporterEnv] of Object.entries(transports)) {
  describe(`opentelemetry-sdk (Python) → OTLP ${transport} + gzip`, () => {
    const experiment = `otel-sdk-${transport}`;
    const run = clientRun({
      fixture: `otel-sdk-python-${transport}`,
      spans: 6,
      client: (s, python) =>
        runPython(
          python,
          'otel_sdk_genai.py',
          s.env({
            ...exporterEnv(s),
            OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
            OTEL_EXPORTER_OTLP_TRACES_HEADERS: `x-tracebridge-experiment=${experiment}`,
            OTEL_SERVICE_NAME: 'weather-agent',
            OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.4.0,team=agents',
          }),
          `otel_sdk_genai.py (${transport})`,
        ),
      afterRows: ({ spans }) => {
        rowsByTransport[transport] = spans;
      },
    });

    it('the agent trace and the linked planning trace, in the experiment named by the header', () => {
      assert.equal(
        tree(run.spans),
        [
          'UNKNOWN plan',
          'AGENT invoke_agent weather',
          '  CHAT_MODEL chat qwen-plus-latest',
          '  TOOL execute_tool get_weather',
          '  TOOL execute_tool get_air_quality',
          '  CHAT_MODEL chat qwen-plus-latest',
        ].join('\n'),
      );
      for (const r of run.spans) {
        assert.equal(r.experiment_name, experiment);
        assert.deepEqual([r.scope_name, r.scope_version], ['weather-agent', '1.2.3']);
        const resource = r.resource_attributes as Row;
        assert.deepEqual(
          [
            resource['service.name'],
            resource['service.version'],
            resource.team,
            resource['deployment.environment.name'],
          ],
          ['weather-agent', '1.4.0', 'agents', 'interop'],
        );
      }
      const plan = one(run.spans, 'plan');
      const agent = one(run.spans, 'invoke_agent weather', 'AGENT');
      assert.deepEqual(agent.links, [
        {
          trace_id: plan.trace_id,
          span_id: plan.span_id,
          flags: 256,
          attributes: { 'link.reason': 'planned-by' },
        },
      ]);
      assert.deepEqual((plan.attributes as Row)['plan.steps'], 2);
    });

    it('agent: name, conversation, events; trace totals, previews and tags', () => {
      const agent = one(run.spans, 'invoke_agent weather', 'AGENT');
      assert.equal(agent.agent_name, 'weather');
      assert.equal(agent.provider, 'openai');
      assert.equal(agent.session_id, 'conv-2025-01');
      assert.deepEqual(
        (agent.events as { name: string; attributes: Row }[]).map((e) => [e.name, e.attributes]),
        [['agent.answered', { 'answer.length': 30, 'answer.cached': false }]],
      );
      const t = run.traces.find((r) => r.name === 'invoke_agent weather');
      assert.ok(t);
      assert.deepEqual(
        [t.state, t.span_count, t.error_count, t.input_tokens, t.output_tokens, t.total_tokens],
        ['OK', 5, 1, '122', '29', '151'],
      );
      assert.deepEqual([t.request_preview, t.response_preview], [QUESTION, ANSWER]);
      assert.equal(t.session_id, 'conv-2025-01');
      assert.deepEqual([(t.tags as Row)['service.name'], (t.tags as Row).team], ['weather-agent', 'agents']);
    });

    it('the user.id attribute (OTel semconv) fills user_id on the span and the trace', () => {
      const agent = one(run.spans, 'invoke_agent weather', 'AGENT');
      assert.equal(agent.user_id, 'user-7');
      assert.equal(run.traces.find((r) => r.name === 'invoke_agent weather')?.user_id, 'user-7');
    });

    it('chat spans: messages, tool call, request parameters, response model and id, usage, attribute types', () => {
      const [toolTurn, answerTurn] = run.spans.filter((r) => r.span_type === 'CHAT_MODEL');
      assert.ok(toolTurn && answerTurn);
      assert.deepEqual(toolTurn.input_messages, [
        { role: 'system', content: 'You are a weather agent.' },
        { role: 'user', content: QUESTION },
      ]);
      assert.deepEqual(toolTurn.output_messages, [
        { role: 'assistant', content: '', tool_calls: [CALL], finish_reason: 'tool_call' },
      ]);
      assert.deepEqual(answerTurn.input_messages, [
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: '', tool_calls: [CALL] },
        {
          role: 'tool',
          content: JSON.stringify({ sky: 'sunny', celsius: 21 }),
          tool_call_id: 'call_weather',
        },
      ]);
      assert.deepEqual(answerTurn.output_messages, [
        { role: 'assistant', content: ANSWER, finish_reason: 'stop' },
      ]);
      assert.deepEqual(
        [toolTurn.model, toolTurn.provider, toolTurn.response_id, toolTurn.kind],
        ['qwen-plus-2025-01-25', 'openai', 'chatcmpl-w1', 'CLIENT'],
      );
      assert.deepEqual(toolTurn.request_params, {
        temperature: 0.2,
        max_tokens: 256,
        stop_sequences: ['\n\n'],
      });
      assert.deepEqual(
        [toolTurn.input_tokens, toolTurn.output_tokens, toolTurn.total_tokens],
        ['42', '17', '59'],
      );
      const a = toolTurn.attributes as Row;
      assert.deepEqual(
        [
          a['server.port'],
          a['gen_ai.request.temperature'],
          a['tracebridge.test.streaming'],
          a['gen_ai.request.stop_sequences'],
        ],
        [443, 0.2, false, ['\n\n']],
      );
    });

    it('tool spans: arguments and result; the failing tool has ERROR status, error type and the exception event', () => {
      const weather = one(run.spans, 'execute_tool get_weather', 'TOOL');
      assert.deepEqual(
        [weather.tool_name, weather.tool_call_id, weather.status],
        ['get_weather', 'call_weather', 'OK'],
      );
      assert.deepEqual(weather.inputs, { city: 'Paris' });
      assert.deepEqual(weather.outputs, { sky: 'sunny', celsius: 21 });
      const air = one(run.spans, 'execute_tool get_air_quality', 'TOOL');
      assert.deepEqual(
        [air.tool_name, air.status, air.status_message, air.error_type, air.outputs],
        ['get_air_quality', 'ERROR', 'air quality service timed out after 2s', 'TimeoutError', null],
      );
      const [event] = air.events as { name: string; attributes: Row }[];
      assert.equal(event?.name, 'exception');
      assert.equal(event?.attributes['exception.type'], 'TimeoutError');
    });
  });
}

describe('opentelemetry-sdk (Python): gRPC and HTTP', () => {
  it('give the same rows apart from ids, times and experiment', () => {
    const normalize = (rows: Row[] | undefined) =>
      (rows ?? []).map((r) => {
        const {
          trace_id,
          span_id,
          parent_span_id,
          experiment_id,
          experiment_name,
          ingested_at,
          links,
          events,
          ...rest
        } = r;
        for (const k of Object.keys(rest))
          if (k.startsWith('start_time') || k.startsWith('end_time')) delete rest[k];
        delete rest.duration_ms;
        delete rest.resource_attributes;
        delete rest.trace_tags;
        return rest;
      });
    assert.ok(rowsByTransport.grpc && rowsByTransport.http, 'both transports ran');
    assert.deepEqual(normalize(rowsByTransport.http), normalize(rowsByTransport.grpc));
  });
});
