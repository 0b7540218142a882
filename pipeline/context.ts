/** What a transport tells the pipeline about a request besides its spans. */
import type { ExperimentHeaders } from './experiment-routing.js';

export type Protocol = 'http' | 'grpc';

export interface ExportContext extends ExperimentHeaders {
  protocol: Protocol;
  /**
   * Experiments the request's API key may write to; null or undefined = any (auth off, or an unrestricted key).
   */
  allowedExperiments?: ReadonlySet<string> | null;
}
