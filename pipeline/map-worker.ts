/**
 * Worker-thread entry (started by map-workers.ts): decodes and maps trace request bodies, and sends back the
 * encoded spans in slices as they are mapped, each slice's COPY lines in one transferred buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EncodedSpan } from '../store/encoded-span.js';
import { decodeAndMap } from './decode-and-map.js';
import { type PackedSpans, WORKER_SLICE_SPANS, type WorkerJob, type WorkerReply } from './map-workers.js';

const { maxAttributeLength } = workerData as { maxAttributeLength: number };

function pack(spans: EncodedSpan[]): PackedSpans {
  const offsets = new Uint32Array(spans.length + 1);
  for (let i = 0; i < spans.length; i++) offsets[i + 1] = offsets[i]! + spans[i]!.line.length;
  const lines = new Uint8Array(offsets[spans.length]!);
  for (let i = 0; i < spans.length; i++) lines.set(spans[i]!.line, offsets[i]!);
  return { fields: spans.map((s) => s.fields), lines, offsets };
}

function post(reply: WorkerReply): void {
  parentPort!.postMessage(reply, 'lines' in reply ? [reply.lines.buffer, reply.offsets.buffer] : []);
}

parentPort!.on('message', async (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    const outcome = await decodeAndMap(job.body, job.format, {
      maxAttributeLength,
      handOver: {
        every: WORKER_SLICE_SPANS,
        spans: (spans) => post({ id: job.id, kind: 'slice', ...pack(spans) }),
      },
    });
    if (outcome.kind === 'malformed') {
      reply = { id: job.id, kind: 'malformed', message: outcome.message };
    } else {
      const { spans, ...rest } = outcome.request;
      reply = { id: job.id, kind: 'mapped', ...rest, ...pack(spans) };
    }
  } catch (err) {
    reply = {
      id: job.id,
      kind: 'failed',
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    };
  }
  post(reply);
});
