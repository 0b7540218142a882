/**
 * decoded request → validated spans → experiment routing → mapper → batch writer → ExportResult.
 * The only stage that knows all three of ingest's output, the mapper and the store.
 */
import { mapSpan } from '../mapper/index.js';
import type { DecodedTraceRequest } from '../mapper/otlp.js';
import type { BatchWriter } from '../store/batch-writer.js';
import type { SpanRecord } from '../store/columns.js';
import type { Experiments } from '../store/experiments.js';
import { isRetryableDbError } from '../store/write-errors.js';
import { chooseExperiment, type ExperimentHeaders } from './experiment-routing.js';
import { type ExportResult, rejected, retryable } from './result.js';
import { invalidSpanReason, withoutZeroParent } from './validate.js';

export interface TracePipelineOptions {
  experiments: Experiments;
  writer: BatchWriter;
  /** Retry delay suggested to exporters when the store can't take the write. */
  retryAfterMs: number;
  onSpans?: (counts: { accepted: number; rejected: number; conventions: string[][] }) => void;
}

export class TracePipeline {
  constructor(private readonly opts: TracePipelineOptions) {}

  async export(req: DecodedTraceRequest, headers: ExperimentHeaders): Promise<ExportResult> {
    let experimentIds: Map<number, string>;
    try {
      const resolved = await this.resolveExperiments(req, headers);
      if ('error' in resolved) return resolved.error;
      experimentIds = resolved.ids;
    } catch (err) {
      return this.storeFailure(err);
    }

    const records: SpanRecord[] = [];
    const reasons: string[] = [];
    const conventions: string[][] = [];
    req.resourceSpans.forEach((rs, i) => {
      const experimentId = experimentIds.get(i)!;
      for (const ss of rs.scopeSpans) {
        for (const raw of ss.spans) {
          const reason = invalidSpanReason(raw);
          if (reason) {
            reasons.push(reason);
            continue;
          }
          const row = mapSpan({
            span: withoutZeroParent(raw),
            resource: rs.resource.attributes,
            scope: ss.scope,
          });
          row.experiment_id = experimentId;
          conventions.push(row.conventions);
          records.push(row as unknown as SpanRecord);
        }
      }
    });
    this.opts.onSpans?.({ accepted: records.length, rejected: reasons.length, conventions });

    const outcome = await this.opts.writer.write(records);
    if (outcome.kind === 'unavailable') {
      return retryable(
        'STORE_UNAVAILABLE',
        `database unavailable: ${outcome.message}`,
        this.opts.retryAfterMs,
      );
    }
    if (outcome.kind === 'refused')
      return rejected('STORE_REFUSED', `database refused the spans: ${outcome.message}`);
    if (reasons.length === 0) return { kind: 'accepted' };
    const shown = reasons.slice(0, 5).join('; ');
    const more = reasons.length > 5 ? ` (and ${reasons.length - 5} more)` : '';
    return { kind: 'accepted', rejected: { count: reasons.length, message: `${shown}${more}` } };
  }

  /** Experiment id per resourceSpans index. */
  private async resolveExperiments(
    req: DecodedTraceRequest,
    headers: ExperimentHeaders,
  ): Promise<{ ids: Map<number, string> } | { error: ExportResult }> {
    const ids = new Map<number, string>();
    for (const [i, rs] of req.resourceSpans.entries()) {
      const choice = chooseExperiment(headers, rs.resource.attributes);
      if ('byName' in choice) {
        ids.set(i, await this.opts.experiments.idForName(choice.byName));
      } else {
        if (!(await this.opts.experiments.exists(choice.byId))) {
          return {
            error: rejected(
              'EXPERIMENT_NOT_FOUND',
              `experiment id ${JSON.stringify(choice.byId)} does not exist`,
            ),
          };
        }
        ids.set(i, choice.byId);
      }
    }
    return { ids };
  }

  private storeFailure(err: unknown): ExportResult {
    const message = err instanceof Error ? err.message : String(err);
    if (isRetryableDbError(err)) {
      return retryable('STORE_UNAVAILABLE', `database unavailable: ${message}`, this.opts.retryAfterMs);
    }
    return rejected('INTERNAL', message);
  }
}
