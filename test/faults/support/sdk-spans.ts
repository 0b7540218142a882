/** Spans made by the real OTel JS SDK (captured in memory), to be exported batch by batch with a real exporter. */
import { type Context, context, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** `traces` agent traces of `spansPerTrace` spans (a root and chat children with usage). */
export async function sdkSpans(
  serviceName: string,
  traces: number,
  spansPerTrace: number,
): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('tracebridge-faults', '1.0.0');
  const T0 = 1_700_000_000;
  for (let i = 0; i < traces; i++) {
    const root = tracer.startSpan(`invoke_agent ${i}`, {
      startTime: [T0 + i, 0],
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'faulty' },
    });
    const ctx: Context = trace.setSpan(context.active(), root);
    for (let k = 1; k < spansPerTrace; k++) {
      tracer
        .startSpan(
          `chat ${k}`,
          {
            startTime: [T0 + i, k * 1_000_000],
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'qwen-plus-latest',
              'gen_ai.usage.input_tokens': k,
              'gen_ai.usage.output_tokens': 1,
            },
          },
          ctx,
        )
        .end([T0 + i, k * 1_000_000 + 500_000]);
    }
    root.end([T0 + i, 900_000_000]);
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans().slice();
  await provider.shutdown();
  return spans;
}

export const spanKey = (s: ReadableSpan): string => `${s.spanContext().traceId}/${s.spanContext().spanId}`;

/** One export call with its own result (exporter.export's callback), and how long it took. */
export async function exportBatch(
  exporter: SpanExporter,
  batch: ReadableSpan[],
): Promise<ExportResult & { ms: number }> {
  const started = Date.now();
  const r = await new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));
  return { ...r, ms: Date.now() - started };
}

export const succeeded = (r: ExportResult): boolean => r.code === ExportResultCode.SUCCESS;
