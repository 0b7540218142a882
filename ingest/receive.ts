/**
 * The one receive step both transports call, as the OTel Collector's otlpreceiver `Export` is called by its gRPC
 * and HTTP handlers: authenticate, refuse while shutting down, admit (backpressure), build the export context, hand
 * the body to the signal's pipeline, release. A transport only reads the bytes and writes the answer
 * (encode-response.ts `encodeAnswer`) in its own framing.
 */
import type { BridgeMetrics } from '../metrics/metrics.js';
import type { ExportContext, Protocol } from '../pipeline/context.js';
import { accepted, type ExportResult, failed } from '../pipeline/result.js';
import type { PayloadFormat } from './content-type.js';
import {
  API_KEY_HEADER,
  EXPERIMENT_ID_HEADER,
  EXPERIMENT_NAME_HEADER,
  type ReceiveDeps,
  type Signal,
  type TlsFiles,
} from './receiver.js';

/** What a transport knows of a request besides its body: its protocol and its headers (gRPC: metadata). */
export interface RequestHeaders {
  protocol: Protocol;
  /** The trimmed value of a header, undefined when absent or empty. */
  get(name: string): string | undefined;
}

/** What both transports are built from besides their port. */
export interface TransportDeps {
  host: string;
  maxBodyBytes: number;
  receiver: Receiver;
  metrics: BridgeMetrics;
  tls?: TlsFiles | undefined;
}

export class Receiver {
  constructor(private readonly deps: ReceiveDeps) {}

  /**
   * What can be refused before the body is read: authentication, shutting down, and a declared size that cannot
   * be admitted. HTTP asks before reading a body, because under overload reading hundreds of bodies only to refuse
   * them is what would grow memory; `receive` asks again so a transport cannot skip it.
   */
  refuseEarly(signal: Signal, headers: RequestHeaders, declaredBytes = 0): ExportResult | null {
    const checked = this.check(signal, headers, declaredBytes);
    return 'refused' in checked ? checked.refused : null;
  }

  async receive(
    signal: Signal,
    bytes: Uint8Array,
    format: PayloadFormat,
    headers: RequestHeaders,
  ): Promise<ExportResult> {
    const checked = this.check(signal, headers, 0);
    if ('refused' in checked) return checked.refused;
    this.deps.capture?.(signal, format, bytes);
    // Metrics are accepted and not stored, so exporters configured for every signal don't log errors.
    if (signal === 'metrics') return accepted();

    // Released by size: the body itself must not stay reachable from here while the spans wait for their commit.
    const size = bytes.length;
    if (!this.deps.admission.tryAcquire(size)) return this.overloaded();
    try {
      const ctx: ExportContext = {
        protocol: headers.protocol,
        experimentId: headers.get(EXPERIMENT_ID_HEADER),
        experimentName: headers.get(EXPERIMENT_NAME_HEADER),
        allowedExperiments: checked.allowedExperiments,
      };
      const pipeline = signal === 'traces' ? this.deps.traces : this.deps.logs;
      return await pipeline.exportBody(bytes, format, ctx);
    } finally {
      this.deps.admission.release(size);
    }
  }

  private check(
    signal: Signal,
    headers: RequestHeaders,
    declaredBytes: number,
  ): { refused: ExportResult } | { allowedExperiments: ReadonlySet<string> | null } {
    const auth = this.deps.apiKeys.authenticate(headers.get('authorization'), headers.get(API_KEY_HEADER));
    if (!auth.ok) {
      const why = auth.reason === 'missing' ? 'an API key is required' : 'the API key is not valid';
      return { refused: failed('UNAUTHENTICATED', `${why} (Authorization: Bearer or x-api-key)`) };
    }
    if (this.deps.lifecycle.stopping) {
      return { refused: failed('SHUTTING_DOWN', 'the bridge is shutting down', this.deps.retryAfterMs) };
    }
    if (signal !== 'metrics' && declaredBytes > 0 && !this.deps.admission.wouldAdmit(declaredBytes)) {
      return { refused: this.overloaded() };
    }
    return { allowedExperiments: auth.allowedExperiments };
  }

  private overloaded(): ExportResult {
    return failed('OVERLOADED', 'too much data waiting to be committed; retry later', this.deps.retryAfterMs);
  }
}
