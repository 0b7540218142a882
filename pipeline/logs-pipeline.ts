/**
 * OTLP logs → GenAI events. Only log records that are GenAI events (event name `gen_ai.*`, from `event_name` or
 * the `event.name` attribute) are stored; other records are dropped and counted. Events are routed to
 * experiments like spans, stored once each, and joined to their spans (span-writer.ts writeEvents). A success
 * answer is sent after the commit, as for traces.
 */
import { createHash } from 'node:crypto';
import { cleanJson, cleanString } from '../mapper/sanitize.js';
import { isoMicros, nanosColumn } from '../mapper/time.js';
import type { BridgeMetrics } from '../metrics/metrics.js';
import { DecodeError } from '../otlp/decode-error.js';
import { decodeLogsRequestJson } from '../otlp/decode-json.js';
import { decodeLogsRequestProtobufFast } from '../otlp/decode-protobuf.js';
import type { DecodedLogRecord, DecodedLogsRequest } from '../otlp/logs-model.js';
import type { Database } from '../store/db.js';
import type { EventRecord } from '../store/events.js';
import type { Experiments } from '../store/experiments.js';
import { writeEvents } from '../store/span-writer.js';
import { isRetryableDbError, transactionWithRetry } from '../store/write-errors.js';
import type { ExportContext } from './context.js';
import { ExperimentResolver } from './experiment-resolver.js';
import { limitAttributes } from './limits.js';
import { joinEvents } from './raw-span.js';
import { accepted, type ExportResult, failed, malformed } from './result.js';
import { isSpanId, isTraceId } from './validate.js';

export interface LogsPipelineOptions {
  db: Database;
  experiments: Experiments;
  retryAfterMs: number;
  maxAttributeLength: number;
  metrics?: BridgeMetrics | undefined;
}

/** The event name of a log record, or null when it is not a GenAI event. */
export function genaiEventName(r: DecodedLogRecord): string | null {
  const attr = r.attributes['event.name'];
  const name = r.eventName || (typeof attr === 'string' ? attr : '');
  return name.startsWith('gen_ai.') ? name : null;
}

/** A log record need not name a span; when it does, the ids must be valid ones. */
function invalidIds(r: DecodedLogRecord): string | null {
  if (r.traceId !== '' && !isTraceId(r.traceId)) return `invalid trace_id "${r.traceId}"`;
  if (r.spanId !== '' && !isSpanId(r.spanId)) return `invalid span_id "${r.spanId}"`;
  return null;
}

export class LogsPipeline {
  private readonly resolver: ExperimentResolver;

  constructor(private readonly opts: LogsPipelineOptions) {
    this.resolver = new ExperimentResolver(opts.experiments);
  }

  /** Decodes a logs request body (on the event loop: logs are small) and stores its GenAI events. */
  async exportBody(body: Uint8Array, format: 'protobuf' | 'json', ctx: ExportContext): Promise<ExportResult> {
    let req: DecodedLogsRequest;
    try {
      req =
        format === 'protobuf'
          ? decodeLogsRequestProtobufFast(body)
          : decodeLogsRequestJson(
              Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
            );
    } catch (err) {
      if (err instanceof DecodeError) return malformed(format, err.message);
      throw err;
    }
    return this.export(req, ctx);
  }

  async export(req: DecodedLogsRequest, ctx: ExportContext): Promise<ExportResult> {
    const m = this.opts.metrics;
    let experimentIds: Map<number, string>;
    try {
      const resolved = await this.resolver.resolve(
        req.resourceLogs.map((r) => r.resource.attributes),
        ctx,
      );
      if ('error' in resolved) return resolved.error;
      experimentIds = resolved.ids;
    } catch (err) {
      return this.failure(err);
    }

    // Kept with each event: an event that waits for its span joins it only if this key may write there.
    const writer = ctx.allowedExperiments ? [...ctx.allowedExperiments].sort() : null;
    const records: EventRecord[] = [];
    const reasons: string[] = [];
    let dropped = 0;
    req.resourceLogs.forEach((rl, i) => {
      for (const sl of rl.scopeLogs) {
        for (const r of sl.logRecords) {
          const name = genaiEventName(r);
          if (name === null) {
            dropped++;
            continue;
          }
          const reason = invalidIds(r);
          if (reason) {
            reasons.push(reason);
            continue;
          }
          records.push(this.record(r, name, experimentIds.get(i)!, rl.resource.attributes, sl.scope, writer));
        }
      }
    });
    if (dropped) m?.logRecords.inc({ outcome: 'dropped' }, dropped);
    if (reasons.length) m?.logRecords.inc({ outcome: 'rejected' }, reasons.length);

    let denied: { refused: number; message?: string };
    try {
      denied = await this.commit(records, ctx.allowedExperiments ?? null);
    } catch (err) {
      return this.failure(err);
    }
    if (denied.refused) m?.logRecords.inc({ outcome: 'permission_denied' }, denied.refused);
    m?.logRecords.inc({ outcome: 'stored' }, records.length - denied.refused);
    // Events refused because their trace belongs to an experiment the key may not write to (the store decides,
    // under the trace's lock): 403 when nothing else was left, else a partial success that says so.
    if (denied.refused && denied.refused === records.length) {
      return failed('PERMISSION_DENIED', denied.message!);
    }
    const messages = denied.message ? [denied.message, ...reasons] : reasons;
    return accepted(reasons.length + denied.refused, messages);
  }

  private commit(
    records: EventRecord[],
    writable: ReadonlySet<string> | null,
  ): Promise<{ refused: number; message?: string }> {
    return transactionWithRetry(this.opts.db, (tx) => writeEvents(tx, records, joinEvents, writable));
  }

  private record(
    r: DecodedLogRecord,
    name: string,
    experimentId: string,
    resource: Record<string, unknown>,
    scope: { name: string; version: string },
    writer: string[] | null,
  ): EventRecord {
    // Events without a timestamp take their observed time (the SDK's), so they still sort sensibly.
    const time = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
    const attributes = cleanJson(limitAttributes(r.attributes, this.opts.maxAttributeLength));
    const body = cleanJson(limitAttributes({ body: r.body }, this.opts.maxAttributeLength)['body'] ?? null);
    const identity = JSON.stringify([
      r.traceId,
      r.spanId,
      name,
      time.toString(),
      r.observedTimeUnixNano.toString(),
      body,
      attributes,
    ]);
    return {
      event_key: createHash('sha256').update(identity).digest('hex'),
      trace_id: r.traceId || null,
      span_id: r.spanId || null,
      experiment_id: experimentId,
      event_name: cleanString(name),
      time: isoMicros(time),
      time_unix_nano: nanosColumn(time),
      observed_time_unix_nano: nanosColumn(r.observedTimeUnixNano),
      severity_number: r.severityNumber,
      severity_text: r.severityText ? cleanString(r.severityText) : null,
      body,
      attributes,
      resource_attributes: cleanJson(resource as never),
      scope_name: scope.name ? cleanString(scope.name) : null,
      scope_version: scope.version ? cleanString(scope.version) : null,
      writer_experiments: writer,
    };
  }

  private failure(err: unknown): ExportResult {
    const message = err instanceof Error ? err.message : String(err);
    if (isRetryableDbError(err)) {
      return failed('STORE_UNAVAILABLE', `database unavailable: ${message}`, this.opts.retryAfterMs);
    }
    return failed('STORE_REFUSED', `database refused the events: ${message}`);
  }
}
