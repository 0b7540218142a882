/**
 * A span as the batch writer queues it: its row in binary COPY form (copy-binary.ts), encoded as soon as it is
 * mapped, and the few fields the writer still reads (ids, experiment, what its trace row is computed from). The
 * mapped row itself is not kept: a queued span holds its line as bytes outside the JS heap instead of a tree of
 * objects and string pieces that would outlive the young generation and load the garbage collector
 * (docs/performance.md).
 *
 * The line leaves out experiment_id, which COPY takes first: the writer may still re-pin a span to the
 * experiment its trace was first stored under, and then only that prefix changes.
 */

import { cutLimits, cutToBytes } from './column-bounds.js';
import {
  SPAN_COLUMN_TYPES,
  SPAN_COLUMNS,
  type SpanColumn,
  type SpanRecord,
  TRACE_FIELDS,
  type TraceFields,
} from './columns.js';
import {
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
  fieldCount,
  fieldsEncoder,
  int8Field,
  type KnownJson,
} from './copy-binary.js';
import type { WritableExperiments } from './write-permission.js';

/** COPY column order of an encoded span: experiment_id, then the rest in table order. */
export const ENCODED_SPAN_COLUMNS: readonly SpanColumn[] = [
  'experiment_id',
  ...SPAN_COLUMNS.filter((c) => c !== 'experiment_id'),
];
/** The fields a trace row reads from columns that are cut (column-bounds.ts), with their limits. */
const SPAN_CUTS = cutLimits('spans');
const CUT_FIELDS = TRACE_FIELDS.flatMap((field) =>
  SPAN_CUTS[field] ? [{ field, bytes: SPAN_CUTS[field] }] : [],
);

// Every span row reaches Postgres through this encoder (mapped, re-mapped with its events, remapped): the one place
// where values an index could not hold are cut (column-bounds.ts).
const encodeLine = fieldsEncoder(ENCODED_SPAN_COLUMNS.slice(1), SPAN_COLUMN_TYPES, SPAN_CUTS);
/** What starts every span's row: its field count. */
const ROW_START = fieldCount(ENCODED_SPAN_COLUMNS.length);

/** A link of a span to a span of another trace: [trace_id, span_id]. */
export type LinkRef = [string, string];

/**
 * What the writer reads of a span besides its trace-row fields: its links to other traces (runs.ts) and its part in
 * tool calls (tool-io.ts). Kept small: null / 0 for the common span that links nothing and carries no tool call.
 */
export interface WriterFields extends TraceFields {
  /** Links to spans of other traces, deduplicated; null when there are none. */
  linked: LinkRef[] | null;
  /**
   * NEEDS_TOOL_IO: a TOOL span with a tool_call_id and no inputs or no outputs (they may come from messages);
   * CARRIES_TOOL_CALLS: its messages hold a tool call or a tool result; 0: neither.
   */
  tool_io: number;
}

export const NEEDS_TOOL_IO = 1;
export const CARRIES_TOOL_CALLS = 2;

export interface EncodedSpan {
  fields: WriterFields;
  /** Binary COPY fields of every column after experiment_id (no field count: the prefix carries it). */
  line: Buffer;
  /**
   * Experiments the request's API key may write to (null or absent: any). The writer refuses the span when its
   * trace belongs to another one (write-permission.ts).
   */
  writable?: WritableExperiments;
}

/** `known`: JSON texts of some of the record's values, already computed (mapper/raw-refs.ts JsonTexts). */
export function encodeSpan(record: SpanRecord, known?: KnownJson): EncodedSpan {
  const fields = {} as Record<(typeof TRACE_FIELDS)[number], unknown>;
  for (const f of TRACE_FIELDS) fields[f] = record[f];
  // The trace row built in JS from these fields must equal the one SQL recomputes from the stored (cut) columns.
  for (const { field, bytes } of CUT_FIELDS) {
    const v = fields[field];
    if (typeof v === 'string' && v.length * 3 > bytes) fields[field] = cutToBytes(v, bytes);
  }
  fields.request_preview = detach(record.request_preview);
  fields.response_preview = detach(record.response_preview);
  const writer = fields as WriterFields;
  writer.linked = linkedTraces(record.trace_id, record.links);
  writer.tool_io = toolIo(record);
  return {
    fields: writer,
    line: encodeLine(record, known),
  };
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** The span's links that point to other traces (the mapper's `links` column: [{trace_id, span_id, …}]). */
function linkedTraces(traceId: string, links: unknown): LinkRef[] | null {
  if (!Array.isArray(links) || links.length === 0) return null;
  const out: LinkRef[] = [];
  const seen = new Set<string>();
  for (const l of links as { trace_id?: unknown; span_id?: unknown }[]) {
    const t = l?.trace_id;
    const s = l?.span_id;
    if (typeof t !== 'string' || typeof s !== 'string' || t === traceId) continue;
    if (!TRACE_ID.test(t) || !SPAN_ID.test(s) || seen.has(`${t}:${s}`)) continue;
    seen.add(`${t}:${s}`);
    out.push([t, s]);
  }
  return out.length ? out : null;
}

function carriesToolCalls(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (const m of messages as { tool_calls?: unknown; tool_call_id?: unknown }[]) {
    if (Array.isArray(m?.tool_calls) && m.tool_calls.length > 0) return true;
    if (typeof m?.tool_call_id === 'string') return true;
  }
  return false;
}

function toolIo(record: SpanRecord): number {
  if (
    record.span_type === 'TOOL' &&
    record.tool_call_id != null &&
    (record.inputs == null || record.outputs == null)
  )
    return NEEDS_TOOL_IO;
  return carriesToolCalls(record.input_messages) || carriesToolCalls(record.output_messages)
    ? CARRIES_TOOL_CALLS
    : 0;
}

/**
 * A copy of a string that shares no memory with the one it came from. Previews are slices of a message's text,
 * and a slice keeps its whole parent alive while the span waits in the queue.
 */
function detach(value: unknown): unknown {
  return typeof value === 'string' && value.length > 12 ? Buffer.from(value, 'utf8').toString('utf8') : value;
}

/** Bytes per chunk of COPY data: a batch is streamed in pieces, never copied whole into one buffer. */
const COPY_CHUNK_BYTES = 256 * 1024;

/**
 * The binary COPY stream of `spans` — header, each span's row with its (possibly re-pinned) experiment, trailer —
 * in chunks of about COPY_CHUNK_BYTES. Lazily: a chunk is built when the COPY stream asks for it, so a batch of
 * thousands of spans costs one chunk of memory on top of its queued lines, not a second copy of all of them
 * (docs/performance.md, "Overload").
 */
export function* copyChunks(spans: readonly EncodedSpan[], chunkBytes = COPY_CHUNK_BYTES): Generator<Buffer> {
  const prefixes = new Map<string, Buffer>();
  let parts: Buffer[] = [COPY_BINARY_HEADER];
  let length = COPY_BINARY_HEADER.length;
  for (const s of spans) {
    let prefix = prefixes.get(s.fields.experiment_id);
    if (!prefix) {
      prefix = Buffer.concat([ROW_START, int8Field(s.fields.experiment_id, 'experiment_id')]);
      prefixes.set(s.fields.experiment_id, prefix);
    }
    parts.push(prefix, s.line);
    length += prefix.length + s.line.length;
    if (length >= chunkBytes) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  parts.push(COPY_BINARY_TRAILER);
  yield Buffer.concat(parts, length + COPY_BINARY_TRAILER.length);
}
