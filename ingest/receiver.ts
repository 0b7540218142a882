/** What the transports need from the rest of the bridge: one method per signal, plus readiness. */
import type { DecodedTraceRequest } from '../mapper/otlp.js';
import type { ExperimentHeaders } from '../pipeline/experiment-routing.js';
import type { ExportResult } from '../pipeline/result.js';

export interface TraceReceiver {
  export(req: DecodedTraceRequest, headers: ExperimentHeaders): Promise<ExportResult>;
}

export interface Readiness {
  /** Database reachable and migrated. */
  ready(): Promise<boolean>;
}

/** Lets receivers refuse new work while the process shuts down. */
export interface Lifecycle {
  readonly stopping: boolean;
}

export const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id';
export const EXPERIMENT_NAME_HEADER = 'x-tracebridge-experiment';
