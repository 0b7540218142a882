/** OTLP/HTTP payload formats, from the Content-Type header (parameters such as charset are ignored). */
export type PayloadFormat = 'protobuf' | 'json';

export function payloadFormat(contentType: string | undefined): PayloadFormat | null {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  if (mime === 'application/json') return 'json';
  return null;
}

export const CONTENT_TYPES: Record<PayloadFormat, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};
