/** What the transports need from the rest of the bridge, and what they share (auth, backpressure, metrics). */
import type { ExportContext } from '../pipeline/context.js';
import type { ExportResult } from '../pipeline/result.js';
import type { Admission } from './admission.js';
import type { ApiKeys } from './auth.js';
import type { Capture } from './capture.js';

export type Signal = 'traces' | 'logs' | 'metrics';

/**
 * A signal's pipeline as the receive step sees it: request bodies are handed over undecoded (traces are decoded
 * with their mapping, off the event loop when map workers are on: pipeline/map-workers.ts). A body that does not
 * decode comes back as MALFORMED_PAYLOAD.
 */
export interface SignalPipeline {
  exportBody(body: Uint8Array, format: 'protobuf' | 'json', ctx: ExportContext): Promise<ExportResult>;
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

/** What the receive step (receive.ts) is built from. */
export interface ReceiveDeps {
  traces: SignalPipeline;
  logs: SignalPipeline;
  lifecycle: Lifecycle;
  admission: Admission;
  apiKeys: ApiKeys;
  /** Retry delay suggested when a request is refused for backpressure or while shutting down. */
  retryAfterMs: number;
  capture?: Capture | undefined;
}

export const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id';
export const EXPERIMENT_NAME_HEADER = 'x-tracebridge-experiment';
export const API_KEY_HEADER = 'x-api-key';
