/**
 * General OpenTelemetry semantic-convention attributes that any instrumentation may set on a span, whatever else
 * it follows. Lowest precedence of the conventions: every framework-specific source wins.
 * - session_id  session.id (OTel general semconv).
 * - user_id     user.id, then enduser.id (deprecated spelling).
 */
import type { SpanInput } from '../otlp/model.js';
import type { Convention, MappedFields } from './types.js';
import { str } from './values.js';

export const otelGeneral: Convention = {
  name: 'otel',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    const session = str(a['session.id']);
    const user = str(a['user.id']) ?? str(a['enduser.id']);
    if (session === null && user === null) return null;
    return { session_id: session, user_id: user };
  },
};
