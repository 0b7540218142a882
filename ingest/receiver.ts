/** What the transports need from the rest of the bridge, and what they share (auth, backpressure, metrics). */

import type { BridgeMetrics } from '../metrics/metrics.js';
import type { DecodedLogsRequest } from '../otlp/logs-model.js';
import type { ExportContext } from '../pipeline/context.js';
import type { ExportResult } from '../pipeline/result.js';
import type { Admission } from './admission.js';
import type { ApiKeys } from './auth.js';
import type { Capture } from './capture.js';

/**
 * Trace bodies are handed over undecoded: decoding runs with the mapping, off the event loop when map workers are
 * on (pipeline/map-workers.ts). A body that does not decode comes back as MALFORMED_PAYLOAD.
 */
export interface TraceReceiver {
  exportBody(body: Uint8Array, format: 'protobuf' | 'json', ctx: ExportContext): Promise<ExportResult>;
}

export interface LogsReceiver {
  export(req: DecodedLogsRequest, ctx: ExportContext): Promise<ExportResult>;
}

export interface Readiness {
  /** Database reachable and migrated. */
  ready(): Promise<boolean>;
}

/** Lets receivers refuse new work while the process shuts down. */
export interface Lifecycle {
  readonly stopping: boolean;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Everything both receivers are built from. */
export interface ReceiverDeps {
  host: string;
  maxBodyBytes: number;
  traces: TraceReceiver;
  logs: LogsReceiver;
  lifecycle: Lifecycle;
  admission: Admission;
  apiKeys: ApiKeys;
  metrics: BridgeMetrics;
  /** Retry delay suggested when a request is refused for backpressure. */
  overloadRetryAfterMs: number;
  tls?: TlsFiles | undefined;
  capture?: Capture | undefined;
}

export const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id';
export const EXPERIMENT_NAME_HEADER = 'x-tracebridge-experiment';
export const API_KEY_HEADER = 'x-api-key';
