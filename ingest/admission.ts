/**
 * Backpressure: a bound on request bytes accepted but not yet committed. Past it, new requests are refused with a
 * retryable answer (HTTP 429 + Retry-After, gRPC UNAVAILABLE + RetryInfo) instead of queueing without limit, so
 * memory stays bounded at any load. A request is always admitted when nothing is pending, so one request as large
 * as the body limit can still get through.
 */
export class Admission {
  private pending = 0;

  constructor(
    private readonly maxPendingBytes: number,
    private readonly onChange?: (pendingBytes: number) => void,
  ) {}

  get pendingBytes(): number {
    return this.pending;
  }

  /** Whether `bytes` would be admitted now: lets a receiver refuse a request before reading its body. */
  wouldAdmit(bytes: number): boolean {
    return this.pending === 0 || this.pending + bytes <= this.maxPendingBytes;
  }

  tryAcquire(bytes: number): boolean {
    if (!this.wouldAdmit(bytes)) return false;
    this.pending += bytes;
    this.onChange?.(this.pending);
    return true;
  }

  release(bytes: number): void {
    this.pending -= bytes;
    this.onChange?.(this.pending);
  }
}
