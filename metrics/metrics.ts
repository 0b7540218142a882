/**
 * The bridge's own Prometheus metrics (GET /metrics). One registry per bridge instance (not prom-client's global
 * one), so several bridges in one process — tests — don't share counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class BridgeMetrics {
  readonly registry = new Registry();

  readonly spansReceived = new Counter({
    name: 'tracebridge_spans_received_total',
    help: 'Spans decoded from export requests',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly spansStored = new Counter({
    name: 'tracebridge_spans_stored_total',
    help: 'Spans committed to the database',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly spansRejected = new Counter({
    name: 'tracebridge_spans_rejected_total',
    help: 'Spans not stored, by reason (invalid_id, store_unavailable, store_refused, overloaded, …)',
    labelNames: ['protocol', 'reason'] as const,
    registers: [this.registry],
  });
  readonly spansMapped = new Counter({
    name: 'tracebridge_spans_mapped_total',
    help: 'Spans mapped, by matching convention (a span can match several; "none" when none matched)',
    labelNames: ['convention'] as const,
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'tracebridge_requests_total',
    help: 'Export requests answered, by protocol, signal and status (HTTP code or gRPC code name)',
    labelNames: ['protocol', 'signal', 'status'] as const,
    registers: [this.registry],
  });
  readonly logRecords = new Counter({
    name: 'tracebridge_log_records_total',
    help: 'Log records received, by outcome (stored as GenAI events, or dropped as other logs)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly batchSpans = new Histogram({
    name: 'tracebridge_batch_spans',
    help: 'Spans per committed write transaction',
    buckets: [1, 8, 32, 128, 512, 1024, 2048, 4096, 8192, 16384],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'tracebridge_commit_duration_seconds',
    help: 'Time to write and commit one batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly pendingBytes = new Gauge({
    name: 'tracebridge_pending_bytes',
    help: 'Request bytes accepted but not yet committed (bounded by TRACEBRIDGE_MAX_PENDING_BYTES)',
    registers: [this.registry],
  });
  readonly retentionDeleted = new Counter({
    name: 'tracebridge_retention_deleted_traces_total',
    help: 'Traces deleted by retention',
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'tracebridge_' });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
