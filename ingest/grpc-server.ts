/**
 * OTLP/gRPC receiver on @grpc/grpc-js. The service is registered with pass-through (de)serializers, so gRPC hands
 * the raw request bytes to the same protobuf decoder the HTTP receiver uses: one decode path for both transports.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DecodeError } from '../otlp/decode-error.js';
import { decodeLogsRequestProtobufFast } from '../otlp/decode-protobuf.js';
import type { ExportContext } from '../pipeline/context.js';
import { ERRORS, type ErrorCode, type ExportResult } from '../pipeline/result.js';
import { encodeLogsResponse, encodeStatus, encodeTraceResponse } from './encode-response.js';
import {
  API_KEY_HEADER,
  EXPERIMENT_ID_HEADER,
  EXPERIMENT_NAME_HEADER,
  type ReceiverDeps,
} from './receiver.js';

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

type Signal = 'traces' | 'logs';
type Call = grpc.ServerUnaryCall<Buffer, Buffer>;
type Callback = grpc.sendUnaryData<Buffer>;

export async function startGrpcReceiver(
  opts: GrpcReceiverOptions,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });

  const handler = (signal: Signal) => (call: Call, callback: Callback) => {
    const answer = counted(opts, signal, callback);
    exportSignal(signal, call, opts).then(
      (result) => reply(answer, signal, result),
      (err: unknown) => {
        opts.log.error({ err, code: 'INTERNAL' }, 'unhandled error in gRPC handler');
        fail(answer, 'INTERNAL', 'internal error');
      },
    );
  };
  server.addService(TRACE_SERVICE, { Export: handler('traces') });
  server.addService(LOGS_SERVICE, { Export: handler('logs') });
  // Metrics are accepted and not stored, so exporters configured for every signal don't log errors.
  server.addService(METRICS_SERVICE, {
    Export: (call: Call, callback: Callback) => {
      const answer = counted(opts, 'metrics', callback);
      if (!authenticate(call, opts).ok) return fail(answer, 'UNAUTHENTICATED', 'a valid API key is required');
      answer(null, Buffer.alloc(0));
    },
  });

  const credentials = opts.tls
    ? grpc.ServerCredentials.createSsl(
        null,
        [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }],
        false,
      )
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

async function exportSignal(signal: Signal, call: Call, opts: GrpcReceiverOptions): Promise<ExportResult> {
  const auth = authenticate(call, opts);
  if (!auth.ok) {
    const why = auth.reason === 'missing' ? 'an API key is required' : 'the API key is not valid';
    return {
      kind: 'rejected',
      code: 'UNAUTHENTICATED',
      message: `${why} (authorization: Bearer or x-api-key)`,
    };
  }
  if (opts.lifecycle.stopping) {
    return {
      kind: 'retryable',
      code: 'SHUTTING_DOWN',
      message: 'the bridge is shutting down',
      retryAfterMs: 1000,
    };
  }
  opts.capture?.(signal, 'protobuf', call.request);
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
    const ctx: ExportContext = {
      protocol: 'grpc',
      experimentId: metadataValue(call.metadata, EXPERIMENT_ID_HEADER),
      experimentName: metadataValue(call.metadata, EXPERIMENT_NAME_HEADER),
      allowedExperiments: auth.allowedExperiments,
    };
    try {
      return signal === 'traces'
        ? await opts.traces.exportBody(call.request, 'protobuf', ctx)
        : await opts.logs.export(decodeLogsRequestProtobufFast(call.request), ctx);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return {
        kind: 'rejected',
        code: 'MALFORMED_PAYLOAD',
        message: `cannot decode OTLP protobuf: ${err.message}`,
      };
    }
  } finally {
    opts.admission.release(size);
  }
}

function metadataValue(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  const s = (typeof v === 'string' ? v : v?.toString('utf8'))?.trim();
  return s === undefined || s === '' ? undefined : s;
}

function reply(callback: Callback, signal: Signal, result: ExportResult): void {
  if (result.kind === 'accepted') {
    const r = result.rejected;
    const body =
      signal === 'logs'
        ? encodeLogsResponse(
            'protobuf',
            r ? { rejectedLogRecords: r.count, errorMessage: r.message } : undefined,
          )
        : encodeTraceResponse(
            'protobuf',
            r ? { rejectedSpans: r.count, errorMessage: r.message } : undefined,
          );
    callback(null, Buffer.from(body));
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
