/**
 * decoded request → validated, size-limited spans → experiment routing (and its permission check) → mapper →
 * batch writer → ExportResult. The only stage that knows all three of ingest's output, the mapper and the store.
 */
import { mapSpan } from '../mapper/index.js';
import type { DecodedTraceRequest } from '../mapper/otlp.js';
import type { BridgeMetrics } from '../metrics/metrics.js';
import type { BatchWriter } from '../store/batch-writer.js';
import type { SpanRecord } from '../store/columns.js';
import { type EncodedSpan, encodeSpan } from '../store/encoded-span.js';
import type { Experiments } from '../store/experiments.js';
import { isRetryableDbError } from '../store/write-errors.js';
import type { ExportContext } from './context.js';
import { ExperimentResolver } from './experiment-resolver.js';
import { limitSpan } from './limits.js';
import { type ExportResult, rejected, retryable } from './result.js';
import { invalidSpanReason, withoutZeroParent } from './validate.js';

/** Spans mapped between two yields to the event loop (~2–3 ms of work). */
const YIELD_EVERY_SPANS = 64;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface TracePipelineOptions {
  experiments: Experiments;
  writer: BatchWriter;
  /** Retry delay suggested to exporters when the store can't take the write. */
  retryAfterMs: number;
  /** Longest string attribute value kept whole (characters). */
  maxAttributeLength: number;
  metrics?: BridgeMetrics | undefined;
}

export class TracePipeline {
  private readonly resolver: ExperimentResolver;

  constructor(private readonly opts: TracePipelineOptions) {
    this.resolver = new ExperimentResolver(opts.experiments);
  }

  async export(req: DecodedTraceRequest, ctx: ExportContext): Promise<ExportResult> {
    let experimentIds: Map<number, string>;
    try {
      const resolved = await this.resolver.resolve(
        req.resourceSpans.map((rs) => rs.resource.attributes),
        ctx,
      );
      if ('error' in resolved) return resolved.error;
      experimentIds = resolved.ids;
    } catch (err) {
      return this.storeFailure(err);
    }

    const records: EncodedSpan[] = [];
    const reasons: string[] = [];
    const m = this.opts.metrics;
    let sinceYield = 0;
    for (let i = 0; i < req.resourceSpans.length; i++) {
      const rs = req.resourceSpans[i]!;
      const experimentId = experimentIds.get(i)!;
      for (const ss of rs.scopeSpans) {
        for (const raw of ss.spans) {
          const reason = invalidSpanReason(raw);
          if (reason) {
            reasons.push(reason);
            continue;
          }
          const span = limitSpan(withoutZeroParent(raw), this.opts.maxAttributeLength);
          const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope });
          row.experiment_id = experimentId;
          if (m) {
            if (row.conventions.length === 0) m.spansMapped.inc({ convention: 'none' });
            for (const c of row.conventions) m.spansMapped.inc({ convention: c });
          }
          records.push(encodeSpan(row as unknown as SpanRecord));
          // Mapping a 512-span request takes tens of milliseconds: let the writers' database I/O run in between,
          // or Postgres waits for the event loop between the statements of every transaction.
          if (++sinceYield === YIELD_EVERY_SPANS) {
            sinceYield = 0;
            await yieldToEventLoop();
          }
        }
      }
    }
    m?.spansReceived.inc({ protocol: ctx.protocol }, records.length + reasons.length);
    if (reasons.length)
      m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'invalid_id' }, reasons.length);

    const outcome = await this.opts.writer.write(records);
    if (outcome.kind === 'unavailable') {
      m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'store_unavailable' }, records.length);
      return retryable(
        'STORE_UNAVAILABLE',
        `database unavailable: ${outcome.message}`,
        this.opts.retryAfterMs,
      );
    }
    if (outcome.kind === 'refused') {
      m?.spansRejected.inc({ protocol: ctx.protocol, reason: 'store_refused' }, records.length);
      return rejected('STORE_REFUSED', `database refused the spans: ${outcome.message}`);
    }
    m?.spansStored.inc({ protocol: ctx.protocol }, records.length);
    if (reasons.length === 0) return { kind: 'accepted' };
    const shown = reasons.slice(0, 5).join('; ');
    const more = reasons.length > 5 ? ` (and ${reasons.length - 5} more)` : '';
    return { kind: 'accepted', rejected: { count: reasons.length, message: `${shown}${more}` } };
  }

  private storeFailure(err: unknown): ExportResult {
    const message = err instanceof Error ? err.message : String(err);
    if (isRetryableDbError(err)) {
      return retryable('STORE_UNAVAILABLE', `database unavailable: ${message}`, this.opts.retryAfterMs);
    }
    return rejected('INTERNAL', message);
  }
}
