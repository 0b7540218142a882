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
import { type ErrorCode, type ExportResult, failed } from '../pipeline/result.js';
import { BodyError, decodeContent, readBody } from './body.js';
import { CONTENT_TYPES, type PayloadFormat, payloadFormat } from './content-type.js';
import { encodeAnswer } from './encode-response.js';
import type { RequestHeaders, TransportDeps } from './receive.js';
import type { Lifecycle, Readiness, Signal } from './receiver.js';

export interface HttpReceiverOptions extends TransportDeps {
  port: number;
  readiness: Readiness;
  /** /readyz answers 503 once the bridge is stopping. */
  lifecycle: Lifecycle;
  log: Logger;
}

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
      if (!res.headersSent) sendResult(res, 'json', 'traces', failed('INTERNAL', 'internal error'));
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
  const headers = requestHeaders(req);
  const refused = opts.receiver.refuseEarly(signal, headers, Number(req.headers['content-length']) || 0);
  // A request without a valid key is refused before its media type is looked at; a retryable refusal (shutting
  // down, too much pending) comes after it, so a request that could never succeed is not asked to retry.
  if (refused?.kind === 'rejected') return drainThen(req, () => sendResult(res, format, signal, refused));
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
  if (refused) return drainThen(req, () => sendResult(res, format, signal, refused));

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
  sendResult(res, format, signal, await opts.receiver.receive(signal, body, format, headers));
}

function requestHeaders(req: IncomingMessage): RequestHeaders {
  return {
    protocol: 'http',
    get(name) {
      const v = req.headers[name];
      const s = (Array.isArray(v) ? v[0] : v)?.trim();
      return s === undefined || s === '' ? undefined : s;
    },
  };
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
  const answer = encodeAnswer(signal, format, result);
  if (answer.ok) {
    sendBody(res, 200, format, answer.body);
    return;
  }
  res.setHeader('X-Tracebridge-Error', answer.code);
  if (answer.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
  if (answer.retryAfterMs !== undefined) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(answer.retryAfterMs / 1000))));
  }
  sendBody(res, answer.http, format, answer.status);
}

/** An error answered by the transport itself (routing, media type, body), built from the error table. */
function sendError(res: ServerResponse, format: PayloadFormat, code: ErrorCode, message: string): void {
  sendResult(res, format, 'traces', failed(code, message));
}
