/**
 * OTLP/HTTP receiver: POST /v1/traces and /v1/logs (protobuf or JSON, gzip/deflate), /v1/metrics (accepted, not
 * stored), GET /healthz, /readyz and /metrics. Replies in the request's encoding; errors carry a
 * google.rpc.Status body.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ExportContext } from '../pipeline/context.js';
import { ERRORS, type ErrorCode, type ExportResult } from '../pipeline/result.js';
import { BodyError, decodeContent, readBody } from './body.js';
import { CONTENT_TYPES, type PayloadFormat, payloadFormat } from './content-type.js';
import { DecodeError } from './decode-error.js';
import { decodeLogsRequestJson } from './decode-json.js';
import { decodeLogsRequestProtobufFast } from './decode-protobuf-fast.js';
import { encodeLogsResponse, encodeStatus, encodeTraceResponse } from './encode-response.js';
import {
  API_KEY_HEADER,
  EXPERIMENT_ID_HEADER,
  EXPERIMENT_NAME_HEADER,
  type Readiness,
  type ReceiverDeps,
} from './receiver.js';

export interface HttpReceiverOptions extends ReceiverDeps {
  port: number;
  readiness: Readiness;
  log: Logger;
  /**
   * Other routes on this port (the read API and web UI, api/read-api.ts), asked first: true when it answered the
   * request, false to leave it to the OTLP receiver.
   */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

type Signal = 'traces' | 'logs' | 'metrics';
const SIGNALS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
};

export async function startHttpReceiver(
  opts: HttpReceiverOptions,
): Promise<{ server: Server; port: number }> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, opts).catch((err: unknown) => {
      opts.log.error({ err, code: 'INTERNAL' }, 'unhandled error in HTTP handler');
      if (!res.headersSent) sendError(res, 'json', 'INTERNAL', 'internal error');
      else res.destroy();
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
    : createHttpServer(handler);
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
  if (opts.routes?.(req, res)) return;
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && (path === '/healthz' || path === '/readyz' || path === '/metrics')) {
    return probe(req, res, path, opts);
  }
  const signal = SIGNALS[path];
  const format = payloadFormat(req.headers['content-type']) ?? 'json';
  // Counted when the answer is written, whatever the path through this function.
  res.once('finish', () =>
    opts.metrics.requests.inc({
      protocol: 'http',
      signal: signal ?? 'other',
      status: String(res.statusCode),
    }),
  );
  if (!signal) return drainThen(req, () => sendError(res, format, 'NOT_FOUND', `no route ${path}`));
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return drainThen(req, () =>
      sendError(res, format, 'METHOD_NOT_ALLOWED', `${req.method} not allowed; use POST`),
    );
  }
  const auth = opts.apiKeys.authenticate(header(req, 'authorization'), header(req, API_KEY_HEADER));
  if (!auth.ok) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    const why = auth.reason === 'missing' ? 'an API key is required' : 'the API key is not valid';
    return drainThen(req, () =>
      sendError(res, format, 'UNAUTHENTICATED', `${why} (Authorization: Bearer or x-api-key)`),
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
    return drainThen(req, () =>
      sendResult(res, format, signal, {
        kind: 'retryable',
        code: 'SHUTTING_DOWN',
        message: 'the bridge is shutting down',
        retryAfterMs: 1000,
      }),
    );
  }

  // Refused before the body is read when its declared size already cannot be admitted: under overload, reading
  // hundreds of bodies only to refuse them is what would grow memory.
  const declared = Number(req.headers['content-length']);
  if (signal !== 'metrics' && declared > 0 && !opts.admission.wouldAdmit(declared)) {
    return drainThen(req, () => sendResult(res, format, signal, overloaded(opts)));
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
    // The rest of an oversized body is not read: close rather than keep a connection in an unknown state.
    res.setHeader('Connection', 'close');
    return sendError(res, format, code, err.message);
  }
  opts.capture?.(signal, format, body);
  if (signal === 'metrics') return sendBody(res, 200, format, format === 'json' ? '{}' : new Uint8Array(0));

  // Released by size: `body` itself must not stay reachable from here while the spans wait for their commit.
  const size = body.length;
  if (!opts.admission.tryAcquire(size)) return sendResult(res, format, signal, overloaded(opts));
  try {
    const ctx: ExportContext = {
      protocol: 'http',
      experimentId: header(req, EXPERIMENT_ID_HEADER),
      experimentName: header(req, EXPERIMENT_NAME_HEADER),
      allowedExperiments: auth.allowedExperiments,
    };
    sendResult(res, format, signal, await decodeAndExport(signal, format, body, ctx, opts));
  } finally {
    opts.admission.release(size);
  }
}

/** Decodes the body for its signal and hands it to the pipeline; a body that does not decode is a 400. */
async function decodeAndExport(
  signal: 'traces' | 'logs',
  format: PayloadFormat,
  body: Buffer,
  ctx: ExportContext,
  opts: HttpReceiverOptions,
): Promise<ExportResult> {
  if (signal === 'traces') return opts.traces.exportBody(body, format, ctx);
  try {
    const req =
      format === 'protobuf'
        ? decodeLogsRequestProtobufFast(body)
        : decodeLogsRequestJson(body.toString('utf8'));
    return await opts.logs.export(req, ctx);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return {
      kind: 'rejected',
      code: 'MALFORMED_PAYLOAD',
      message: `cannot decode OTLP ${format}: ${err.message}`,
    };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === undefined || s === '' ? undefined : s;
}

/** Read and discard the body before answering, so keep-alive connections stay usable. */
function overloaded(opts: HttpReceiverOptions): ExportResult {
  return {
    kind: 'retryable',
    code: 'OVERLOADED',
    message: 'too much data waiting to be committed; retry later',
    retryAfterMs: opts.overloadRetryAfterMs,
  };
}

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
  if (path === '/metrics') {
    const { contentType, body } = await opts.metrics.render();
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
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

function sendResult(res: ServerResponse, format: PayloadFormat, signal: Signal, result: ExportResult): void {
  if (result.kind === 'accepted') {
    const r = result.rejected;
    const body =
      signal === 'logs'
        ? encodeLogsResponse(format, r ? { rejectedLogRecords: r.count, errorMessage: r.message } : undefined)
        : encodeTraceResponse(format, r ? { rejectedSpans: r.count, errorMessage: r.message } : undefined);
    sendBody(res, 200, format, body);
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
