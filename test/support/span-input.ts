/** A decoded span with its resource and scope, as the mapper receives it: defaults for everything a test leaves out. */
import type { Attributes, DecodedSpan, SpanInput } from '../../otlp/model.js';

export function spanInput(
  attributes: Attributes,
  opts: { span?: Partial<DecodedSpan>; scope?: string } = {},
): SpanInput {
  return {
    span: {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '',
      traceState: '',
      flags: 0,
      name: 'span',
      kind: 1,
      startTimeUnixNano: 1n,
      endTimeUnixNano: 2n,
      attributes,
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
      ...opts.span,
    },
    resource: {},
    scope: { name: opts.scope ?? '', version: '', attributes: {} },
  };
}
