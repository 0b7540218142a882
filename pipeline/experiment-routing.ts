/**
 * Which experiment a request's spans go to, in order: header x-mlflow-experiment-id (an existing id), header
 * x-tracebridge-experiment (a name, created on first use), resource attribute tracebridge.experiment, resource
 * attribute service.name (unless it is the SDK's unknown_service placeholder), else Default (id 0).
 */
import type { Attributes } from '../otlp/model.js';

export const DEFAULT_EXPERIMENT_ID = '0';

export interface ExperimentHeaders {
  /** x-mlflow-experiment-id */
  experimentId?: string | undefined;
  /** x-tracebridge-experiment */
  experimentName?: string | undefined;
}

/** A name, with where it came from (a header or a resource attribute: error messages name it). */
export type ExperimentChoice =
  | { byId: string }
  | { byName: string; from: string }
  | { byId: typeof DEFAULT_EXPERIMENT_ID };

export function chooseExperiment(headers: ExperimentHeaders, resource: Attributes): ExperimentChoice {
  if (headers.experimentId !== undefined) return { byId: headers.experimentId };
  if (headers.experimentName)
    return { byName: headers.experimentName, from: 'header x-tracebridge-experiment' };
  const fromResource = resource['tracebridge.experiment'];
  if (typeof fromResource === 'string' && fromResource.trim() !== '')
    return { byName: fromResource, from: 'resource attribute tracebridge.experiment' };
  const service = resource['service.name'];
  if (typeof service === 'string' && service.trim() !== '' && !service.startsWith('unknown_service')) {
    return { byName: service, from: 'resource attribute service.name' };
  }
  return { byId: DEFAULT_EXPERIMENT_ID };
}
