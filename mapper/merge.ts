/**
 * Combines what several conventions said about one span. Precedence is the order of the `found` list (highest
 * first, see registry.ts): for each field the first non-null value wins; an explicit UNKNOWN span type loses to
 * any derived type; object-valued fields (tags, metadata, request params) merge key by key, higher precedence
 * winning per key.
 */
import type { MappedFields } from './types.js';

const MERGED_OBJECTS = ['trace_tags', 'trace_metadata', 'request_params'] as const;

export function mergeFields(found: MappedFields[]): MappedFields {
  const out: MappedFields = {};
  const o = out as Record<string, unknown>;
  for (const fields of found) {
    for (const [key, value] of Object.entries(fields)) {
      if (value === null || value === undefined) continue;
      if ((MERGED_OBJECTS as readonly string[]).includes(key)) {
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
