/**
 * request body → (decode, validate, limit, map, encode: the RequestMapper, on a worker thread or the event loop) →
 * experiment routing and its permission check → batch writer → ExportResult. The only stage that knows all three of
 * ingest's output, the mapper and the store.
 */
import type { BridgeMetrics } from '../metrics/metrics.js';
import type { BatchWriter } from '../store/batch-writer.js';
import type { Experiments } from '../store/experiments.js';
import { isRetryableDbError } from '../store/write-errors.js';
import type { ExportContext } from './context.js';
import { ExperimentResolver } from './experiment-resolver.js';
import { type MapOutcome, MapperUnavailableError, type RequestMapper } from './map-request.js';
import { accepted, type ExportResult, failed, malformed } from './result.js';

export interface TracePipelineOptions {
  experiments: Experiments;
  writer: BatchWriter;
  /** Decodes and maps a request body (pipeline/map-request.ts). */
  mapRequest: RequestMapper;
  /** Retry delay suggested to exporters when the store can't take the write. */
  retryAfterMs: number;
  metrics?: BridgeMetrics | undefined;
}

export class TracePipeline {
  private readonly resolver: ExperimentResolver;

  constructor(private readonly opts: TracePipelineOptions) {
    this.resolver = new ExperimentResolver(opts.experiments);
  }

  async exportBody(body: Uint8Array, format: 'protobuf' | 'json', ctx: ExportContext): Promise<ExportResult> {
    let outcome: MapOutcome;
    try {
      outcome = await this.opts.mapRequest(body, format);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof MapperUnavailableError) {
        return failed('MAPPER_UNAVAILABLE', message, this.opts.retryAfterMs);
      }
      // An error in the mapping itself would fail again on a retry.
      return failed('INTERNAL', message);
    }
    if (outcome.kind === 'malformed') return malformed(format, outcome.message);
    const { spans, resourceOf, reasons, resources, conventions } = outcome.request;
    try {
      const resolved = await this.resolver.resolve(resources, ctx);
      if ('error' in resolved) return resolved.error;
      // The writer checks the key's experiments again against each trace's owner (store/write-permission.ts).
      const writable = ctx.allowedExperiments ?? null;
      for (let j = 0; j < spans.length; j++) {
        spans[j]!.fields.experiment_id = resolved.ids.get(resourceOf[j]!)!;
        if (writable) spans[j]!.writable = writable;
      }
    } catch (err) {
      return this.storeFailure(err);
    }

    const m = this.opts.metrics;
    if (m) for (const [convention, n] of Object.entries(conventions)) m.spansMapped.inc({ convention }, n);
    m?.spansReceived.inc({ protocol: ctx.protocol }, spans.length + reasons.length);
    if (reasons.length)
      m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'invalid_id' }, reasons.length);

    const outcomeOfWrite = await this.opts.writer.write(spans);
    if (outcomeOfWrite.kind === 'unavailable') {
      m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'store_unavailable' }, spans.length);
      return failed(
        'STORE_UNAVAILABLE',
        `database unavailable: ${outcomeOfWrite.message}`,
        this.opts.retryAfterMs,
      );
    }
    const refused = outcomeOfWrite.kind === 'refused' ? outcomeOfWrite.spans : 0;
    const denied = outcomeOfWrite.denied?.spans ?? 0;
    if (refused) m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'store_refused' }, refused);
    if (denied) m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'permission_denied' }, denied);
    const stored = spans.length - refused - denied;
    // Nothing left: the answer says why. Spans refused for permission are the key's error, not the database's.
    if (stored === 0 && denied > 0 && refused === 0) {
      return failed('PERMISSION_DENIED', outcomeOfWrite.denied!.message);
    }
    if (outcomeOfWrite.kind === 'refused' && stored === 0) {
      return failed('STORE_REFUSED', `database refused the spans: ${outcomeOfWrite.message}`);
    }
    if (stored > 0) m?.spansStored.inc({ protocol: ctx.protocol }, stored);
    // Parts of a large request are written by separate transactions: when the database refuses one, the others
    // are stored, and the exporter is told so (partial success) rather than that nothing was.
    const messages = [
      ...(outcomeOfWrite.kind === 'refused'
        ? [`database refused ${refused} span(s): ${outcomeOfWrite.message}`]
        : []),
      ...(denied ? [outcomeOfWrite.denied!.message] : []),
      ...reasons,
    ];
    return accepted(reasons.length + refused + denied, messages);
  }

  private storeFailure(err: unknown): ExportResult {
    const message = err instanceof Error ? err.message : String(err);
    if (isRetryableDbError(err)) {
      return failed('STORE_UNAVAILABLE', `database unavailable: ${message}`, this.opts.retryAfterMs);
    }
    return failed('INTERNAL', message);
  }
}
