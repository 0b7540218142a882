/**
 * Worker-thread entry (started by map-workers.ts): decodes and maps trace request bodies, and sends back the
 * encoded spans with all their COPY lines in one transferred buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerJob, WorkerReply } from './map-workers.js';
import { decodeAndMap } from './trace-mapping.js';

const { maxAttributeLength } = workerData as { maxAttributeLength: number };

parentPort!.on('message', async (job: WorkerJob) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const outcome = await decodeAndMap(job.body, job.format, { maxAttributeLength });
    if (outcome.kind === 'malformed') {
      reply = { id: job.id, kind: 'malformed', message: outcome.message };
    } else {
      const { spans, ...rest } = outcome.request;
      const offsets = new Uint32Array(spans.length + 1);
      for (let i = 0; i < spans.length; i++) offsets[i + 1] = offsets[i]! + spans[i]!.line.length;
      const lines = new Uint8Array(offsets[spans.length]!);
      for (let i = 0; i < spans.length; i++) lines.set(spans[i]!.line, offsets[i]!);
      reply = { id: job.id, kind: 'mapped', ...rest, fields: spans.map((s) => s.fields), lines, offsets };
      transfer.push(lines.buffer, offsets.buffer);
    }
  } catch (err) {
    reply = {
      id: job.id,
      kind: 'failed',
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    };
  }
  parentPort!.postMessage(reply, transfer);
});
