/** A request body that cannot be decoded as OTLP (bad protobuf wire data, bad JSON, wrong document shape). */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
