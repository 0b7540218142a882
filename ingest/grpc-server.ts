/**
 * OTLP/gRPC receiver on @grpc/grpc-js. The service is registered with pass-through (de)serializers, so gRPC hands
 * the raw request bytes to the same protobuf decoder the HTTP receiver uses: one decode path for both transports.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type ExportResult, failed } from '../pipeline/result.js';
import { encodeAnswer } from './encode-response.js';
import type { RequestHeaders, TransportDeps } from './receive.js';
import type { Signal } from './receiver.js';

export interface GrpcReceiverOptions extends TransportDeps {
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

export async function startGrpcReceiver(
  opts: GrpcReceiverOptions,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });

  const handler = (signal: Signal) => (call: Call, callback: Callback) => {
    const answer = counted(opts, signal, callback);
    opts.receiver.receive(signal, call.request, 'protobuf', requestHeaders(call.metadata)).then(
      (result) => reply(answer, signal, result),
      (err: unknown) => {
        opts.log.error({ err, code: 'INTERNAL' }, 'unhandled error in gRPC handler');
        reply(answer, signal, failed('INTERNAL', 'internal error'));
      },
    );
  };
  server.addService(TRACE_SERVICE, { Export: handler('traces') });
  server.addService(LOGS_SERVICE, { Export: handler('logs') });
  server.addService(METRICS_SERVICE, { Export: handler('metrics') });

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

function requestHeaders(md: grpc.Metadata): RequestHeaders {
  return {
    protocol: 'grpc',
    get(key) {
      const v = md.get(key)[0];
      const s = (typeof v === 'string' ? v : v?.toString('utf8'))?.trim();
      return s === undefined || s === '' ? undefined : s;
    },
  };
}

/** The answer as gRPC frames it: the response message, or a status with a google.rpc.Status (and RetryInfo when
 * retryable) in grpc-status-details-bin. */
function reply(callback: Callback, signal: Signal, result: ExportResult): void {
  const answer = encodeAnswer(signal, 'protobuf', result);
  if (answer.ok) {
    callback(null, Buffer.from(answer.body));
    return;
  }
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(answer.status));
  metadata.set('x-tracebridge-error', answer.code);
  callback({ code: answer.grpc, details: answer.message, metadata });
}
