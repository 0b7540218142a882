/**
 * OTLP/HTTP receiver: POST /v1/traces (protobuf or JSON, gzip/deflate), /v1/logs and /v1/metrics (accepted, not
 * stored yet), GET /healthz and /readyz. Replies in the request's encoding; errors carry a google.rpc.Status body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ERRORS, type ErrorCode, type ExportResult } from '../pipeline/result.js';
import { BodyError, decodeContent, readBody } from './body.js';
import type { Capture } from './capture.js';
import { CONTENT_TYPES, type PayloadFormat, payloadFormat } from './content-type.js';
import { DecodeError } from './decode-error.js';
import { decodeTraceRequestJson } from './decode-json.js';
import { decodeTraceRequestProtobuf } from './decode-protobuf.js';
import { encodeStatus, encodeTraceResponse } from './encode-response.js';
import {
  EXPERIMENT_ID_HEADER,
  EXPERIMENT_NAME_HEADER,
  type Lifecycle,
  type Readiness,
  type TraceReceiver,
} from './receiver.js';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  traces: TraceReceiver;
  readiness: Readiness;
  lifecycle: Lifecycle;
  log: Logger;
  capture?: Capture | undefined;
}

const SIGNAL_PATHS = new Set(['/v1/traces', '/v1/logs', '/v1/metrics']);

export async function startHttpReceiver(
  opts: HttpReceiverOptions,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      opts.log.error({ err, code: 'INTERNAL' }, 'unhandled error in HTTP handler');
      if (!res.headersSent) sendError(res, 'json', 'INTERNAL', 'internal error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: HttpReceiverOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/healthz' || path === '/readyz') return probe(req, res, path, opts);
  const format = payloadFormat(req.headers['content-type']) ?? 'json';
  if (!SIGNAL_PATHS.has(path))
    return drainThen(req, () => sendError(res, format, 'NOT_FOUND', `no route ${path}`));
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return drainThen(req, () =>
      sendError(res, format, 'METHOD_NOT_ALLOWED', `${req.method} not allowed; use POST`),
    );
  }
  if (!payloadFormat(req.headers['content-type'])) {
    return drainThen(req, () =>
      sendError(
        res,
        'json',
        'UNSUPPORTED_MEDIA_TYPE',
        `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`,
      ),
    );
  }
  if (opts.lifecycle.stopping) {
    return drainThen(req, () => sendResult(res, format, retryableShutdown()));
  }

  let body: Buffer;
  try {
    const raw = await readBody(req, opts.maxBodyBytes);
    body = await decodeContent(raw, req.headers['content-encoding'], opts.maxBodyBytes);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    const code: ErrorCode =
      err.reason === 'too_large'
        ? 'PAYLOAD_TOO_LARGE'
        : err.reason === 'unsupported_encoding'
          ? 'UNSUPPORTED_ENCODING'
          : 'MALFORMED_PAYLOAD';
    res.setHeader('Connection', 'close');
    return sendError(res, format, code, err.message);
  }

  opts.capture?.(path.slice(4) as 'traces' | 'logs' | 'metrics', format, body);
  if (path !== '/v1/traces') return sendOk(res, format, path);

  let decoded: ReturnType<typeof decodeTraceRequestProtobuf>;
  try {
    decoded =
      format === 'protobuf'
        ? decodeTraceRequestProtobuf(body)
        : decodeTraceRequestJson(body.toString('utf8'));
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return sendError(res, format, 'MALFORMED_PAYLOAD', `cannot decode OTLP ${format}: ${err.message}`);
  }
  const headerId = header(req, EXPERIMENT_ID_HEADER);
  const result = await opts.traces.export(decoded, {
    experimentId: headerId,
    experimentName: header(req, EXPERIMENT_NAME_HEADER),
  });
  sendResult(res, format, result);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === undefined || s === '' ? undefined : s;
}

/** Read and discard the body before answering, so keep-alive connections stay usable. */
function drainThen(req: IncomingMessage, answer: () => void): void {
  if (req.readableEnded) {
    answer();
    return;
  }
  let answered = false;
  const once = () => {
    if (answered) return;
    answered = true;
    answer();
  };
  req.resume();
  req.once('end', once);
  req.once('error', once);
}

async function probe(req: IncomingMessage, res: ServerResponse, path: string, opts: HttpReceiverOptions) {
  req.resume();
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  const ready = !opts.lifecycle.stopping && (await opts.readiness.ready().catch(() => false));
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendBody(
  res: ServerResponse,
  status: number,
  format: PayloadFormat,
  body: Uint8Array | string,
): void {
  const buf =
    typeof body === 'string'
      ? Buffer.from(body, 'utf8')
      : Buffer.from(body.buffer, body.byteOffset, body.length);
  res.writeHead(status, { 'Content-Type': CONTENT_TYPES[format], 'Content-Length': buf.length });
  res.end(buf);
}

function sendOk(res: ServerResponse, format: PayloadFormat, _path: string): void {
  // An empty Export*ServiceResponse: zero bytes in protobuf, {} in JSON, for traces, logs and metrics alike.
  sendBody(res, 200, format, format === 'json' ? '{}' : new Uint8Array(0));
}

function sendResult(res: ServerResponse, format: PayloadFormat, result: ExportResult): void {
  if (result.kind === 'accepted') {
    const partial = result.rejected
      ? { rejectedSpans: result.rejected.count, errorMessage: result.rejected.message }
      : undefined;
    sendBody(res, 200, format, encodeTraceResponse(format, partial));
  } else if (result.kind === 'retryable') {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
    sendError(res, format, result.code, result.message, result.retryAfterMs);
  } else {
    sendError(res, format, result.code, result.message);
  }
}

function sendError(
  res: ServerResponse,
  format: PayloadFormat,
  code: ErrorCode,
  message: string,
  retryDelayMs?: number,
): void {
  const spec = ERRORS[code];
  res.setHeader('X-Tracebridge-Error', code);
  const status = encodeStatus(format, { code: spec.grpc, message: `${code}: ${message}`, retryDelayMs });
  sendBody(res, spec.http, format, status);
}

function retryableShutdown(): ExportResult {
  return {
    kind: 'retryable',
    code: 'SHUTTING_DOWN',
    message: 'the bridge is shutting down',
    retryAfterMs: 1000,
  };
}
