/**
 * Decoding and mapping on worker threads (TRACEBRIDGE_MAP_WORKERS). The event loop then only moves bytes — HTTP,
 * gRPC, the writers' COPY — while a request's tens of milliseconds of mapping run beside it, so the writers'
 * database round trips never wait behind a request being mapped, and a second core does the mapping.
 *
 * A job goes to the worker with the fewest jobs in flight. A worker that dies fails its jobs with
 * MapperUnavailableError (the requests are answered 503 / UNAVAILABLE, so exporters retry them) and is replaced.
 */
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { EncodedSpan } from '../store/encoded-span.js';
import {
  type MapOutcome,
  type MappedRequest,
  MapperUnavailableError,
  type RequestMapper,
} from './map-request.js';

export interface WorkerJob {
  id: number;
  body: Uint8Array;
  format: 'protobuf' | 'json';
}

/** Encoded spans as they cross threads: all their COPY lines in one buffer (transferred, not copied). */
export interface PackedSpans {
  fields: EncodedSpan['fields'][];
  lines: Uint8Array<ArrayBuffer>;
  offsets: Uint32Array<ArrayBuffer>;
}

/** Spans per slice the worker sends while it maps a request (pipeline/map-request.ts, `handOver`). */
export const WORKER_SLICE_SPANS = 64;

export type WorkerReply =
  /** The next spans of a request still being mapped; its `mapped` reply brings the rest. */
  | ({ id: number; kind: 'slice' } & PackedSpans)
  | ({ id: number; kind: 'mapped' } & PackedSpans & Omit<MappedRequest, 'spans'>)
  | { id: number; kind: 'malformed'; message: string }
  | { id: number; kind: 'failed'; message: string; stack?: string | undefined };

interface Pending {
  resolve: (o: MapOutcome) => void;
  reject: (e: Error) => void;
  /** Spans of the slices received so far, in order. */
  spans: EncodedSpan[];
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  lost: boolean;
}

const RESPAWN_DELAY_MS = 1000;
const YOUNG_GENERATION_MB = 16;

// From the TypeScript sources (tests, development) the worker starts through a tsx bootstrap: map-worker-tsx.mjs.
const WORKER_URL = new URL(
  fileURLToPath(import.meta.url).endsWith('.ts') ? './map-worker-tsx.mjs' : './map-worker.js',
  import.meta.url,
);

export class MapWorkers {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closing = false;

  constructor(
    count: number,
    private readonly maxAttributeLength: number,
    private readonly log: Logger,
    /** Heap limit of each worker (MB); a request that needs more fails alone and the worker is replaced. */
    private readonly maxHeapMb?: number,
  ) {
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
  }

  readonly map: RequestMapper = (body, format) => {
    const live = this.slots.filter((s) => !s.lost);
    if (live.length === 0) return Promise.reject(new MapperUnavailableError('no map worker is running'));
    const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.nextId;
    // A copy the worker can own: the receiver's buffer may be a slice of a shared pool.
    const copy = new Uint8Array(body);
    return new Promise<MapOutcome>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, spans: [] });
      slot.worker.postMessage({ id, body: copy, format } satisfies WorkerJob, [copy.buffer]);
    });
  };

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    // The worker decodes spans as it maps them and hands its output over every WORKER_SLICE_SPANS spans, so
    // almost nothing survives a collection of its young generation, and a small one costs little (the sizes tried
    // and what each cost are in docs/performance.md).
    // The size is set as a V8 flag, read when an isolate is created: a `--max-semi-space-size` the process was
    // started with (package.json's start: a small one for the event loop) would override `resourceLimits`.
    v8.setFlagsFromString(`--max-semi-space-size=${YOUNG_GENERATION_MB / 2}`);
    const worker = new Worker(WORKER_URL, {
      workerData: { maxAttributeLength: this.maxAttributeLength },
      resourceLimits: this.maxHeapMb ? { maxOldGenerationSizeMb: this.maxHeapMb } : {},
    });
    const slot: Slot = { worker, pending: new Map(), lost: false };
    worker.on('message', (reply: WorkerReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      if (reply.kind === 'slice') {
        for (const s of unpack(reply)) p.spans.push(s);
        return;
      }
      slot.pending.delete(reply.id);
      if (reply.kind === 'failed') {
        // The stack goes to the log, not into the answer the exporter sees.
        this.log.error({ err: reply.stack ?? reply.message }, 'mapping a request failed');
        p.reject(new Error(`mapping failed: ${reply.message}`));
      } else if (reply.kind === 'malformed') p.resolve(reply);
      else {
        const { fields, lines, offsets, ...rest } = reply;
        for (const s of unpack(reply)) p.spans.push(s);
        p.resolve({ kind: 'mapped', request: { ...rest, spans: p.spans } });
      }
    });
    worker.on('error', (err) =>
      this.lost(slot, new MapperUnavailableError(`map worker failed: ${err.message}`)),
    );
    worker.on('exit', (code) =>
      this.lost(slot, new MapperUnavailableError(`map worker exited with code ${code}`)),
    );
    return slot;
  }

  private lost(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    if (slot.lost || this.closing) return;
    slot.lost = true;
    this.log.error({ err: err.message }, `map worker lost; starting another in ${RESPAWN_DELAY_MS} ms`);
    // Meanwhile jobs go to the other workers, or are refused (retryable) when none is left: a worker that cannot
    // start at all must not turn into a busy loop of spawning.
    setTimeout(() => {
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closing) this.slots[i] = this.spawn();
    }, RESPAWN_DELAY_MS).unref();
  }
}

function unpack({ fields, lines, offsets }: PackedSpans): EncodedSpan[] {
  const all = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength);
  return fields.map((f, i) => ({ fields: f, line: all.subarray(offsets[i]!, offsets[i + 1]!) }));
}
