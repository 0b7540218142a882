/**
 * A small agent trace produced through the real OTel JS SDK: AGENT root → CHAT_MODEL (messages, usage) → TOOL,
 * with fixed timestamps so rows can be compared exactly.
 */
import { type Context, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

export const T0 = 1_700_000_000; // seconds

export const USER_MESSAGE = 'What is the weather in Paris?';
export const REPLY = 'It is sunny and 21°C in Paris.';

export interface AgentTraceIds {
  traceId: string;
  agentSpanId: string;
  chatSpanId: string;
  toolSpanId: string;
}

export async function sendAgentTrace(
  exporter: SpanExporter,
  resourceAttributes: Record<string, string> = { 'service.name': 'weather-agent' },
): Promise<AgentTraceIds> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('tracebridge-test', '1.0.0');

  const agent = tracer.startSpan('invoke_agent weather', {
    kind: SpanKind.INTERNAL,
    startTime: [T0, 0],
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'weather',
      'gen_ai.provider.name': 'openai',
    },
  });
  const agentCtx: Context = trace.setSpan(context.active(), agent);
  const chat = tracer.startSpan(
    'chat qwen-plus-latest',
    {
      kind: SpanKind.CLIENT,
      startTime: [T0, 100_000_000],
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'qwen-plus-latest',
        'gen_ai.response.model': 'qwen-plus-2025-01-01',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.usage.input_tokens': 42,
        'gen_ai.usage.output_tokens': 17,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: USER_MESSAGE }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'text', content: REPLY }], finish_reason: 'stop' },
        ]),
      },
    },
    agentCtx,
  );
  const chatCtx = trace.setSpan(agentCtx, chat);
  const tool = tracer.startSpan(
    'execute_tool get_weather',
    {
      startTime: [T0, 200_000_000],
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_weather',
        'gen_ai.tool.call.id': 'call_1',
        'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
        'gen_ai.tool.call.result': JSON.stringify({ sky: 'sunny', celsius: 21 }),
      },
    },
    chatCtx,
  );
  tool.setStatus({ code: SpanStatusCode.OK });
  tool.end([T0, 300_000_001]);
  chat.end([T0, 400_000_000]);
  agent.addEvent('agent.done', { steps: 2 }, [T0, 450_000_000]);
  agent.end([T0, 500_000_000]);
  await provider.forceFlush();
  await provider.shutdown();
  return {
    traceId: agent.spanContext().traceId,
    agentSpanId: agent.spanContext().spanId,
    chatSpanId: chat.spanContext().spanId,
    toolSpanId: tool.spanContext().spanId,
  };
}
