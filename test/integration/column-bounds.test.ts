/**
 * Long values in indexed columns cannot cost a request: a 3 KB session id, event name or tool name is cut (with a
 * hash that keeps distinct values distinct) and the request's other spans are stored; a 3 KB experiment name is
 * refused with 400 naming the field and its limit. And the bound table (store/column-bounds.ts) covers every
 * b-tree index on a text column that the migrations create, so a new index cannot be added without its bound.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningBridge } from '../../cli/bridge.js';
import { ExportTraceServiceResponse } from '../../proto/otlp.js';
import { COLUMN_BOUNDS, cutToBytes, INDEXED_TEXT_BYTES } from '../../store/column-bounds.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { grpcExport } from '../support/grpc-export.js';
import { hexId, protobufRequest, type TestSpan } from '../support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
let tdb: TestDatabase;
let bridge: RunningBridge;

before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url });
});
after(async () => {
  await bridge.stop();
  await tdb.drop();
});

/** Incompressible text (Postgres compresses index entries, so repeated characters would fit). */
const noise = (chars: number): string => randomBytes(chars).toString('base64').slice(0, chars);

const span = (traceId: string, attributes: TestSpan['attributes'] = {}, name = 'op'): TestSpan => ({
  traceId,
  spanId: hexId(8),
  name,
  start: 1_700_000_000_000_000_000n,
  end: 1_700_000_001_000_000_000n,
  attributes,
});

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

describe('b-tree indexes and the bound table', () => {
  it('every b-tree index on a text column of the public tables has a bound', async () => {
    const r = await tdb.db.query<{ table: string; column: string; index: string }>(`
      SELECT c.relname AS table, a.attname AS column, i.relname AS index
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class c ON c.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_am am ON am.oid = i.relam
      CROSS JOIN LATERAL unnest(x.indkey::int2[]) AS k(attnum)
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema() AND am.amname = 'btree'
        AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
        AND c.relname <> 'tracebridge_migrations'`);
    assert.ok(r.rows.length >= 5, 'the catalog query finds the indexes');
    const bounds = COLUMN_BOUNDS as Record<string, Record<string, unknown>>;
    for (const { table, column, index } of r.rows) {
      assert.ok(
        bounds[table]?.[column],
        `${table}.${column} (index ${index}) has no line in store/column-bounds.ts`,
      );
    }
    const expressions = await tdb.db.query<{ index: string }>(`
      SELECT i.relname AS index FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_namespace n ON n.oid = i.relnamespace JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = current_schema() AND am.amname = 'btree' AND x.indexprs IS NOT NULL`);
    assert.deepEqual(
      expressions.rows,
      [],
      'an expression index needs its bound checked by hand, then listed here',
    );
  });

  it('cuts at a character boundary, within the limit, keeping distinct values distinct', () => {
    for (const unit of ['a', 'é', '€', '😀']) {
      const long = unit.repeat(2000);
      const cut = cutToBytes(long, INDEXED_TEXT_BYTES);
      assert.ok(utf8(cut) <= INDEXED_TEXT_BYTES, unit);
      assert.ok(!cut.includes('\uFFFD'), unit);
      assert.match(cut, /…\[cut by tracebridge: \d+ bytes, sha256 [0-9a-f]{16}\]$/);
      assert.notEqual(cutToBytes(`${long}x`, INDEXED_TEXT_BYTES), cut);
    }
    assert.equal(cutToBytes('short', INDEXED_TEXT_BYTES), 'short');
  });
});

describe('long values in indexed columns', () => {
  it('a 3 KB session id, tool and agent name and model are cut; all 100 spans of the request are stored', async () => {
    const traceId = hexId(16);
    const session = noise(3000);
    const spans = Array.from({ length: 99 }, (_, i) => span(traceId, {}, `s${i}`));
    spans.push(
      span(
        traceId,
        {
          'gen_ai.conversation.id': session,
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': noise(3000),
          'gen_ai.agent.name': noise(3000),
          'gen_ai.request.model': noise(3000),
        },
        noise(3000),
      ),
    );
    const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest([{ spans }]), PB);
    assert.equal(res.status, 200, res.body.toString());
    const stored = await tdb.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM spans WHERE trace_id = $1',
      [traceId],
    );
    assert.equal(stored.rows[0]!.n, 100);
    const row = await tdb.db.query<Record<string, string>>(
      `SELECT s.session_id, s.tool_name, s.model, s.name, t.session_id AS trace_session
       FROM spans s JOIN traces t USING (trace_id) WHERE s.trace_id = $1 AND s.session_id IS NOT NULL`,
      [traceId],
    );
    const r = row.rows[0]!;
    for (const v of Object.values(r)) assert.ok(utf8(v) <= INDEXED_TEXT_BYTES);
    assert.ok(r.session_id!.startsWith(session.slice(0, 500)));
    assert.equal(r.trace_session, r.session_id);
    // The original stays in the raw attributes.
    const raw = await tdb.db.query<{ v: string }>(
      `SELECT attributes->>'gen_ai.conversation.id' AS v FROM spans WHERE trace_id = $1 AND session_id IS NOT NULL`,
      [traceId],
    );
    assert.equal(raw.rows[0]!.v, session);
  });

  for (const [what, tags] of [
    ['the root span name', {}],
    ['a langfuse.trace.name tag', { 'langfuse.trace.name': noise(3000) }],
  ] as const) {
    it(`a trace row with long values (${what}) is the same built in JS and recomputed in SQL`, async () => {
      const traceId = hexId(16);
      const attributes = { ...tags, 'session.id': noise(3000), 'user.id': `é${noise(3000)}` };
      const body = protobufRequest([{ spans: [span(traceId, attributes, noise(3000))] }]);
      const row = async () =>
        (
          await tdb.db.query('SELECT name, session_id, user_id, span_count FROM traces WHERE trace_id = $1', [
            traceId,
          ])
        ).rows[0];
      // First as a new trace (row built in JS), then re-sent (row recomputed in SQL from the stored spans).
      assert.equal((await postOtlp(bridge.httpPort, '/v1/traces', body, PB)).status, 200);
      const fromJs = await row();
      assert.equal((await postOtlp(bridge.httpPort, '/v1/traces', body, PB)).status, 200);
      assert.deepEqual(await row(), fromJs);
      assert.ok(utf8(String(fromJs!.session_id)) <= INDEXED_TEXT_BYTES);
    });
  }

  it('two long session ids with a common 2 KB prefix stay two sessions', async () => {
    const prefix = noise(2000);
    const ids = [hexId(16), hexId(16)];
    const spans = ids.map((t, i) => span(t, { 'session.id': `${prefix}-${i}` }));
    const res = await postOtlp(bridge.httpPort, '/v1/traces', protobufRequest([{ spans }]), PB);
    assert.equal(res.status, 200);
    const r = await tdb.db.query<{ n: number }>(
      'SELECT count(DISTINCT session_id)::int AS n FROM traces WHERE trace_id = ANY($1)',
      [ids],
    );
    assert.equal(r.rows[0]!.n, 2);
  });

  it('a 3 KB GenAI log event name is cut and the event stored', async () => {
    const name = `gen_ai.${noise(3000)}`;
    const body = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { eventName: name, timeUnixNano: '1', body: { stringValue: 'long name' } },
                { eventName: 'gen_ai.user.message', timeUnixNano: '2', body: { stringValue: 'neighbour' } },
              ],
            },
          ],
        },
      ],
    };
    const res = await postOtlp(bridge.httpPort, '/v1/logs', JSON.stringify(body), {
      'content-type': 'application/json',
    });
    assert.equal(res.status, 200, res.body.toString());
    const r = await tdb.db.query<{ event_name: string }>(
      `SELECT event_name FROM genai_events WHERE body IN ('"long name"'::jsonb, '"neighbour"'::jsonb)`,
    );
    assert.equal(r.rows.length, 2);
    for (const e of r.rows) assert.ok(utf8(e.event_name) <= INDEXED_TEXT_BYTES);
  });

  for (const [from, resource, headers] of [
    ['resource attribute service.name', { 'service.name': noise(3000) }, {}],
    ['resource attribute tracebridge.experiment', { 'tracebridge.experiment': noise(3000) }, {}],
    ['header x-tracebridge-experiment', {}, { 'x-tracebridge-experiment': noise(3000) }],
  ] as const) {
    it(`an experiment name of 3 KB from the ${from} is refused: 400 naming it and the limit`, async () => {
      const body = protobufRequest([{ resource, spans: [span(hexId(16))] }]);
      const res = await postOtlp(bridge.httpPort, '/v1/traces', body, { ...PB, ...headers });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-tracebridge-error'), 'VALUE_TOO_LONG');
      const text = res.body.toString();
      assert.match(text, new RegExp(from));
      assert.match(text, /limit for experiments\.name is 1024 bytes/);
      const grpc = await grpcExport(bridge.grpcPort, 'traces', body, headers);
      assert.equal(grpc.error?.code, 3);
      assert.match(grpc.error!.details, /VALUE_TOO_LONG/);
    });
  }

  it('gRPC: a long session id is cut, not a failed request', async () => {
    const traceId = hexId(16);
    const body = protobufRequest([{ spans: [span(traceId, { 'session.id': noise(4000) }), span(traceId)] }]);
    const { response, error } = await grpcExport(bridge.grpcPort, 'traces', body);
    assert.equal(error, undefined);
    assert.deepEqual(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response!)), {});
    const r = await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [
      traceId,
    ]);
    assert.equal(r.rows[0]!.n, 2);
  });
});
