/**
 * Reading stored spans back in their raw form, to map them again: for `tracebridge remap` (keyset pagination over
 * the primary key, so a run can be interrupted and resumed, each page one index range scan however large the
 * table), and for joining GenAI log events that arrive after their span.
 */
import type { Database, Queryable } from './db.js';

/** The raw columns a span is re-mapped from (everything the mapper reads, nothing it derived). */
export interface RawSpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  experiment_id: string;
  name: string;
  kind: string;
  status: string;
  status_message: string | null;
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  attributes: Record<string, unknown>;
  /** Needed to expand the attribute references to them (mapper/raw-refs.ts). */
  inputs: unknown;
  outputs: unknown;
  events: unknown[];
  links: unknown[];
  resource_attributes: Record<string, unknown>;
  scope_name: string | null;
  scope_version: string | null;
  scope_attributes: Record<string, unknown>;
  trace_state: string | null;
  flags: number | string;
  dropped_attributes_count: number | string;
  dropped_events_count: number | string;
  dropped_links_count: number | string;
}

export interface RemapFilter {
  /** Only this experiment. */
  experimentId?: string | undefined;
  /** Only rows mapped by another mapper version; null = every row. */
  notVersion?: number | null;
}

const RAW_COLUMNS = `trace_id, span_id, parent_span_id, experiment_id::text AS experiment_id, name, kind, status,
  status_message, start_time_unix_nano::text AS start_time_unix_nano, end_time_unix_nano::text AS end_time_unix_nano,
  attributes, inputs, outputs, events, links, resource_attributes, scope_name, scope_version, scope_attributes, trace_state, flags,
  dropped_attributes_count, dropped_events_count, dropped_links_count`;

const FILTER = `($1::bigint IS NULL OR experiment_id = $1::bigint) AND ($2::int IS NULL OR mapper_version <> $2::int)`;

export async function countSpansToRemap(db: Database, filter: RemapFilter): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM spans WHERE ${FILTER}`, [
    filter.experimentId ?? null,
    filter.notVersion ?? null,
  ]);
  return Number(r.rows[0]?.n ?? 0);
}

/** The next page after (afterTrace, afterSpan), in primary-key order. */
export async function readSpansToRemap(
  db: Database,
  filter: RemapFilter,
  after: { traceId: string; spanId: string } | null,
  limit: number,
): Promise<RawSpanRow[]> {
  const r = await db.query<RawSpanRow>(
    `SELECT ${RAW_COLUMNS} FROM spans
     WHERE ${FILTER} AND (trace_id, span_id) > ($3::text, $4::text)
     ORDER BY trace_id, span_id LIMIT $5`,
    [
      filter.experimentId ?? null,
      filter.notVersion ?? null,
      after?.traceId ?? '',
      after?.spanId ?? '',
      limit,
    ],
  );
  return r.rows;
}

/** The raw rows of these spans (those that exist). */
export async function readRawSpansByKeys(
  tx: Queryable,
  keys: { trace_id: string; span_id: string }[],
): Promise<RawSpanRow[]> {
  if (keys.length === 0) return [];
  const r = await tx.query<RawSpanRow>(
    `SELECT ${RAW_COLUMNS} FROM unnest($1::text[], $2::text[]) AS k(tid, sid)
     JOIN spans ON spans.trace_id = k.tid AND spans.span_id = k.sid
     ORDER BY spans.trace_id, spans.span_id`,
    [keys.map((k) => k.trace_id), keys.map((k) => k.span_id)],
  );
  return r.rows;
}

export async function experimentIdByName(db: Database, name: string): Promise<string | null> {
  const r = await db.query<{ id: string }>(
    'SELECT experiment_id::text AS id FROM experiments WHERE name = $1',
    [name],
  );
  return r.rows[0]?.id ?? null;
}
