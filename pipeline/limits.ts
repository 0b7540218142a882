/**
 * Per-value limits applied before mapping: a string attribute value longer than the limit (a 10 MB prompt, a
 * base64 image) is cut, with a marker saying so, rather than refusing the span or bloating every row it feeds.
 * Returns the input object unchanged when nothing is over the limit (the common case costs one length check per
 * string).
 */
import type { Attributes, AttrValue, DecodedEvent, DecodedSpan } from '../otlp/model.js';

export function truncationMarker(originalLength: number, limit: number): string {
  return `…[truncated by tracebridge: ${originalLength} characters, limit ${limit}]`;
}

function limitValue(v: AttrValue, limit: number): AttrValue {
  if (typeof v === 'string')
    return v.length > limit ? v.slice(0, limit) + truncationMarker(v.length, limit) : v;
  if (Array.isArray(v)) {
    let out: AttrValue[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const c = limitValue(v[i]!, limit);
      if (c !== v[i]) {
        out ??= v.slice();
        out[i] = c;
      }
    }
    return out ?? v;
  }
  if (v !== null && typeof v === 'object') return limitAttributes(v, limit);
  return v;
}

export function limitAttributes(attrs: Attributes, limit: number): Attributes {
  let out: Attributes | null = null;
  for (const key in attrs) {
    const v = attrs[key]!;
    const c = limitValue(v, limit);
    if (c !== v) {
      out ??= { ...attrs };
      out[key] = c;
    }
  }
  return out ?? attrs;
}

export function limitSpan(span: DecodedSpan, limit: number): DecodedSpan {
  const attributes = limitAttributes(span.attributes, limit);
  let events: DecodedEvent[] | null = null;
  span.events.forEach((e, i) => {
    const a = limitAttributes(e.attributes, limit);
    if (a !== e.attributes) {
      events ??= span.events.slice();
      events[i] = { ...e, attributes: a };
    }
  });
  if (attributes === span.attributes && events === null) return span;
  return { ...span, attributes, events: events ?? span.events };
}
