/**
 * Combines what several conventions said about one span. Precedence is the order of the `found` list (highest
 * first, see registry.ts): for each field the first non-null value wins; an explicit UNKNOWN span type loses to
 * any derived type; object-valued fields (tags, metadata, request params) merge key by key, higher precedence
 * winning per key.
 */
import type { MappedFields } from './types.js';

function isMergedObject(key: string): boolean {
  return key === 'trace_tags' || key === 'trace_metadata' || key === 'request_params';
}

export function mergeFields(found: MappedFields[]): MappedFields {
  const out: MappedFields = {};
  const o = out as Record<string, unknown>;
  for (const fields of found) {
    // Fields are plain objects a convention built (own keys only): for-in, no pair per key.
    for (const key in fields) {
      const value = (fields as Record<string, unknown>)[key];
      if (value === null || value === undefined) continue;
      if (isMergedObject(key)) {
        o[key] = { ...(value as object), ...((o[key] as object | undefined) ?? {}) };
      } else if (key === 'span_type') {
        if (out.span_type === undefined || out.span_type === null || out.span_type === 'UNKNOWN')
          out.span_type = value as MappedFields['span_type'];
      } else if (!(key in o) || o[key] === null || o[key] === undefined) {
        o[key] = value;
      }
    }
  }
  return out;
}
