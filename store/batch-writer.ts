/**
 * Group commit. Requests enqueue their span records and wait; a writer loop takes whatever is waiting (up to
 * maxBatchSpans, or after lingerMs once something waits), writes it in one transaction and answers every waiter
 * only after COMMIT. Several loops may run at once on Postgres (one connection each); PGlite has one connection.
 *
 * A failed batch is split into its requests and retried one request per transaction, so one request whose data
 * the database refuses cannot fail the others that shared its batch.
 */
import type { Database } from './db.js';
import type { EncodedSpan } from './encoded-span.js';
import { type EventJoin, writeSpanBatch } from './span-writer.js';
import { isOrphanedSpanConflict, isRetryableDbError, transactionWithRetry } from './write-errors.js';

export type WriteOutcome =
  | { kind: 'committed' }
  | { kind: 'unavailable'; message: string }
  | { kind: 'refused'; message: string };

export interface BatchWriterOptions {
  /** Flush once this many spans wait. */
  maxBatchSpans: number;
  /** How long the first waiting request may wait for company before its batch is flushed. */
  lingerMs: number;
  /** Concurrent writer loops (transactions in flight). */
  concurrency: number;
  /** Observes each committed batch (metrics, logs). */
  onCommit?: (info: { spans: number; requests: number; ms: number }) => void;
  onError?: (err: unknown, info: { spans: number; retryable: boolean }) => void;
  /** Re-maps spans that have GenAI events stored as logs (span-writer.ts). */
  join?: EventJoin | undefined;
}

interface Pending {
  records: EncodedSpan[];
  resolve: (o: WriteOutcome) => void;
}

export class BatchWriter {
  private queue: Pending[] = [];
  private queuedSpans = 0;
  private active = 0;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly opts: BatchWriterOptions,
  ) {}

  /** Spans accepted but not yet committed. */
  get pendingSpans(): number {
    return this.queuedSpans;
  }

  write(records: EncodedSpan[]): Promise<WriteOutcome> {
    if (records.length === 0) return Promise.resolve({ kind: 'committed' });
    return new Promise((resolve) => {
      this.queue.push({ records, resolve });
      this.queuedSpans += records.length;
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or in flight (graceful shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.pump();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.queuedSpans >= this.opts.maxBatchSpans) {
      this.pump();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.opts.lingerMs);
    }
  }

  private pump(): void {
    while (this.queue.length > 0 && this.active < this.opts.concurrency) {
      const batch = this.take();
      this.active++;
      void this.flush(batch).finally(() => {
        this.active--;
        if (this.queue.length > 0) this.schedule();
        else if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    let n = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || n + this.queue[0]!.records.length <= this.opts.maxBatchSpans)
    ) {
      const p = this.queue.shift()!;
      n += p.records.length;
      batch.push(p);
    }
    this.queuedSpans -= n;
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    const spans = batch.reduce((n, p) => n + p.records.length, 0);
    const started = performance.now();
    try {
      await this.commit(batch.flatMap((p) => p.records));
      this.opts.onCommit?.({ spans, requests: batch.length, ms: performance.now() - started });
      for (const p of batch) p.resolve({ kind: 'committed' });
    } catch (err) {
      const retryable = isRetryableDbError(err);
      this.opts.onError?.(err, { spans, retryable });
      if (retryable || batch.length === 1) {
        for (const p of batch) p.resolve(outcomeOf(err));
        return;
      }
      for (const p of batch) {
        try {
          await this.commit(p.records);
          p.resolve({ kind: 'committed' });
        } catch (one) {
          p.resolve(outcomeOf(one));
        }
      }
    }
  }

  private async commit(records: EncodedSpan[]): Promise<void> {
    try {
      await transactionWithRetry(this.db, (tx) => writeSpanBatch(tx, records, this.opts.join));
    } catch (err) {
      if (!isOrphanedSpanConflict(err)) throw err;
      await transactionWithRetry(this.db, (tx) =>
        writeSpanBatch(tx, records, this.opts.join, { replaceOrphans: true }),
      );
    }
  }
}

function outcomeOf(err: unknown): WriteOutcome {
  const message = err instanceof Error ? err.message : String(err);
  return isRetryableDbError(err) ? { kind: 'unavailable', message } : { kind: 'refused', message };
}
