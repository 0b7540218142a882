/**
 * Reading a request body under a size limit, before and after decompression, so neither a huge upload nor a
 * small gzip bomb can make the process allocate more than the limit.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export class BodyError extends Error {
  constructor(
    readonly reason: 'too_large' | 'bad_encoding' | 'unsupported_encoding' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
// Node ≥ 22.15 (zlib zstd; the supported minimum is higher): the OpenTelemetry Collector's exporters can send zstd.
const zstdDecompress = promisify(zlib.zstdDecompress);

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new BodyError('too_large', `request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError('too_large', `request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Undo Content-Encoding (gzip, deflate, zstd, identity), stopping at `limit` decompressed bytes. */
export async function decodeContent(
  body: Buffer,
  encoding: string | undefined,
  limit: number,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return await gunzip(body, { maxOutputLength: limit });
    if (enc === 'zstd') return await zstdDecompress(body, { maxOutputLength: limit });
    if (enc === 'deflate') {
      // RFC 9110 deflate is zlib-wrapped, but some clients send raw deflate: accept both.
      try {
        return await inflate(body, { maxOutputLength: limit });
      } catch (err) {
        if (isTooLarge(err)) throw err;
        return await inflateRaw(body, { maxOutputLength: limit });
      }
    }
  } catch (err) {
    if (isTooLarge(err)) {
      throw new BodyError('too_large', `decompressed request body exceeds the limit of ${limit} bytes`);
    }
    throw new BodyError('bad_encoding', `cannot decompress ${enc} body: ${(err as Error).message}`);
  }
  throw new BodyError(
    'unsupported_encoding',
    `unsupported Content-Encoding "${encoding}" (use gzip, deflate or zstd)`,
  );
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}
