/** One raw OTLP/gRPC Export call (traces or logs) with a real grpc-js client: the response bytes or the error. */
import * as grpc from '@grpc/grpc-js';

const PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export function grpcExport(
  port: number,
  signal: keyof typeof PATHS,
  body: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<{ response?: Buffer; error?: grpc.ServiceError }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
  });
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      PATHS[signal],
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      md,
      (error, response) => {
        client.close();
        resolve(error ? { error } : { response: response! });
      },
    );
  });
}
