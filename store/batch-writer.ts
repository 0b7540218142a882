/**
 * Group commit. Requests enqueue their span records and wait; a writer loop takes whatever is waiting (up to
 * maxBatchSpans, or after lingerMs once something waits), writes it in one transaction and answers every waiter
 * only after COMMIT. Several loops may run at once (one connection each).
 *
 * A failed batch is split into its requests and retried one request per transaction, so one request whose data
 * the database refuses cannot fail the others that shared its batch.
 *
 * A large request is written as several parts, each a set of whole traces, and idle writers share what waits: when
 * load is light a request's COPY runs on several connections at once instead of one (lower latency; Postgres has
 * cores to spare then). Whole traces, so each trace is still written by one transaction, with all of its spans in
 * the request.
 */
import type { Database } from './db.js';
import type { EncodedSpan } from './encoded-span.js';
import { type EventJoin, type RefusedSpans, writeSpanBatch } from './span-writer.js';
import { isOrphanedSpanConflict, isRetryableDbError, transactionWithRetry } from './write-errors.js';
import { notWritableMessage } from './write-permission.js';

/** Spans left out because their API key may not write to their trace's experiment (write-permission.ts). */
export interface DeniedSpans {
  spans: number;
  message: string;
}

export type WriteOutcome =
  /** Every span is committed, except `denied` ones, which were not written at all. */
  | { kind: 'committed'; denied?: DeniedSpans }
  | { kind: 'unavailable'; message: string }
  /** `spans` of the write's spans were refused; the others (other parts of a split request) are committed. */
  | { kind: 'refused'; message: string; spans: number; denied?: DeniedSpans };

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

/** A request is split for parallel writers only when every part would have at least this many spans. */
const MIN_PART_SPANS = 128;

/**
 * A request this large is a batch worth a transaction of its own: when a writer is idle it is written at once
 * instead of waiting lingerMs for company (waiting would only add to its latency; under load, when no writer is
 * idle, requests still gather into shared batches while they wait). Only with several writers: on a single
 * connection (the embedded store) requests do better sharing transactions (bench: ~9k against ~8k spans/s).
 */
const NO_LINGER_SPANS = 2 * MIN_PART_SPANS;

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

  /** Resolves once every span of `records` is committed, or with why not. */
  write(records: EncodedSpan[]): Promise<WriteOutcome> {
    if (records.length === 0) return Promise.resolve({ kind: 'committed' });
    const parts = splitByTrace(
      records,
      Math.min(this.opts.concurrency, Math.floor(records.length / MIN_PART_SPANS)),
    );
    const done = Promise.all(parts.map((p) => this.enqueue(p)));
    this.schedule(records.length >= NO_LINGER_SPANS && this.opts.concurrency > 1);
    return parts.length === 1 ? done.then((o) => o[0]!) : done.then(combineOutcomes);
  }

  private enqueue(records: EncodedSpan[]): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ records, resolve });
      this.queuedSpans += records.length;
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

  private schedule(urgent = false): void {
    if (this.queuedSpans >= this.opts.maxBatchSpans || (urgent && this.active < this.opts.concurrency)) {
      // Whatever the linger timer waits for goes now; what no writer could take is rescheduled when one frees up.
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
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
    // What waits is shared among the idle writers (this one included): parts of one request go to different ones.
    const idle = Math.max(1, this.opts.concurrency - this.active);
    const limit = Math.min(this.opts.maxBatchSpans, Math.ceil(this.queuedSpans / idle));
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.records.length <= limit)) {
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
      const refused = await this.commit(batch.flatMap((p) => p.records));
      this.opts.onCommit?.({ spans, requests: batch.length, ms: performance.now() - started });
      for (const p of batch) p.resolve(committed(p.records, refused));
    } catch (err) {
      const retryable = isRetryableDbError(err);
      this.opts.onError?.(err, { spans, retryable });
      if (retryable || batch.length === 1) {
        for (const p of batch) p.resolve(outcomeOf(err, p.records.length));
        return;
      }
      for (const p of batch) {
        try {
          p.resolve(committed(p.records, await this.commit(p.records)));
        } catch (one) {
          p.resolve(outcomeOf(one, p.records.length));
        }
      }
    }
  }

  private commit(records: EncodedSpan[]): Promise<RefusedSpans> {
    return commitSpanBatch(this.db, records, this.opts.join);
  }
}

/**
 * Writes `records` in one transaction the way live ingest does: retried on deadlocks and serialization failures,
 * and once more with the delete when a span was stored without its trace row (the orphaned-span conflict).
 * `tracebridge remap` commits through here too. Returns the spans refused for permission (write-permission.ts).
 */
export async function commitSpanBatch(
  db: Database,
  records: EncodedSpan[],
  join: EventJoin | undefined,
): Promise<RefusedSpans> {
  try {
    return await transactionWithRetry(db, (tx) => writeSpanBatch(tx, records, join));
  } catch (err) {
    if (!isOrphanedSpanConflict(err)) throw err;
    return await transactionWithRetry(db, (tx) =>
      writeSpanBatch(tx, records, join, { replaceOrphans: true }),
    );
  }
}

/**
 * `records` in at most `parts` parts of whole traces (first-seen order, spans of a trace in request order), of
 * about equal span counts. One part when there are fewer traces, or parts < 2.
 */
export function splitByTrace(records: EncodedSpan[], parts: number): EncodedSpan[][] {
  if (parts < 2) return [records];
  const traces = new Map<string, EncodedSpan[]>();
  for (const r of records) {
    const t = traces.get(r.fields.trace_id);
    if (t) t.push(r);
    else traces.set(r.fields.trace_id, [r]);
  }
  if (traces.size < 2) return [records];
  const out: EncodedSpan[][] = [];
  const share = records.length / Math.min(parts, traces.size);
  let closed = 0; // spans in the parts already closed
  let current: EncodedSpan[] = [];
  for (const spans of traces.values()) {
    for (const s of spans) current.push(s);
    if (out.length < parts - 1 && closed + current.length >= share * (out.length + 1)) {
      out.push(current);
      closed += current.length;
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * One request written as several parts. Any retryable failure makes the whole request retryable (the re-send
 * replaces what was stored); refused parts add up, and the parts that committed stay committed.
 */
function combineOutcomes(outcomes: WriteOutcome[]): WriteOutcome {
  const unavailable = outcomes.find((o) => o.kind === 'unavailable');
  if (unavailable) return unavailable;
  const denials = (outcomes as Exclude<WriteOutcome, { kind: 'unavailable' }>[]).flatMap((o) =>
    o.denied ? [o.denied] : [],
  );
  const denied = denials.length
    ? { denied: { spans: denials.reduce((n, d) => n + d.spans, 0), message: denials[0]!.message } }
    : {};
  const refused = outcomes.filter((o) => o.kind === 'refused');
  if (refused.length === 0) return { kind: 'committed', ...denied };
  return {
    kind: 'refused',
    message: refused[0]!.message,
    spans: refused.reduce((n, o) => n + o.spans, 0),
    ...denied,
  };
}

/** The outcome of a committed write of `records`: which of them the writer refused for permission. */
function committed(records: EncodedSpan[], refused: RefusedSpans): WriteOutcome {
  if (refused.size === 0) return { kind: 'committed' };
  const mine = records.filter((r) => refused.has(r));
  if (mine.length === 0) return { kind: 'committed' };
  return {
    kind: 'committed',
    denied: { spans: mine.length, message: notWritableMessage(mine.length, refused.get(mine[0]!)!) },
  };
}

function outcomeOf(err: unknown, spans: number): WriteOutcome {
  const message = err instanceof Error ? err.message : String(err);
  return isRetryableDbError(err) ? { kind: 'unavailable', message } : { kind: 'refused', message, spans };
}
