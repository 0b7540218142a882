/** A `spans` record for store tests: every column null except the ones a stored span always has, then `fields`. */
import type { SpanRecord } from '../../store/columns.js';
import { SPAN_COLUMNS } from '../../store/columns.js';

export function spanRecord(fields: Partial<SpanRecord>): SpanRecord {
  const row = Object.fromEntries(SPAN_COLUMNS.map((c) => [c, null])) as unknown as SpanRecord;
  return Object.assign(
    row,
    {
      kind: 'INTERNAL',
      attributes: {},
      events: [],
      links: [],
      resource_attributes: {},
      scope_attributes: {},
      flags: 0,
      dropped_attributes_count: 0,
      dropped_events_count: 0,
      dropped_links_count: 0,
      conventions: [],
      mapper_version: 1,
    },
    fields,
  );
}
