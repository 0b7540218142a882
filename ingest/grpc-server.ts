/**
 * OTLP/gRPC receiver on @grpc/grpc-js. The service is registered with pass-through (de)serializers, so gRPC hands
 * the raw request bytes to the same protobuf decoder the HTTP receiver uses: one decode path for both transports.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ERRORS, type ErrorCode, type ExportResult } from '../pipeline/result.js';
import type { Capture } from './capture.js';
import { DecodeError } from './decode-error.js';
import { decodeTraceRequestProtobuf } from './decode-protobuf.js';
import { encodeStatus, encodeTraceResponse } from './encode-response.js';
import {
  EXPERIMENT_ID_HEADER,
  EXPERIMENT_NAME_HEADER,
  type Lifecycle,
  type TraceReceiver,
} from './receiver.js';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  traces: TraceReceiver;
  lifecycle: Lifecycle;
  log: Logger;
  capture?: Capture | undefined;
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

type Callback = grpc.sendUnaryData<Buffer>;

export async function startGrpcReceiver(
  opts: GrpcReceiverOptions,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });

  server.addService(TRACE_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: Callback) => {
      exportTraces(call, opts).then(
        (result) => reply(callback, result),
        (err: unknown) => {
          opts.log.error({ err, code: 'INTERNAL' }, 'unhandled error in gRPC handler');
          fail(callback, 'INTERNAL', 'internal error');
        },
      );
    },
  });
  // Accepted and not stored (yet), so exporters configured for every signal don't log errors.
  const accept = (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: Callback) =>
    callback(null, Buffer.alloc(0));
  server.addService(LOGS_SERVICE, { Export: accept });
  server.addService(METRICS_SERVICE, { Export: accept });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  return { server, port };
}

async function exportTraces(call: grpc.ServerUnaryCall<Buffer, Buffer>, opts: GrpcReceiverOptions) {
  if (opts.lifecycle.stopping) {
    return {
      kind: 'retryable',
      code: 'SHUTTING_DOWN',
      message: 'the bridge is shutting down',
      retryAfterMs: 1000,
    } satisfies ExportResult;
  }
  opts.capture?.('traces', 'protobuf', call.request);
  let decoded: ReturnType<typeof decodeTraceRequestProtobuf>;
  try {
    decoded = decodeTraceRequestProtobuf(call.request);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return {
      kind: 'rejected',
      code: 'MALFORMED_PAYLOAD',
      message: `cannot decode OTLP protobuf: ${err.message}`,
    } satisfies ExportResult;
  }
  return opts.traces.export(decoded, {
    experimentId: metadataValue(call.metadata, EXPERIMENT_ID_HEADER),
    experimentName: metadataValue(call.metadata, EXPERIMENT_NAME_HEADER),
  });
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
    callback(null, Buffer.from(encodeTraceResponse('protobuf', partial) as Uint8Array));
    return;
  }
  fail(callback, result.code, result.message, result.kind === 'retryable' ? result.retryAfterMs : undefined);
}

/** A gRPC error with a google.rpc.Status (and RetryInfo when retryable) in grpc-status-details-bin. */
function fail(callback: Callback, code: ErrorCode, message: string, retryDelayMs?: number): void {
  const grpcCode = ERRORS[code].grpc;
  const metadata = new grpc.Metadata();
  const details = encodeStatus('protobuf', { code: grpcCode, message: `${code}: ${message}`, retryDelayMs });
  metadata.set('grpc-status-details-bin', Buffer.from(details as Uint8Array));
  metadata.set('x-tracebridge-error', code);
  callback({ code: grpcCode, details: `${code}: ${message}`, metadata });
}
