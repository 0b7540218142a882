/**
 * decoded request → encoded spans: id validation, value limits, the mapper, COPY encoding. Everything the trace
 * pipeline does to a request that needs no database, so it can run on a worker thread (pipeline/map-workers.ts) as well
 * as on the event loop. Experiments are assigned afterwards, by the pipeline (routing needs the database).
 */
import { mapSpan } from '../mapper/index.js';
import type { JsonTexts } from '../mapper/raw-refs.js';
import type { SpanRow } from '../mapper/types.js';
import type { Attributes, DecodedSpan, DecodedTraceRequest } from '../otlp/model.js';
import type { SpanColumn } from '../store/columns.js';
import { type EncodedSpan, encodeSpan } from '../store/encoded-span.js';
import { limitSpan } from './limits.js';
import { invalidSpanReason, withoutZeroParent } from './validate.js';

/**
 * The mapper's row and the store's columns (store/columns.ts SPAN_COLUMN_TYPES) are one schema: encodeSpan takes a
 * SpanRow only if it has every column, and a SpanRow field no column stores — which would silently not be
 * written — fails to compile here.
 */
type Holds<T extends true> = T;
export type EverySpanRowFieldIsAColumn = Holds<
  [Exclude<keyof SpanRow, SpanColumn>] extends [never] ? true : false
>;

export interface MappedRequest {
  /** Resource attributes of each ResourceSpans, in request order (experiment routing reads them). */
  resources: Attributes[];
  spans: EncodedSpan[];
  /** For each span, the index of its ResourceSpans in `resources`. */
  resourceOf: number[];
  /** Why each invalid span was dropped (partial_success). */
  reasons: string[];
  /** Spans mapped per convention ('none' when no convention matched). */
  conventions: Record<string, number>;
}

/** What mapping a request body gave: its spans, or why the body could not be decoded. */
export type MapOutcome = { kind: 'mapped'; request: MappedRequest } | { kind: 'malformed'; message: string };

/** The mapper could not run (a worker died or none is running): retryable, unlike an error in the mapping. */
export class MapperUnavailableError extends Error {}

/** Maps the trace request body `body` of `format`; the composition root supplies the implementation. */
export type RequestMapper = (body: Uint8Array, format: 'protobuf' | 'json') => Promise<MapOutcome>;

export interface MapOptions {
  /** Longest string attribute value kept whole (characters). */
  maxAttributeLength: number;
  /** Called every `yieldEvery` spans; on the event loop it lets other work run between slices of a request. */
  yieldEvery?: number;
  onYield?: () => Promise<void>;
  /**
   * Hands the encoded spans over every `every` spans instead of keeping them all to the end; the returned request
   * then holds only the last ones. On the map worker they leave its heap young, so collecting its young generation
   * finds almost nothing alive to copy (docs/performance.md, "Overload").
   */
  handOver?: { every: number; spans: (spans: EncodedSpan[]) => void };
}

export async function mapRequest(
  req: DecodedTraceRequest<Iterable<DecodedSpan>>,
  opts: MapOptions,
): Promise<MappedRequest> {
  const out: MappedRequest = { resources: [], spans: [], resourceOf: [], reasons: [], conventions: {} };
  let sinceYield = 0;
  const shared = new Map<string, object>();
  for (let i = 0; i < req.resourceSpans.length; i++) {
    const rs = req.resourceSpans[i]!;
    out.resources.push(rs.resource.attributes);
    // Every span of the resource carries the same attributes object: serialize it once per request, not per span.
    let resourceText: string | undefined;
    for (const ss of rs.scopeSpans) {
      for (const raw of ss.spans) {
        const reason = invalidSpanReason(raw);
        if (reason) {
          out.reasons.push(reason);
          continue;
        }
        const span = limitSpan(withoutZeroParent(raw), opts.maxAttributeLength);
        // Content serialized while mapping is not serialized again for COPY (mapper/raw-refs.ts).
        const texts: JsonTexts = new Map();
        const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope }, texts);
        if (row.conventions.length === 0) out.conventions.none = (out.conventions.none ?? 0) + 1;
        for (const c of row.conventions) out.conventions[c] = (out.conventions[c] ?? 0) + 1;
        // The experiment is set by the pipeline once routing has resolved it.
        row.experiment_id = '';
        resourceText ??= JSON.stringify(rs.resource.attributes);
        texts.set(rs.resource.attributes, resourceText);
        row.trace_tags = shareJson(row.trace_tags, shared, texts);
        row.trace_metadata = shareJson(row.trace_metadata, shared, texts);
        out.spans.push(encodeSpan(row, texts));
        out.resourceOf.push(i);
        if (opts.handOver && out.spans.length === opts.handOver.every) {
          opts.handOver.spans(out.spans);
          out.spans = [];
        }
        if (opts.onYield && ++sinceYield === opts.yieldEvery) {
          sinceYield = 0;
          await opts.onYield();
        }
      }
    }
  }
  return out;
}

/**
 * One object per distinct JSON value in a request, with its text recorded for the encoder. A trace's tags and
 * metadata (from the resource, mostly) repeat on every span: shared, they are serialized once for COPY and once
 * per slice by the structured clone to the event loop, instead of once per span.
 * Nothing changes them after mapping.
 */
function shareJson<T>(value: T, shared: Map<string, object>, texts: JsonTexts): T {
  if (value === null || typeof value !== 'object') return value;
  const text = JSON.stringify(value);
  let one = shared.get(text);
  if (!one) {
    one = value;
    shared.set(text, one);
  }
  texts.set(one, text);
  return one as T;
}
