/**
 * The read API (/api/v1/) and the UI's static files against a real bridge and Postgres: traces sent over OTLP/HTTP,
 * read back through every endpoint and filter, keyset pages, access with and without keys (scoped keys too), and
 * hostile input that must be a 400, never a 500.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type {
  CompactSpan,
  ExperimentList,
  Page,
  RunDetail,
  RunListItem,
  RunTraceTree,
  SessionDetail,
  SessionListItem,
  SpanContent,
  SpanNode,
  TraceDetail,
  TraceListItem,
  TraceTree,
} from '../../api/types.js';
import type { RunningBridge } from '../../cli/bridge.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, jsonRequest, type TestAttr, type TestSpan } from '../support/otlp.js';

const ALL = { authorization: 'Bearer k-all' };
const SCOPED = { 'x-api-key': 'k-a' };
const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;

const uiDir = mkdtempSync(join(tmpdir(), 'tracebridge-ui-'));
const outside = mkdtempSync(join(tmpdir(), 'tracebridge-outside-'));
let tdb: TestDatabase;
let bridge: RunningBridge;
let base: string;

interface Sent {
  traceId: string;
  rootId: string;
  childId: string;
}
const sent: Record<string, Sent> = {};

function chat(user: string, reply: string): Record<string, TestAttr> {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: user }] }]),
    'gen_ai.output.messages': JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: reply }], finish_reason: 'stop' },
    ]),
  };
}

/** One trace: a root and a child, sent to `experiment`; `links` are added to the child (OTLP/JSON). */
async function send(
  key: string,
  experiment: string,
  at: bigint,
  opts: {
    name?: string;
    rootAttrs?: Record<string, TestAttr>;
    child?: Partial<TestSpan>;
    rootStatus?: 0 | 1 | 2;
    lengthS?: bigint;
    links?: { traceId: string; spanId: string }[];
  } = {},
): Promise<Sent> {
  const traceId = hexId(16);
  const rootId = hexId(8);
  const childId = hexId(8);
  const end = at + (opts.lengthS ?? 1n) * S;
  const body = jsonRequest([
    {
      resource: { 'service.name': 'read-api-test' },
      spans: [
        {
          traceId,
          spanId: rootId,
          name: opts.name ?? `trace ${key}`,
          start: at,
          end,
          attributes: opts.rootAttrs ?? {},
          status: { code: opts.rootStatus ?? 1 },
        },
        {
          traceId,
          spanId: childId,
          parentSpanId: rootId,
          name: 'child',
          start: at + 1000n,
          end: end - 1000n,
          attributes: {},
          ...opts.child,
        },
      ],
    },
  ]);
  if (opts.links) {
    type Spans = { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const spans = (body as unknown as Spans).resourceSpans[0]!.scopeSpans[0]!.spans;
    spans[1]!.links = opts.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: [] }));
  }
  const res = await fetch(`${base}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tracebridge-experiment': experiment, ...ALL },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
  const s = { traceId, rootId, childId };
  sent[key] = s;
  return s;
}

async function get<T>(
  path: string,
  headers: Record<string, string> = ALL,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function ok<T>(path: string, headers: Record<string, string> = ALL): Promise<T> {
  const r = await get<T>(path, headers);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A GET written on a socket byte for byte (fetch would normalize the path). */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

/** The run of the linked pair: named by its smallest trace id (issue 17). */
const runOf = () => [sent.refund!.traceId, sent.xss!.traceId].sort()[0]!;

const ids = (p: Page<TraceListItem>) => p.items.map((t) => t.trace_id);
const keysOf = (...names: string[]) => names.map((n) => sent[n]!.traceId);

before(async () => {
  tdb = await freshDatabase();
  mkdirSync(join(uiDir, 'assets'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>tracebridge</title><div id="app"></div>');
  writeFileSync(join(uiDir, 'assets', 'app-3f2a1b.js'), `console.log(${JSON.stringify('x'.repeat(3000))});`);
  writeFileSync(join(outside, 'secret.txt'), 'outside the UI directory');
  symlinkSync(join(outside, 'secret.txt'), join(uiDir, 'leak.txt'));
  bridge = await startTestBridge({ databaseUrl: tdb.url, apiKeys: 'k-all,k-a=exp-a', uiDir });
  base = `http://127.0.0.1:${bridge.httpPort}`;

  await send('refund', 'exp-a', T0 + 1n * S, {
    name: 'support question',
    rootAttrs: { 'mlflow.traceTag.env': 'prod', 'session.id': 's1' },
    child: { name: 'chat gpt-4o', attributes: chat('What is your refund policy?', 'Refunds take 5 days.') },
  });
  await send('toolfail', 'exp-a', T0 + 2n * S, {
    lengthS: 5n,
    rootAttrs: { 'session.id': 's1', 'mlflow.traceTag.env': 'dev' },
    child: {
      name: 'search docs',
      attributes: { 'openinference.span.kind': 'RETRIEVER', 'input.value': 'shipping times' },
      status: { code: 2, message: 'index offline' },
    },
  });
  await send('xss', 'exp-a', T0 + 3n * S, {
    name: '<script>alert(1)</script>',
    rootStatus: 2,
    child: { name: '<img src=x onerror=alert(1)>' },
    links: [{ traceId: sent.refund!.traceId, spanId: sent.refund!.childId }],
  });
  await send('other', 'exp-b', T0 + 4n * S, {
    child: { attributes: chat('Another refund request', 'Done.') },
  });
  for (let i = 0; i < 7; i++) await send(`fill${i}`, 'exp-a', T0 + BigInt(10 + i) * S);
  // The writer of issue 17 joins linked traces into one run as they arrive; until it is merged here, the rows it
  // would write for this link are written directly (a no-op once it has written them).
  const [a, b] = [sent.refund!.traceId, sent.xss!.traceId].sort();
  await tdb.db.query('UPDATE traces SET run_id = $1 WHERE trace_id = ANY($2::text[])', [a, [a, b]]);
  await tdb.db.query(
    `INSERT INTO trace_links (trace_id, span_id, linked_trace_id, linked_span_id, experiment_id)
     SELECT $1::text, $2::text, $3::text, $4::text, experiment_id FROM traces WHERE trace_id = $1 ON CONFLICT DO NOTHING`,
    [sent.xss!.traceId, sent.xss!.childId, sent.refund!.traceId, sent.refund!.childId],
  );
});

after(async () => {
  await bridge.stop();
  await tdb.drop();
  rmSync(uiDir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('read API access', () => {
  it('needs a key for data, not for the OpenAPI document', async () => {
    assert.equal((await get('/api/v1/traces', {})).status, 401);
    assert.equal((await get('/api/v1/traces', { authorization: 'Bearer nope' })).status, 401);
    const doc = await get<{ openapi: string; paths: Record<string, unknown> }>('/api/v1/openapi.json', {});
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok(doc.body.paths['/api/v1/traces/{trace_id}/spans/{span_id}']);
  });

  it('shows a scoped key only its experiments', async () => {
    const all = await ok<ExperimentList>('/api/v1/experiments');
    assert.deepEqual(all.items.map((e) => e.name).sort(), ['Default', 'exp-a', 'exp-b']);
    const scoped = await ok<ExperimentList>('/api/v1/experiments', SCOPED);
    assert.deepEqual(
      scoped.items.map((e) => e.name),
      ['exp-a'],
    );
    const list = await ok<Page<TraceListItem>>('/api/v1/traces?limit=200', SCOPED);
    assert.ok(list.items.every((t) => t.experiment_name === 'exp-a'));
    assert.equal(list.items.length, 10);
    assert.equal((await get(`/api/v1/traces/${sent.other!.traceId}`, SCOPED)).status, 404);
    assert.equal(
      (await get(`/api/v1/traces/${sent.other!.traceId}/spans/${sent.other!.rootId}`, SCOPED)).status,
      404,
    );
    assert.equal((await get('/api/v1/traces?experiment=exp-b', SCOPED)).status, 404);
    assert.equal((await get(`/api/v1/runs/${sent.other!.traceId}`, SCOPED)).status, 404);
    assert.equal(
      (await ok<TraceDetail>(`/api/v1/traces/${sent.other!.traceId}`)).trace.experiment_name,
      'exp-b',
    );
  });

  it('answers a bad method with 405 and leaves OTLP paths to the receiver', async () => {
    const res = await fetch(`${base}/api/v1/traces`, { method: 'POST', headers: ALL, body: '{}' });
    assert.equal(res.status, 405);
    assert.equal((await fetch(`${base}/v1/traces`)).status, 405);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});

describe('GET /api/v1/traces', () => {
  it('lists newest first with keyset pages that cover every trace once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<TraceListItem> = await ok(
        `/api/v1/traces?experiment=exp-a&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...ids(page));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.equal(pages, 4);
    const expected = keysOf(
      'fill6',
      'fill5',
      'fill4',
      'fill3',
      'fill2',
      'fill1',
      'fill0',
      'xss',
      'toolfail',
      'refund',
    );
    assert.deepEqual(seen, expected);
  });

  it('returns the list item fields', async () => {
    const page = await ok<Page<TraceListItem>>(`/api/v1/traces?q=refund&experiment=exp-a`);
    assert.deepEqual(ids(page), keysOf('refund'));
    const t = page.items[0]!;
    assert.equal(t.name, 'support question');
    assert.equal(t.state, 'OK');
    assert.equal(t.span_count, 2);
    assert.equal(t.failed_span_count, 0);
    assert.deepEqual(t.models, ['gpt-4o']);
    assert.equal(t.session_id, 's1');
    assert.equal(t.tags.env, 'prod');
    assert.equal(t.run_id, runOf());
    assert.match(t.start_time, /^2023-11-14T22:13:21\.000000Z$/);
    assert.equal(t.start_ns, (T0 + S).toString());
    assert.equal(t.response_preview, 'Refunds take 5 days.');
  });

  it('applies every filter', async () => {
    const cases: [string, string[]][] = [
      ['q=refund', ['other', 'refund']],
      ['q=REFUN', ['other', 'refund']],
      ['q=refund%20policy', ['refund']],
      // Punctuation separates words, case does not matter: "Refunds?" is the word "refunds".
      ['q=REFUNDS%3F', ['refund']],
      ['q=%22your-policy%22', ['refund']],
      // A retriever's input is not user or assistant text: not in the search document (docs/api.md).
      ['q=shipping', []],
      ['q=%21%21%21', []],
      ['q=zebra', []],
      ['state=ERROR', ['xss']],
      ['state=error', ['xss']],
      ['errors=true', ['xss', 'toolfail']],
      ['tag=env%3Dprod', ['refund']],
      ['tag=env%3Dprod&tag=env%3Ddev', []],
      ['span_type=RETRIEVER', ['toolfail']],
      ['min_duration_ms=4000', ['toolfail']],
      ['session=s1', ['toolfail', 'refund']],
      [
        `from=${new Date(Number((T0 + 2n * S) / 1_000_000n)).toISOString()}&to=${Number((T0 + 4n * S) / 1_000_000n)}`,
        ['xss', 'toolfail'],
      ],
      [`trace_id=${sent.toolfail!.traceId.slice(0, 12).toUpperCase()}`, ['toolfail']],
      [`run=${runOf()}`, ['xss', 'refund']],
      ['experiment=exp-b', ['other']],
      ['experiment=', []],
    ];
    for (const [query, expected] of cases) {
      const page = await ok<Page<TraceListItem>>(`/api/v1/traces?${query}&limit=200`);
      const got = ids(page).filter(
        (id) => !Object.keys(sent).some((k) => k.startsWith('fill') && sent[k]!.traceId === id),
      );
      if (query === 'experiment=') {
        assert.equal(page.items.length, 11, query);
        continue;
      }
      assert.deepEqual(got, keysOf(...expected), query);
    }
  });

  it('pages a search both when the newest traces fill the page and when the index must', async () => {
    // Two traces say "refund": the first page is found among the newest traces, the second (after the cursor)
    // by the full-text index.
    const first = await ok<Page<TraceListItem>>('/api/v1/traces?q=refund&limit=1');
    assert.deepEqual(ids(first), keysOf('other'));
    assert.ok(first.next_cursor);
    const second = await ok<Page<TraceListItem>>(
      `/api/v1/traces?q=refund&limit=1&cursor=${first.next_cursor}`,
    );
    assert.deepEqual(ids(second), keysOf('refund'));
    assert.equal(second.next_cursor, null);
    const tagged = await ok<Page<TraceListItem>>('/api/v1/traces?tag=service.name%3Dread-api-test&limit=2');
    assert.equal(tagged.items.length, 2);
    assert.ok(tagged.next_cursor);
  });

  it('refuses hostile or malformed parameters with 400, never 500', async () => {
    const bad = [
      'limit=0',
      'limit=abc',
      'limit=1e9',
      'limit=2.5',
      'limit=1&limit=2',
      'cursor=garbage!',
      `cursor=${Buffer.from('1.nothex').toString('base64url')}`,
      `cursor=${Buffer.from(`-99999999999999999.${'a'.repeat(32)}`).toString('base64url')}`,
      'state=DONE',
      'errors=maybe',
      'from=yesterday',
      'from=99999999999999999',
      'to=2024-13-45T99:00:00Z',
      'tag=novalue',
      'tag==x',
      'trace_id=xyz',
      `trace_id=${'a'.repeat(33)}`,
      'q=%00',
      `q=${'a'.repeat(201)}`,
      'min_duration_ms=-1',
      'min_duration_ms=NaN',
      'min_duration_ms=Infinity',
      'unknown=1',
      `session=${'s'.repeat(1001)}`,
      'tag=a%3D1&tag=b%3D2&tag=c%3D3&tag=d%3D4&tag=e%3D5&tag=f%3D6&tag=g%3D7&tag=h%3D8&tag=i%3D9&tag=j%3D10&tag=k%3D11',
    ];
    for (const query of bad) {
      const r = await get<{ error: { code: string } }>(`/api/v1/traces?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.error.code, 'BAD_REQUEST', query);
    }
    const badPaths = [
      '/api/v1/traces/zzz',
      '/api/v1/traces/%E0%A4%A',
      `/api/v1/traces/${sent.refund!.traceId}/spans/xyz`,
      '/api/v1/runs/%00',
      '/api/v1/sessions/%ZZ',
    ];
    for (const path of badPaths) assert.equal((await get(path)).status, 400, path);
    // Text that is tsquery syntax, quotes and backslashes is only text.
    const odd = ['a & !b | (c', "o'brien \\ x", '":*', '日本語 テキスト', '\u{1F600}'];
    for (const q of odd) {
      const r = await get(`/api/v1/traces?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, q);
    }
    assert.equal((await get('/api/v1/nothing')).status, 404);
  });
});

describe('one trace', () => {
  it('returns the row and the span tree without content, and content per span', async () => {
    const { traceId, rootId, childId } = sent.refund!;
    const detail = await ok<TraceDetail>(`/api/v1/traces/${traceId.toUpperCase()}`);
    assert.equal(detail.trace.trace_id, traceId);
    assert.equal(detail.trace.root_span_id, rootId);
    assert.equal(detail.trace.root_missing, false);
    assert.deepEqual(
      detail.spans.map((s) => s.span_id),
      [rootId, childId],
    );
    const child = detail.spans[1]!;
    assert.equal(child.parent_span_id, rootId);
    assert.equal(child.span_type, 'CHAT_MODEL');
    assert.equal(child.model, 'gpt-4o');
    assert.equal(child.has_messages, true);
    assert.equal('input_messages' in child, false);
    assert.equal('attributes' in child, false);

    const content = await ok<SpanContent>(`/api/v1/traces/${traceId}/spans/${childId}`);
    assert.equal(content.input_messages?.[0]?.role, 'user');
    assert.equal(content.input_messages?.[0]?.content, 'What is your refund policy?');
    assert.equal(content.resource_attributes['service.name'], 'read-api-test');
    assert.equal(content.scope.name, 'test');
    assert.equal((await get(`/api/v1/traces/${traceId}/spans/${'0'.repeat(16)}`)).status, 404);
    assert.equal((await get(`/api/v1/traces/${'0'.repeat(32)}`)).status, 404);
  });

  it('keeps hostile names as data', async () => {
    const detail = await ok<TraceDetail>(`/api/v1/traces/${sent.xss!.traceId}`);
    assert.equal(detail.trace.name, '<script>alert(1)</script>');
    assert.equal(detail.spans[1]!.name, '<img src=x onerror=alert(1)>');
    assert.deepEqual(detail.spans[1]!.links, [
      { trace_id: sent.refund!.traceId, span_id: sent.refund!.childId },
    ]);
  });

  it('returns a 10,000-span tree without content, gzipped', async () => {
    const traceId = hexId(16);
    const rootId = hexId(8);
    const big = 'x'.repeat(2000);
    for (let part = 0; part < 10; part++) {
      const spans: TestSpan[] = [];
      for (let i = 0; i < 1000; i++) {
        const n = part * 1000 + i;
        spans.push({
          traceId,
          spanId: n === 0 ? rootId : hexId(8),
          ...(n === 0 ? {} : { parentSpanId: rootId }),
          name: `step ${n}`,
          start: T0 + BigInt(n) * 1000n,
          end: T0 + BigInt(n) * 1000n + 500n,
          attributes: { 'input.value': big, 'openinference.span.kind': 'TOOL' },
        });
      }
      const res = await fetch(`${base}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tracebridge-experiment': 'exp-big', ...ALL },
        body: JSON.stringify(jsonRequest([{ spans }])),
      });
      assert.equal(res.status, 200);
    }
    const res = await fetch(`${base}/api/v1/traces/${traceId}`, {
      headers: { ...ALL, 'accept-encoding': 'gzip' },
    });
    assert.equal(res.status, 200);
    const detail = (await res.json()) as TraceDetail;
    assert.equal(detail.spans.length, 10_000);
    assert.equal(detail.trace.span_count, 10_000);
    assert.ok(detail.spans.every((s) => s.has_inputs && !('inputs' in s)));
    // The tree without content is small next to the 20 MB of content.
    assert.ok(JSON.stringify(detail).length < 5_000_000);
  });

  it('gzips a large answer when asked', async () => {
    const res = await fetch(`${base}/api/v1/traces?limit=200`, {
      headers: { ...ALL, 'accept-encoding': 'gzip' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });
});

/** The compact tree read back into SpanNodes (without end_ns, which it leaves out): the test's own oracle. */
function expand(spans: CompactSpan[], startNs: string): Omit<SpanNode, 'end_ns'>[] {
  return spans.map((c) => ({
    span_id: c.span_id,
    parent_span_id: c.parent_span_id ?? null,
    name: c.name,
    span_type: c.span_type,
    kind: c.kind ?? 'INTERNAL',
    status: c.status ?? 'UNSET',
    status_message: c.status_message ?? null,
    error_type: c.error_type ?? null,
    start_ns: (BigInt(startNs) + BigInt(c.start_offset_ns)).toString(),
    duration_ms: c.duration_ms,
    model: c.model ?? null,
    provider: c.provider ?? null,
    input_tokens: c.input_tokens ?? null,
    output_tokens: c.output_tokens ?? null,
    total_tokens: c.total_tokens ?? null,
    tool_name: c.tool_name ?? null,
    agent_name: c.agent_name ?? null,
    links: c.links ?? [],
    has_inputs: c.has_inputs ?? false,
    has_outputs: c.has_outputs ?? false,
    has_messages: c.has_messages ?? false,
    event_count: c.event_count ?? 0,
  }));
}
const withoutEnd = (spans: SpanNode[]) => spans.map(({ end_ns: _, ...rest }) => rest);

describe('the compact trees', () => {
  it('/tree holds the same tree as the full answer, and the trace row counts its run', async () => {
    for (const key of ['refund', 'xss', 'toolfail']) {
      const id = sent[key]!.traceId;
      const full = await ok<TraceDetail>(`/api/v1/traces/${id}`);
      const compact = await ok<TraceTree>(`/api/v1/traces/${id}/tree`);
      assert.deepEqual(compact.trace, full.trace, key);
      assert.deepEqual(expand(compact.spans, compact.trace.start_ns!), withoutEnd(full.spans), key);
      assert.ok(
        compact.spans.every((s) => !('end_ns' in s) && !('has_inputs' in s && !s.has_inputs)),
        key,
      );
    }
    assert.equal((await ok<TraceDetail>(`/api/v1/traces/${sent.refund!.traceId}`)).trace.run_trace_count, 2);
    assert.equal(
      (await ok<TraceTree>(`/api/v1/traces/${sent.toolfail!.traceId}/tree`)).trace.run_trace_count,
      1,
    );
    assert.equal((await get(`/api/v1/traces/${sent.other!.traceId}/tree`, SCOPED)).status, 404);
    assert.equal((await get('/api/v1/traces/zzz/tree')).status, 400);
    assert.equal((await get(`/api/v1/traces/${sent.refund!.traceId}/tree?x=1`)).status, 400);
  });

  it('/runs/<id>/spans pages the run’s trees, oldest trace first, each as /tree has it', async () => {
    const runId = runOf();
    const first = await ok<Page<RunTraceTree>>(`/api/v1/runs/${runId}/spans?limit=1`);
    assert.equal(first.items.length, 1);
    assert.ok(first.next_cursor);
    const second = await ok<Page<RunTraceTree>>(
      `/api/v1/runs/${runId}/spans?limit=1&cursor=${first.next_cursor}`,
    );
    assert.equal(second.next_cursor, null);
    const all = await ok<Page<RunTraceTree>>(`/api/v1/runs/${runId}/spans`);
    assert.deepEqual(all.items, [...first.items, ...second.items]);
    assert.deepEqual(
      all.items.map((t) => t.trace_id),
      keysOf('refund', 'xss'),
    );
    for (const t of all.items) {
      const tree = await ok<TraceTree>(`/api/v1/traces/${t.trace_id}/tree`);
      assert.deepEqual(t.spans, tree.spans);
      assert.equal(t.start_ns, tree.trace.start_ns);
      assert.equal(t.root_span_id, tree.trace.root_span_id);
    }
    assert.equal((await get(`/api/v1/runs/${sent.other!.traceId}/spans`, SCOPED)).status, 404);
    assert.equal((await get(`/api/v1/runs/${'0'.repeat(32)}/spans`)).status, 404);
    for (const query of ['limit=0', 'limit=201', 'cursor=garbage!', 'unknown=1', 'limit=1&limit=2']) {
      const r = await get<{ error: { code: string } }>(`/api/v1/runs/${runId}/spans?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.error.code, 'BAD_REQUEST', query);
    }
    assert.equal((await get('/api/v1/runs/%00/spans')).status, 400);
  });

  it('says whether a span’s tool content was derived', async () => {
    const { traceId, childId } = sent.refund!;
    const content = await ok<SpanContent>(`/api/v1/traces/${traceId}/spans/${childId}`);
    assert.equal(content.derived, null, 'a chat span sent whole');
  });
});

describe('the OpenAPI document', () => {
  it('documents exactly the keys each endpoint answers with', async () => {
    type Schema = { properties?: Record<string, Schema>; required?: string[]; $ref?: string; items?: Schema };
    const doc = await ok<{ components: { schemas: Record<string, Schema> } }>('/api/v1/openapi.json', {});
    const schemas = doc.components.schemas;
    const resolve = (x: Schema): Schema => (x.$ref ? schemas[x.$ref.split('/').pop()!]! : x);
    const check = (name: string, value: unknown, schema: Schema) => {
      const { properties: props, required = [] } = resolve(schema);
      if (!props || value === null || typeof value !== 'object' || Array.isArray(value)) return;
      const keys = Object.keys(value).filter((k) => !(k in props));
      assert.deepEqual(keys, [], `${name}: undocumented keys`);
      for (const k of required) assert.ok(k in (value as object), `${name}: required key ${k} missing`);
      for (const k of Object.keys(props)) {
        if (!(k in (value as object))) continue;
        const v = (value as Record<string, unknown>)[k];
        const p = resolve(props[k]!);
        if (Array.isArray(v) && p.items) {
          for (const [i, item] of v.entries()) check(`${name}.${k}[${i}]`, item, p.items);
        } else check(`${name}.${k}`, v, p);
      }
    };
    const { traceId, childId } = sent.refund!;
    const samples: [string, string][] = [
      ['/api/v1/experiments', 'ExperimentList'],
      ['/api/v1/traces?limit=5', 'TracePage'],
      [`/api/v1/traces/${sent.xss!.traceId}`, 'TraceDetail'],
      [`/api/v1/traces/${sent.xss!.traceId}/tree`, 'TraceTree'],
      [`/api/v1/runs/${runOf()}/spans`, 'RunTracePage'],
      [`/api/v1/traces/${traceId}/spans/${childId}`, 'SpanContent'],
      ['/api/v1/runs', 'RunPage'],
      [`/api/v1/runs/${runOf()}`, 'RunDetail'],
      ['/api/v1/sessions', 'SessionPage'],
      ['/api/v1/sessions/s1', 'SessionDetail'],
    ];
    for (const [path, schema] of samples)
      check(path, await ok(path), { $ref: `#/components/schemas/${schema}` });
  });
});

describe('runs and sessions', () => {
  it('returns a run with its traces and how they hang together', async () => {
    const runId = runOf();
    const run = await ok<RunDetail>(`/api/v1/runs/${runId}`);
    assert.equal(run.run.trace_count, 2);
    assert.equal(run.run.state, 'ERROR');
    assert.deepEqual(
      run.traces.map((t) => t.trace_id),
      keysOf('refund', 'xss'),
    );
    assert.deepEqual(run.attachments, [
      {
        trace_id: sent.xss!.traceId,
        via_span_id: sent.xss!.childId,
        parent_trace_id: sent.refund!.traceId,
        parent_span_id: sent.refund!.childId,
      },
    ]);
    const runs = await ok<Page<RunListItem>>('/api/v1/runs?experiment=exp-a&limit=200');
    assert.equal(runs.items.length, 9, 'ten traces, two of them one run');
    assert.equal(runs.items.filter((r) => r.run_id === runId).length, 1);
    const failing = await ok<Page<RunListItem>>('/api/v1/runs?errors=true');
    assert.deepEqual(failing.items.map((r) => r.run_id).sort(), [runId, sent.toolfail!.traceId].sort());
    const paged = await ok<Page<RunListItem>>('/api/v1/runs?experiment=exp-a&limit=5');
    assert.ok(paged.next_cursor);
    const rest = await ok<Page<RunListItem>>(
      `/api/v1/runs?experiment=exp-a&limit=5&cursor=${paged.next_cursor}`,
    );
    assert.equal(rest.items.length, 4);
    assert.equal(rest.next_cursor, null);
  });

  it('pages the runs and sessions that failed, one a page, newest activity first', async () => {
    // The linked pair's run sits at xss (3 s, failed), above toolfail (2 s, a failed child under an OK root).
    const pages = async (path: string): Promise<string[][]> => {
      const out: string[][] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page: Page<RunListItem> = await ok<Page<RunListItem>>(
          cursor ? `${path}${sep}cursor=${cursor}` : path,
        );
        out.push(page.items.map((r) => r.run_id));
        cursor = page.next_cursor;
      } while (cursor !== null && out.length < 10);
      return out;
    };
    assert.deepEqual(await pages('/api/v1/runs?errors=true&limit=1'), [[runOf()], [sent.toolfail!.traceId]]);
    assert.deepEqual(await pages('/api/v1/runs?state=ERROR&limit=1'), [[runOf()]]);
    assert.deepEqual(await pages('/api/v1/runs?errors=true&experiment=exp-b'), [[]]);
    const scoped = await ok<Page<RunListItem>>('/api/v1/runs?errors=true', SCOPED);
    assert.deepEqual(
      scoped.items.map((r) => r.run_id),
      [runOf(), sent.toolfail!.traceId],
    );
    const sessions = await ok<Page<SessionListItem>>('/api/v1/sessions?errors=true&limit=1');
    assert.deepEqual(
      sessions.items.map((s) => [s.session_id, s.failed_span_count]),
      [['s1', 1]],
    );
    assert.equal(sessions.next_cursor, null);
  });

  it('returns sessions and a session in time order', async () => {
    const list = await ok<Page<SessionListItem>>('/api/v1/sessions');
    assert.deepEqual(
      list.items.map((s) => s.session_id),
      ['s1'],
    );
    assert.equal(list.items[0]!.trace_count, 2);
    const s = await ok<SessionDetail>('/api/v1/sessions/s1');
    assert.deepEqual(
      s.traces.map((t) => t.trace_id),
      keysOf('refund', 'toolfail'),
    );
    assert.equal(s.session.failed_span_count, 1);
    assert.equal((await get('/api/v1/sessions/nope')).status, 404);
    // A session id is per experiment: ?experiment= names which one; another experiment's is a 404.
    const inA = await ok<SessionDetail>(`/api/v1/sessions/s1?experiment=${s.session.experiment_name}`);
    assert.deepEqual(inA, s);
    assert.equal((await get('/api/v1/sessions/s1?experiment=nope')).status, 404);
    for (const query of [
      'experiment=%00',
      `experiment=${'e'.repeat(201)}`,
      'experiment=a&experiment=b',
      'x=1',
    ]) {
      assert.equal((await get(`/api/v1/sessions/s1?${query}`)).status, 400, query);
    }
  });
});

describe('the UI files', () => {
  it('serves index.html for the app routes, with a strict CSP', async () => {
    for (const path of [
      '/',
      '/traces/abc',
      `/runs/${hexId(16)}`,
      '/sessions/a%2Fb',
      '/runs',
      '/index.html',
    ]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'(;|$)/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(await res.text(), /<div id="app">/);
    }
  });

  it('serves hashed assets with their type and a long cache, gzipped when asked', async () => {
    const res = await fetch(`${base}/assets/app-3f2a1b.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(await res.text(), /^console\.log/);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get: httpGet }) =>
        httpGet(`${base}/assets/app-3f2a1b.js`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject),
      );
    });
    assert.match(gunzipSync(raw).toString(), /^console\.log/);
  });

  it('serves nothing outside its directory', async () => {
    for (const path of ['/leak.txt', '/assets/missing.js', '/nothing']) {
      assert.equal((await fetch(`${base}${path}`)).status, 404, path);
    }
    for (const path of [
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2e%2e%2fsecret',
      '/.env',
      '/a%5C..%5Cb',
      '/%E0%A4%A',
    ]) {
      // fetch resolves an encoded "." segment itself (then 404); others reach the bridge undecoded (400).
      const res = await fetch(`${base}${path}`);
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /outside|root:/);
    }
    // Sent as is, without a client resolving the dots first.
    for (const path of ['/../../etc/passwd', '/assets/../../etc/passwd', '/assets/..%2f..%2fetc%2fpasswd']) {
      const answer = await rawGet(bridge.httpPort, path);
      assert.match(answer, /^HTTP\/1\.1 40[04] /, path);
      assert.doesNotMatch(answer, /outside|root:/, path);
    }
  });
});

describe('TRACEBRIDGE_UI=off', () => {
  it('turns the UI and the API off', async () => {
    const off = await startTestBridge({ databaseUrl: tdb.url, ui: false, uiDir });
    try {
      const port = off.httpPort;
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/experiments`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
    } finally {
      await off.stop();
    }
  });
});
