/**
 * Trace request body → mapped request: the otlp/ decoders, then mapRequest (map-request.ts). On the event loop
 * (`inThreadMapper`) it yields between slices of a request; map-worker.ts runs the same on a worker thread. The
 * composition root only chooses which of the two the pipeline gets.
 */
import { DecodeError } from '../otlp/decode-error.js';
import { decodeTraceRequestJson } from '../otlp/decode-json.js';
import { decodeTraceRequestProtobufStreaming } from '../otlp/decode-protobuf.js';
import type { DecodedSpan, DecodedTraceRequest } from '../otlp/model.js';
import { type MapOptions, type MapOutcome, mapRequest, type RequestMapper } from './map-request.js';

function decode(body: Uint8Array, format: 'protobuf' | 'json'): DecodedTraceRequest<Iterable<DecodedSpan>> {
  if (format === 'protobuf') return decodeTraceRequestProtobufStreaming(body);
  return decodeTraceRequestJson(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
}

export async function decodeAndMap(
  body: Uint8Array,
  format: 'protobuf' | 'json',
  opts: MapOptions,
): Promise<MapOutcome> {
  try {
    return { kind: 'mapped', request: await mapRequest(decode(body, format), opts) };
  } catch (err) {
    // Protobuf spans are decoded as they are mapped: one that does not decode makes the whole request malformed.
    if (err instanceof DecodeError) return { kind: 'malformed', message: err.message };
    throw err;
  }
}

/** Spans mapped on the event loop between two yields: a slice short enough not to hold up the writers for long. */
const YIELD_EVERY_SPANS = 64;

/**
 * Maps on the event loop, yielding every few dozen spans: a 512-span request takes tens of milliseconds, and the
 * writers' database round trips must not wait behind all of it.
 */
export function inThreadMapper(maxAttributeLength: number): RequestMapper {
  const opts: MapOptions = {
    maxAttributeLength,
    yieldEvery: YIELD_EVERY_SPANS,
    onYield: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
  return (body, format) => decodeAndMap(body, format, opts);
}
