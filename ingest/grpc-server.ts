/**
 * OTLP/gRPC receiver on @grpc/grpc-js. The service is registered with pass-through (de)serializers, so gRPC hands
 * the raw request bytes to the same protobuf decoder the HTTP receiver uses: one decode path for both transports.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ERRORS, type ErrorCode, type ExportResult } from '../pipeline/result.js';
import { DecodeError } from './decode-error.js';
import { decodeTraceRequestProtobufFast } from './decode-protobuf-fast.js';
import { encodeStatus, encodeTraceResponse } from './encode-response.js';
import { API_KEY_HEADER, EXPERIMENT_ID_HEADER, EXPERIMENT_NAME_HEADER, type ReceiverDeps } from './receiver.js';

export interface GrpcReceiverOptions extends ReceiverDeps {
  port: number;
  log: Logger;
}

const identity = (b: Buffer): Buffer => b;

function unary(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

const TRACE_SERVICE = { Export: unary('/opentelemetry.proto.collector.trace.v1.TraceService/Export') };
const LOGS_SERVICE = { Export: unary('/opentelemetry.proto.collector.logs.v1.LogsService/Export') };
const METRICS_SERVICE = { Export: unary('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export') };

type Call = grpc.ServerUnaryCall<Buffer, Buffer>;
type Callback = grpc.sendUnaryData<Buffer>;

export async function startGrpcReceiver(opts: GrpcReceiverOptions): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });

  server.addService(TRACE_SERVICE, {
    Export: (call: Call, callback: Callback) => {
      const answer = counted(opts, 'traces', callback);
      exportTraces(call, opts).then(
        (result) => reply(answer, result),
        (err: unknown) => {
          opts.log.error({ err, code: 'INTERNAL' }, 'unhandled error in gRPC handler');
          fail(answer, 'INTERNAL', 'internal error');
        },
      );
    },
  });
  // Accepted and not stored (yet), so exporters configured for every signal don't log errors.
  const accept = (signal: string) => (call: Call, callback: Callback) => {
    const answer = counted(opts, signal, callback);
    const auth = authenticate(call, opts);
    if (!auth.ok) return fail(answer, 'UNAUTHENTICATED', 'a valid API key is required');
    answer(null, Buffer.alloc(0));
  };
  server.addService(LOGS_SERVICE, { Export: accept('logs') });
  server.addService(METRICS_SERVICE, { Export: accept('metrics') });

  const credentials = opts.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { server, port };
}

/** Wraps the callback so every answer is counted by status. */
function counted(opts: GrpcReceiverOptions, signal: string, callback: Callback): Callback {
  return (error, value) => {
    const code = error ? (error.code ?? grpc.status.UNKNOWN) : grpc.status.OK;
    opts.metrics.requests.inc({ protocol: 'grpc', signal, status: grpc.status[code] ?? String(code) });
    callback(error, value);
  };
}

function authenticate(call: Call, opts: GrpcReceiverOptions) {
  return opts.apiKeys.authenticate(
    metadataValue(call.metadata, 'authorization'),
    metadataValue(call.metadata, API_KEY_HEADER),
  );
}

async function exportTraces(call: Call, opts: GrpcReceiverOptions): Promise<ExportResult> {
  const auth = authenticate(call, opts);
  if (!auth.ok) {
    const why = auth.reason === 'missing' ? 'an API key is required' : 'the API key is not valid';
    return { kind: 'rejected', code: 'UNAUTHENTICATED', message: `${why} (authorization: Bearer or x-api-key)` };
  }
  if (opts.lifecycle.stopping) {
    return { kind: 'retryable', code: 'SHUTTING_DOWN', message: 'the bridge is shutting down', retryAfterMs: 1000 };
  }
  opts.capture?.('traces', 'protobuf', call.request);
  const size = call.request.length;
  if (!opts.admission.tryAcquire(size)) {
    return {
      kind: 'retryable',
      code: 'OVERLOADED',
      message: 'too much data waiting to be committed; retry later',
      retryAfterMs: opts.overloadRetryAfterMs,
    };
  }
  try {
    let decoded: ReturnType<typeof decodeTraceRequestProtobufFast>;
    try {
      decoded = decodeTraceRequestProtobufFast(call.request);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { kind: 'rejected', code: 'MALFORMED_PAYLOAD', message: `cannot decode OTLP protobuf: ${err.message}` };
    }
    return await opts.traces.export(decoded, {
      protocol: 'grpc',
      experimentId: metadataValue(call.metadata, EXPERIMENT_ID_HEADER),
      experimentName: metadataValue(call.metadata, EXPERIMENT_NAME_HEADER),
      allowedExperiments: auth.allowedExperiments,
    });
  } finally {
    opts.admission.release(size);
  }
}

function metadataValue(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  const s = (typeof v === 'string' ? v : v?.toString('utf8'))?.trim();
  return s === undefined || s === '' ? undefined : s;
}

function reply(callback: Callback, result: ExportResult): void {
  if (result.kind === 'accepted') {
    const partial = result.rejected
      ? { rejectedSpans: result.rejected.count, errorMessage: result.rejected.message }
      : undefined;
    callback(null, Buffer.from(encodeTraceResponse('protobuf', partial)));
    return;
  }
  fail(callback, result.code, result.message, result.kind === 'retryable' ? result.retryAfterMs : undefined);
}

/** A gRPC error with a google.rpc.Status (and RetryInfo when retryable) in grpc-status-details-bin. */
function fail(callback: Callback, code: ErrorCode, message: string, retryDelayMs?: number): void {
  const grpcCode = ERRORS[code].grpc;
  const metadata = new grpc.Metadata();
  const details = encodeStatus('protobuf', { code: grpcCode, message: `${code}: ${message}`, retryDelayMs });
  metadata.set('grpc-status-details-bin', Buffer.from(details));
  metadata.set('x-tracebridge-error', code);
  callback({ code: grpcCode, details: `${code}: ${message}`, metadata });
}
