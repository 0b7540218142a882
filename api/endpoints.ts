/**
 * The /api/v1/ endpoints: validate the request (params.ts), apply the key's scope, read through store/read/ and
 * shape the answer as api/types.ts says. An object of another experiment than the key may see is a 404, the same
 * answer as one that does not exist.
 */
import type { Database } from '../store/db.js';
import { experimentIds, listExperiments } from '../store/read/experiments.js';
import {
  getRun,
  getSessions,
  listRuns,
  listSessions,
  MAX_GROUP_TRACES,
  runAttachments,
  runTracePage,
  runTraces,
  sessionTraces,
} from '../store/read/runs.js';
import { getSpanContent, getSpanTree, getSpanTrees, getTraceRow } from '../store/read/trace-detail.js';
import { type ListCursor, listTraces, searchQuery } from '../store/read/trace-list.js';
import { compactSpans } from './compact-tree.js';
import { HttpError } from './http-error.js';
import { encodeCursor, Params, pathSegment, spanIdSegment, traceIdSegment } from './params.js';
import type {
  ChatMessage,
  ExperimentList,
  Page,
  RunDetail,
  RunListItem,
  RunTraceTree,
  SessionDetail,
  SessionListItem,
  SpanContent,
  TraceDetail,
  TraceListItem,
  TraceTree,
} from './types.js';

/** What the key may see: null = everything; else these experiments (names and their ids). */
export interface Scope {
  names: string[] | null;
  ids: string[] | null;
}

export interface EndpointRequest {
  db: Database;
  scope: Scope;
  /** The path pattern's captured segments, still percent-encoded. */
  segments: string[];
  search: URLSearchParams;
}

export interface Endpoint {
  pattern: RegExp;
  handle(req: EndpointRequest): Promise<unknown>;
}

const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} not found`);
const visible = (scope: Scope, experimentName: string) =>
  scope.names === null || scope.names.includes(experimentName);
const cursorOf = (next: ListCursor | null) => (next === null ? null : encodeCursor(next));

/** The experiment ids a list may read: the `experiment` parameter within the key's scope. */
async function experimentFilter(db: Database, scope: Scope, params: Params): Promise<string[] | null> {
  const name = params.text('experiment');
  if (name === null) return scope.ids;
  if (!visible(scope, name)) throw notFound(`experiment ${JSON.stringify(name)}`);
  const ids = await experimentIds(db, [name]);
  if (ids.length === 0) throw notFound(`experiment ${JSON.stringify(name)}`);
  return ids;
}

async function experiments({ db, scope, search }: EndpointRequest): Promise<ExperimentList> {
  new Params(search).done();
  return { items: await listExperiments(db, scope.names) };
}

async function traces({ db, scope, search }: EndpointRequest): Promise<Page<TraceListItem>> {
  const params = new Params(search);
  const q = params.text('q');
  const filter = {
    experimentIds: await experimentFilter(db, scope, params),
    state: params.state(),
    errors: params.bool('errors'),
    from: params.time('from'),
    to: params.time('to'),
    tags: params.tags(),
    spanType: params.text('span_type', 64),
    minDurationMs: params.number('min_duration_ms', 0, 1e12),
    traceIdPrefix: params.traceIdPrefix(),
    sessionId: params.id('session'),
    runId: params.id('run'),
    limit: params.limit(),
    after: params.cursor(),
  };
  params.done();
  let search_: string | null = null;
  if (q !== null) {
    search_ = searchQuery(q);
    // Nothing searchable in q (only punctuation): nothing can match it.
    if (search_ === null) return { items: [], next_cursor: null };
  }
  const { rows, next } = await listTraces(db, { ...filter, search: search_ });
  return { items: rows, next_cursor: cursorOf(next) };
}

async function trace({ db, scope, segments, search }: EndpointRequest): Promise<TraceDetail> {
  new Params(search).done();
  const traceId = traceIdSegment(segments[0]!);
  const row = await getTraceRow(db, traceId);
  if (!row || !visible(scope, row.experiment_name)) throw notFound(`trace ${traceId}`);
  return { trace: row, spans: await getSpanTree(db, traceId) };
}

async function traceTree({ db, scope, segments, search }: EndpointRequest): Promise<TraceTree> {
  new Params(search).done();
  const traceId = traceIdSegment(segments[0]!);
  const row = await getTraceRow(db, traceId);
  if (!row || !visible(scope, row.experiment_name)) throw notFound(`trace ${traceId}`);
  return { trace: row, spans: compactSpans(await getSpanTree(db, traceId), row.start_ns) };
}

async function span({ db, scope, segments, search }: EndpointRequest): Promise<SpanContent> {
  new Params(search).done();
  const traceId = traceIdSegment(segments[0]!);
  const spanId = spanIdSegment(segments[1]!);
  const row = await getSpanContent(db, traceId, spanId);
  if (!row || !visible(scope, row.experiment_name)) throw notFound(`span ${spanId} of trace ${traceId}`);
  const { experiment_name: _, ...content } = row;
  return {
    ...content,
    input_messages: content.input_messages as ChatMessage[] | null,
    output_messages: content.output_messages as ChatMessage[] | null,
  };
}

function groupFilter(params: Params) {
  return {
    state: params.state(),
    errors: params.bool('errors'),
    from: params.time('from'),
    to: params.time('to'),
    limit: params.limit(),
    after: params.cursor(),
  };
}

async function runs({ db, scope, search }: EndpointRequest): Promise<Page<RunListItem>> {
  const params = new Params(search);
  const filter = { experimentIds: await experimentFilter(db, scope, params), ...groupFilter(params) };
  params.done();
  const { rows, next } = await listRuns(db, filter);
  return { items: rows, next_cursor: cursorOf(next) };
}

async function run({ db, scope, segments, search }: EndpointRequest): Promise<RunDetail> {
  new Params(search).done();
  const runId = pathSegment(segments[0]!, 'run id');
  const row = await getRun(db, runId);
  if (!row || !visible(scope, row.experiment_name)) throw notFound(`run ${runId.slice(0, 100)}`);
  const [traceRows, attachments] = await Promise.all([runTraces(db, runId), runAttachments(db, runId)]);
  return {
    run: row,
    traces: traceRows.slice(0, MAX_GROUP_TRACES),
    attachments,
    truncated: traceRows.length > MAX_GROUP_TRACES,
  };
}

/** Spans in one page of a run's trees, past its first trace (a trace is never split across pages). */
export const RUN_SPANS_PAGE_SPANS = 20_000;

async function runSpans({ db, scope, segments, search }: EndpointRequest): Promise<Page<RunTraceTree>> {
  const params = new Params(search);
  const limit = params.limit();
  const after = params.cursor();
  params.done();
  const runId = pathSegment(segments[0]!, 'run id');
  const row = await getRun(db, runId);
  if (!row || !visible(scope, row.experiment_name)) throw notFound(`run ${runId.slice(0, 100)}`);
  const page = await runTracePage(db, runId, after, limit, RUN_SPANS_PAGE_SPANS);
  const trees = await getSpanTrees(
    db,
    page.traces.map((t) => t.trace_id),
  );
  return {
    items: page.traces.map((t) => ({
      trace_id: t.trace_id,
      start_ns: t.start_ns,
      root_span_id: t.root_span_id,
      spans: compactSpans(trees.get(t.trace_id) ?? [], t.start_ns),
    })),
    next_cursor: cursorOf(page.next),
  };
}

async function sessions({ db, scope, search }: EndpointRequest): Promise<Page<SessionListItem>> {
  const params = new Params(search);
  const filter = {
    experimentIds: await experimentFilter(db, scope, params),
    state: null,
    errors: params.bool('errors'),
    from: params.time('from'),
    to: params.time('to'),
    limit: params.limit(),
    after: params.cursor(),
  };
  params.done();
  const { rows, next } = await listSessions(db, filter);
  return { items: rows, next_cursor: cursorOf(next) };
}

async function session({ db, scope, segments, search }: EndpointRequest): Promise<SessionDetail> {
  const params = new Params(search);
  const experiment = params.text('experiment');
  params.done();
  const sessionId = pathSegment(segments[0]!, 'session id');
  // A session id may recur in several experiments: the one asked for, else the most recently active visible one.
  const row = (await getSessions(db, sessionId)).find(
    (s) => visible(scope, s.experiment_name) && (experiment === null || s.experiment_name === experiment),
  );
  if (!row) throw notFound(`session ${JSON.stringify(sessionId.slice(0, 100))}`);
  const traceRows = await sessionTraces(db, sessionId, row.experiment_id);
  return {
    session: row,
    traces: traceRows.slice(0, MAX_GROUP_TRACES),
    truncated: traceRows.length > MAX_GROUP_TRACES,
  };
}

// Segments are captured still encoded and decoded by the handler ([^/]+: an encoded "/" stays inside one).
export const ENDPOINTS: Endpoint[] = [
  { pattern: /^\/api\/v1\/experiments\/?$/, handle: experiments },
  { pattern: /^\/api\/v1\/traces\/?$/, handle: traces },
  { pattern: /^\/api\/v1\/traces\/([^/]+)\/?$/, handle: trace },
  { pattern: /^\/api\/v1\/traces\/([^/]+)\/tree\/?$/, handle: traceTree },
  { pattern: /^\/api\/v1\/traces\/([^/]+)\/spans\/([^/]+)\/?$/, handle: span },
  { pattern: /^\/api\/v1\/runs\/?$/, handle: runs },
  { pattern: /^\/api\/v1\/runs\/([^/]+)\/?$/, handle: run },
  { pattern: /^\/api\/v1\/runs\/([^/]+)\/spans\/?$/, handle: runSpans },
  { pattern: /^\/api\/v1\/sessions\/?$/, handle: sessions },
  { pattern: /^\/api\/v1\/sessions\/([^/]+)\/?$/, handle: session },
];
