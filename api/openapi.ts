/**
 * The OpenAPI 3.1 description of the read API, served at /api/v1/openapi.json. It mirrors api/types.ts (the
 * contract the UI compiles against); test/integration/read-api.test.ts checks every documented path answers and
 * every answer's keys are documented.
 */

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nnum = { type: ['number', 'null'] } as const;
const obj = { type: 'object', additionalProperties: true } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const state = { type: 'string', enum: ['OK', 'ERROR', 'IN_PROGRESS'] } as const;

function schema(properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type: 'object', required: Object.keys(properties), properties, ...extra };
}

/** An object whose `optional` keys may be absent (the compact tree leaves defaults out). */
function sparse(properties: Record<string, unknown>, optional: Record<string, unknown>) {
  return { type: 'object', required: Object.keys(properties), properties: { ...properties, ...optional } };
}

function page(item: string) {
  return schema({ items: { type: 'array', items: ref(item) }, next_cursor: nstr });
}

const query = (name: string, description: string, s: unknown = str, repeat = false) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: repeat ? { type: 'array', items: s } : s,
  ...(repeat ? { style: 'form', explode: true } : {}),
});
const pathParam = (name: string, pattern?: string) => ({
  name,
  in: 'path',
  required: true,
  schema: pattern ? { type: 'string', pattern } : str,
});

const paging = [
  query('limit', 'Page size, 1–200 (default 50).', { type: 'integer', minimum: 1, maximum: 200 }),
  query('cursor', 'The `next_cursor` of the previous page.'),
];
const timeRange = [
  query('from', 'Start time at or after (ISO-8601 or Unix ms).'),
  query('to', 'Start time before (ISO-8601 or Unix ms).'),
];
const experiment = query('experiment', 'Experiment name.');

const errors = {
  '400': {
    description: 'A parameter is not valid',
    content: { 'application/json': { schema: ref('Error') } },
  },
  '401': { description: 'An API key is required', content: { 'application/json': { schema: ref('Error') } } },
  '404': { description: 'Not found (or not visible to this key)' },
};

const ok = (name: string) => ({
  '200': { description: 'OK', content: { 'application/json': { schema: ref(name) } } },
  ...errors,
});

const traceListItem = {
  trace_id: str,
  experiment_id: str,
  experiment_name: str,
  run_id: str,
  name: nstr,
  state,
  start_time: str,
  end_time: nstr,
  start_ns: nstr,
  duration_ms: nnum,
  span_count: int,
  failed_span_count: int,
  input_tokens: nnum,
  output_tokens: nnum,
  total_tokens: nnum,
  models: { type: 'array', items: str },
  request_preview: nstr,
  response_preview: nstr,
  session_id: nstr,
  user_id: nstr,
  tags: obj,
};

const link = schema(
  { trace_id: str, span_id: str },
  { properties: { trace_id: str, span_id: str, attributes: obj, trace_state: str } },
);

const groupItem = {
  experiment_id: str,
  experiment_name: str,
  trace_count: int,
  failed_span_count: int,
  input_tokens: nnum,
  output_tokens: nnum,
  total_tokens: nnum,
  request_preview: nstr,
  response_preview: nstr,
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'tracebridge read API',
    version: '1',
    description:
      'Experiments, traces, spans, runs and sessions as stored by tracebridge (docs/api.md). With API keys ' +
      'configured every call needs `Authorization: Bearer <key>` or `x-api-key`; a scoped key sees only its ' +
      'experiments. Lists are newest first with keyset pagination (`next_cursor`).',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, { apiKey: [] }],
  paths: {
    '/api/v1/experiments': { get: { summary: 'Experiments', responses: ok('ExperimentList') } },
    '/api/v1/traces': {
      get: {
        summary: 'Traces, newest first',
        parameters: [
          query(
            'q',
            'Words in the trace’s user / assistant text (each a prefix, any case, all required; the first 16 count).',
          ),
          experiment,
          query('state', 'Trace state.', state),
          query('errors', 'true: only traces with a failed span.', { type: 'boolean' }),
          ...timeRange,
          query('tag', 'key=value; repeatable (all must hold).', str, true),
          query('span_type', 'Only traces with a span of this type.'),
          query('min_duration_ms', 'Minimum duration.', { type: 'number', minimum: 0 }),
          query('trace_id', 'Trace id prefix (1–32 hex).', {
            type: 'string',
            pattern: '^[0-9a-fA-F]{1,32}$',
          }),
          query('session', 'Session id.'),
          query('run', 'Run id.'),
          ...paging,
        ],
        responses: ok('TracePage'),
      },
    },
    '/api/v1/traces/{trace_id}': {
      get: {
        summary: 'A trace: its row and its span tree (no large content)',
        parameters: [pathParam('trace_id', '^[0-9a-fA-F]{32}$')],
        responses: ok('TraceDetail'),
      },
    },
    '/api/v1/traces/{trace_id}/tree': {
      get: {
        summary:
          'A trace: its row and its span tree in compact form (defaults left out, starts as offsets): what the ' +
          'web UI loads',
        parameters: [pathParam('trace_id', '^[0-9a-fA-F]{32}$')],
        responses: ok('TraceTree'),
      },
    },
    '/api/v1/traces/{trace_id}/spans/{span_id}': {
      get: {
        summary: 'One span’s content: inputs, outputs, messages, attributes, resource, scope, events, links',
        parameters: [pathParam('trace_id', '^[0-9a-fA-F]{32}$'), pathParam('span_id', '^[0-9a-fA-F]{16}$')],
        responses: ok('SpanContent'),
      },
    },
    '/api/v1/runs': {
      get: {
        summary: 'Runs (traces joined by span links), latest activity first',
        parameters: [
          experiment,
          query('state', 'Run state.', state),
          query('errors', 'true: only runs with a failed span.', { type: 'boolean' }),
          ...timeRange,
          ...paging,
        ],
        responses: ok('RunPage'),
      },
    },
    '/api/v1/runs/{run_id}': {
      get: {
        summary: 'A run: its row, its traces and how each hangs under the span it links from',
        parameters: [pathParam('run_id')],
        responses: ok('RunDetail'),
      },
    },
    '/api/v1/runs/{run_id}/spans': {
      get: {
        summary:
          'The span trees of a run’s traces, compact, oldest trace first; whole traces per page, at most `limit` ' +
          'traces and (past the first) 20,000 spans',
        parameters: [pathParam('run_id'), ...paging],
        responses: ok('RunTracePage'),
      },
    },
    '/api/v1/sessions': {
      get: {
        summary: 'Sessions, latest activity first',
        parameters: [
          experiment,
          query('errors', 'true: only sessions with a failed span.', { type: 'boolean' }),
          ...timeRange,
          ...paging,
        ],
        responses: ok('SessionPage'),
      },
    },
    '/api/v1/sessions/{session_id}': {
      get: {
        summary:
          'A session: its row and its traces in time order. A session id is per experiment: `experiment` names ' +
          'which; without it the most recently active session of that id (among the experiments the key sees) ' +
          'answers',
        parameters: [pathParam('session_id'), experiment],
        responses: ok('SessionDetail'),
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    },
    schemas: {
      Error: schema({ error: schema({ code: str, message: str }) }),
      Experiment: schema({ experiment_id: str, name: str, created_at: str, tags: obj }),
      ExperimentList: schema({ items: { type: 'array', items: ref('Experiment') } }),
      TraceListItem: schema(traceListItem),
      TracePage: page('TraceListItem'),
      TraceRow: schema({
        ...traceListItem,
        end_ns: nstr,
        run_trace_count: int,
        root_span_id: nstr,
        root_missing: { type: 'boolean' },
        metadata: obj,
      }),
      SpanLink: link,
      SpanNode: schema({
        span_id: str,
        parent_span_id: nstr,
        name: str,
        span_type: str,
        kind: str,
        status: { type: 'string', enum: ['UNSET', 'OK', 'ERROR'] },
        status_message: nstr,
        error_type: nstr,
        start_ns: str,
        end_ns: str,
        duration_ms: { type: 'number' },
        model: nstr,
        provider: nstr,
        input_tokens: nnum,
        output_tokens: nnum,
        total_tokens: nnum,
        tool_name: nstr,
        agent_name: nstr,
        links: { type: 'array', items: ref('SpanLink') },
        has_inputs: { type: 'boolean' },
        has_outputs: { type: 'boolean' },
        has_messages: { type: 'boolean' },
        event_count: int,
      }),
      TraceDetail: schema({ trace: ref('TraceRow'), spans: { type: 'array', items: ref('SpanNode') } }),
      CompactSpan: sparse(
        { span_id: str, name: str, span_type: str, start_offset_ns: int, duration_ms: { type: 'number' } },
        {
          parent_span_id: str,
          kind: str,
          status: { type: 'string', enum: ['OK', 'ERROR'] },
          status_message: str,
          error_type: str,
          model: str,
          provider: str,
          input_tokens: { type: 'number' },
          output_tokens: { type: 'number' },
          total_tokens: { type: 'number' },
          tool_name: str,
          agent_name: str,
          links: { type: 'array', items: ref('SpanLink') },
          has_inputs: { const: true },
          has_outputs: { const: true },
          has_messages: { const: true },
          event_count: int,
        },
      ),
      TraceTree: schema({ trace: ref('TraceRow'), spans: { type: 'array', items: ref('CompactSpan') } }),
      RunTraceTree: schema({
        trace_id: str,
        start_ns: nstr,
        root_span_id: nstr,
        spans: { type: 'array', items: ref('CompactSpan') },
      }),
      RunTracePage: page('RunTraceTree'),
      SpanContent: schema({
        trace_id: str,
        span_id: str,
        inputs: {},
        outputs: {},
        input_messages: { type: ['array', 'null'], items: obj },
        output_messages: { type: ['array', 'null'], items: obj },
        attributes: obj,
        resource_attributes: obj,
        scope: schema({ name: nstr, version: nstr, attributes: obj }),
        events: { type: 'array', items: schema({ name: str, time_unix_nano: str, attributes: obj }) },
        links: { type: 'array', items: ref('SpanLink') },
        request_params: { type: ['object', 'null'] },
        finish_reasons: { type: ['array', 'null'], items: str },
        assessments: { type: ['array', 'null'] },
        conventions: { type: 'array', items: str },
        derived: { type: ['object', 'null'] },
      }),
      RunListItem: schema({
        run_id: str,
        ...groupItem,
        name: nstr,
        state,
        start_time: nstr,
        end_time: nstr,
        duration_ms: nnum,
        span_count: int,
      }),
      RunPage: page('RunListItem'),
      RunAttachment: schema({ trace_id: str, via_span_id: str, parent_trace_id: str, parent_span_id: str }),
      RunDetail: schema({
        run: ref('RunListItem'),
        traces: { type: 'array', items: ref('TraceListItem') },
        attachments: { type: 'array', items: ref('RunAttachment') },
        truncated: { type: 'boolean' },
      }),
      SessionListItem: schema({ session_id: str, ...groupItem, first_time: nstr, last_time: nstr }),
      SessionPage: page('SessionListItem'),
      SessionDetail: schema({
        session: ref('SessionListItem'),
        traces: { type: 'array', items: ref('TraceListItem') },
        truncated: { type: 'boolean' },
      }),
    },
  },
} as const;
