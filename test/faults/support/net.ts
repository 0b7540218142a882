/**
 * Raw OTLP clients for the fault and fuzz tests: every request's outcome is recorded exactly (HTTP status or the
 * network error code; gRPC status code and its RetryInfo), and the retrying variants honour the bridge's
 * Retry-After / google.rpc.RetryInfo the way OTel exporters do, within a bounded time.
 *
 * HTTP goes through node:http with an explicit Agent (not fetch's global pool), so a test can destroy its
 * keep-alive sockets before stopping a bridge.
 */
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { RetryInfo, RpcStatus } from '../../../proto/otlp.js';

export const PB = { 'content-type': 'application/x-protobuf' } as const;
export const JSON_CT = { 'content-type': 'application/json' } as const;
export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request to 127.0.0.1:port. Rejects on a network error (the error's `code`, e.g. ECONNRESET). */
export function httpRequest(
  port: number,
  method: string,
  path: string,
  body: Uint8Array | string | undefined,
  headers: Record<string, string>,
  opts: { agent?: http.Agent; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { ...headers };
    if (body !== undefined) all['content-length'] = String(Buffer.byteLength(body));
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: all, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => {
      const err = new Error('request timed out') as NodeJS.ErrnoException;
      err.code = 'TIMEOUT';
      req.destroy(err);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const errorCode = (err: unknown): string =>
  (err as NodeJS.ErrnoException | null)?.code ?? (err instanceof Error ? err.message : String(err));

export function grpcClient(port: number): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    // Reconnect quickly after a refused connection (the default backoff starts at 1 s and grows).
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
  });
}

export function grpcExport(
  client: grpc.Client,
  body: Uint8Array,
  metadata = new grpc.Metadata(),
  deadlineMs = 30_000,
): Promise<{ response?: Buffer; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata,
      { deadline: Date.now() + deadlineMs },
      (error, response) => resolve(error ? { error } : { response: response! }),
    );
  });
}

/** The RetryInfo delay carried in a gRPC error's grpc-status-details-bin, in ms (undefined when absent). */
export function grpcRetryDelayMs(error: grpc.ServiceError): number | undefined {
  const raw = error.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  const status = RpcStatus.decode(raw) as unknown as { details: { type_url: string; value: Uint8Array }[] };
  const d = status.details.find((x) => x.type_url.endsWith('google.rpc.RetryInfo'));
  if (!d) return undefined;
  const r = RetryInfo.toObject(RetryInfo.decode(d.value), { longs: Number }) as {
    retryDelay?: { seconds?: number; nanos?: number };
  };
  return (r.retryDelay?.seconds ?? 0) * 1000 + (r.retryDelay?.nanos ?? 0) / 1e6;
}

export interface Attempt {
  transport: 'http-protobuf' | 'http-json' | 'grpc';
  at: number;
  /** HTTP status, gRPC status code name (`OK`, `UNAVAILABLE`, …) or a network error code. */
  outcome: number | string;
  /** HTTP Retry-After header, when sent. */
  retryAfter?: string | undefined;
  /** gRPC RetryInfo delay in ms, when sent. */
  retryInfoMs?: number | undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits (polling) until cond() holds; throws after timeoutMs with `what` in the message. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * POSTs until 200, retrying 503 / 429 after Retry-After (capped at 5 s) and network errors after 200 ms, until
 * `deadline` (epoch ms) or until abort() says so. Any other status is final. Every attempt is appended to
 * `attempts`.
 */
export async function deliverHttp(
  port: number,
  body: Uint8Array | string,
  headers: Record<string, string>,
  attempts: Attempt[],
  deadline: number,
  agent?: http.Agent,
  abort: () => boolean = () => false,
): Promise<number | string> {
  const transport = headers['content-type']?.includes('json') ? 'http-json' : 'http-protobuf';
  for (;;) {
    let outcome: number | string;
    let wait = 200;
    try {
      const r = await httpRequest(port, 'POST', '/v1/traces', body, headers, {
        ...(agent ? { agent } : {}),
        timeoutMs: Math.max(1000, deadline - Date.now()),
      });
      outcome = r.status;
      const retryAfter = r.headers['retry-after'];
      attempts.push({ transport, at: Date.now(), outcome, retryAfter });
      if (r.status !== 503 && r.status !== 429) return outcome;
      const secs = Number(retryAfter);
      wait = Number.isFinite(secs) && secs > 0 ? Math.min(secs * 1000, 5000) : 1000;
    } catch (err) {
      outcome = errorCode(err);
      attempts.push({ transport, at: Date.now(), outcome });
    }
    if (Date.now() + wait > deadline || abort()) return outcome;
    await sleep(wait);
  }
}

/** Exports over gRPC until OK, retrying UNAVAILABLE after its RetryInfo (or 500 ms), until `deadline`. */
export async function deliverGrpc(
  client: grpc.Client,
  body: Uint8Array,
  attempts: Attempt[],
  deadline: number,
  metadata?: grpc.Metadata,
  abort: () => boolean = () => false,
): Promise<string> {
  for (;;) {
    const { error } = await grpcExport(client, body, metadata, Math.max(1000, deadline - Date.now()));
    const outcome = error ? grpc.status[error.code]! : 'OK';
    const retryInfoMs = error ? grpcRetryDelayMs(error) : undefined;
    attempts.push({ transport: 'grpc', at: Date.now(), outcome, retryInfoMs });
    if (!error || error.code !== grpc.status.UNAVAILABLE) return outcome;
    const wait = Math.min(retryInfoMs ?? 500, 5000);
    if (Date.now() + wait > deadline || abort()) return outcome;
    await sleep(wait);
  }
}
