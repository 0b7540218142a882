/**
 * Hostile and broken input, one case at a time, against an in-process bridge on a fresh database: empty bodies,
 * wrong or missing content types, text Postgres cannot store (U+0000, lone surrogates, invalid UTF-8), extreme
 * timestamps and integers, names that collide with Object.prototype members, and experiment names and trace tags
 * full of quotes, backslashes, SQL and unicode, which must round-trip exactly. Each case checks the status, that
 * valid spans are stored, and exactly how.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import type { RunningBridge } from '../../cli/bridge.js';
import { grpcClient, grpcExport, httpRequest, JSON_CT, PB } from '../faults/support/net.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import {
  hexId,
  jsonRequest,
  protobufRequest,
  type TestResourceSpans,
  type TestSpan,
} from '../support/otlp.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

let tdb: TestDatabase;
let bridge: RunningBridge;
let agent: http.Agent;
let client: grpc.Client;
before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url });
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  client = grpcClient(bridge.grpcPort);
});
after(async () => {
  agent?.destroy();
  client?.close();
  await bridge?.stop();
  await tdb?.drop();
});

type Encoding = 'protobuf' | 'json';
const ENCODINGS: Encoding[] = ['protobuf', 'json'];

async function post(body: Uint8Array | string, headers: Record<string, string>) {
  return httpRequest(bridge.httpPort, 'POST', '/v1/traces', body, headers, { agent });
}

async function send(encoding: Encoding, groups: TestResourceSpans[], headers: Record<string, string> = {}) {
  return encoding === 'protobuf'
    ? post(protobufRequest(groups), { ...PB, ...headers })
    : post(JSON.stringify(jsonRequest(groups)), { ...JSON_CT, ...headers });
}

function span(overrides: Partial<TestSpan> = {}): TestSpan {
  return {
    traceId: hexId(16),
    spanId: hexId(8),
    name: 'op',
    start: 1_000_000_000n,
    end: 2_000_000_000n,
    ...overrides,
  };
}

async function storedSpan(traceId: string, spanId: string): Promise<Record<string, unknown> | undefined> {
  const r = await tdb.db.query<Record<string, unknown>>(
    `SELECT s.*, e.name AS experiment_name FROM spans s JOIN experiments e USING (experiment_id)
     WHERE s.trace_id = $1 AND s.span_id = $2`,
    [traceId, spanId],
  );
  return r.rows[0];
}

async function storedTrace(traceId: string): Promise<Record<string, unknown> | undefined> {
  const r = await tdb.db.query<Record<string, unknown>>(
    `SELECT t.*, e.name AS experiment_name FROM traces t JOIN experiments e USING (experiment_id)
     WHERE t.trace_id = $1`,
    [traceId],
  );
  return r.rows[0];
}

async function spanCount(traceId: string): Promise<number> {
  const r = await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [
    traceId,
  ]);
  return r.rows[0]!.n;
}

describe('empty bodies', () => {
  it('protobuf: an empty body is an empty request, answered 200 with an empty response', async () => {
    const r = await post(new Uint8Array(0), PB);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0);
    const gz = await post(gzipSync(new Uint8Array(0)), { ...PB, 'content-encoding': 'gzip' });
    assert.equal(gz.status, 200);
  });

  it('JSON: an empty body is not JSON (400); "{}" is an empty request (200)', async () => {
    const empty = await post('', JSON_CT);
    assert.equal(empty.status, 400);
    assert.equal(JSON.parse(empty.body.toString()).code, 3);
    const blank = await post('  \n', JSON_CT);
    assert.equal(blank.status, 400);
    const obj = await post('{}', JSON_CT);
    assert.equal(obj.status, 200);
    assert.deepEqual(JSON.parse(obj.body.toString()), {});
    const noSpans = await post('{"resourceSpans":[]}', JSON_CT);
    assert.equal(noSpans.status, 200);
  });

  it('gRPC: an empty message is OK', async () => {
    const { error, response } = await grpcExport(client, new Uint8Array(0));
    assert.equal(error, undefined);
    assert.equal(response!.length, 0);
  });
});

describe('content type', () => {
  for (const [label, headers] of [
    ['missing', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
    ['application/jsonx', { 'content-type': 'application/jsonx' }],
    ['application/grpc', { 'content-type': 'application/grpc' }],
    ['empty', { 'content-type': '' }],
  ] as const) {
    it(`415 for a ${label} content type, and nothing stored`, async () => {
      const s = span();
      const r = await post(protobufRequest([{ resource: { 'service.name': 'ct' }, spans: [s] }]), headers);
      assert.equal(r.status, 415);
      assert.match(String(r.headers['x-tracebridge-error']), /UNSUPPORTED_MEDIA_TYPE/);
      assert.equal(await spanCount(s.traceId), 0);
    });
  }

  it('media type parameters and letter case are ignored', async () => {
    const a = span();
    const b = span();
    const r1 = await post(protobufRequest([{ spans: [a] }]), {
      'content-type': 'Application/X-Protobuf; foo=bar',
    });
    const r2 = await post(JSON.stringify(jsonRequest([{ spans: [b] }])), {
      'content-type': 'APPLICATION/JSON;charset=UTF-8',
    });
    assert.deepEqual([r1.status, r2.status], [200, 200]);
    assert.equal(await spanCount(a.traceId), 1);
    assert.equal(await spanCount(b.traceId), 1);
  });
});

describe('text Postgres cannot store (U+0000, lone surrogates, invalid UTF-8)', () => {
  const F = '\uFFFD';
  for (const encoding of ENCODINGS) {
    it(`${encoding}: NUL in names, keys and values is stored as U+FFFD, the span kept`, async () => {
      const s = span({
        name: 'na\u0000me',
        attributes: {
          'k\u0000ey': 'va\u0000lue',
          plain: 'ok',
          nested: { 'in\u0000ner': ['x\u0000', 'y'] },
        },
        events: [{ name: 'ev\u0000', time: 1_500_000_000n, attributes: { 'e\u0000': '\u0000' } }],
        status: { code: 2, message: 'bad\u0000thing' },
      });
      const r = await send(encoding, [
        {
          resource: { 'service.name': 'nul-tests', 'res\u0000key': 'res\u0000val' },
          scope: { name: 'sco\u0000pe' },
          spans: [s],
        },
      ]);
      assert.equal(r.status, 200);
      const row = await storedSpan(s.traceId, s.spanId);
      assert.ok(row, 'the span is stored');
      assert.equal(row.name, `na${F}me`);
      assert.deepEqual(row.attributes, {
        [`k${F}ey`]: `va${F}lue`,
        plain: 'ok',
        nested: { [`in${F}ner`]: [`x${F}`, 'y'] },
      });
      assert.deepEqual(row.events, [
        { name: `ev${F}`, time_unix_nano: '1500000000', attributes: { [`e${F}`]: F } },
      ]);
      assert.equal(row.status, 'ERROR');
      assert.equal(row.status_message, `bad${F}thing`);
      assert.equal(row.scope_name, `sco${F}pe`);
      assert.equal((row.resource_attributes as Record<string, unknown>)[`res${F}key`], `res${F}val`);
      assert.equal(row.experiment_name, 'nul-tests');
    });
  }

  it('JSON: lone surrogates (as \\u escapes) are stored as U+FFFD; valid pairs kept', async () => {
    const s = span({
      name: 'a\ud800b',
      attributes: { 'lone\udc00key': 'x\ud83dy', pair: '\ud83d\ude00', end: 'z\udbff' },
    });
    const r = await send('json', [{ resource: { 'service.name': 'surrogates' }, spans: [s] }]);
    assert.equal(r.status, 200);
    const row = await storedSpan(s.traceId, s.spanId);
    assert.ok(row);
    assert.equal(row.name, `a${F}b`);
    assert.deepEqual(row.attributes, { [`lone${F}key`]: `x${F}y`, pair: '😀', end: `z${F}` });
  });

  it('protobuf (HTTP and gRPC): invalid UTF-8 bytes in strings are stored as U+FFFD, the span kept', async () => {
    // Markers of the same length as the bytes that replace them, so the protobuf lengths stay right.
    const patch = (buf: Uint8Array, marker: string, bytes: number[]): Buffer => {
      const b = Buffer.from(buf);
      const at = b.indexOf(marker);
      assert.ok(at >= 0, marker);
      Buffer.from(bytes).copy(b, at);
      return b;
    };
    for (const via of ['http', 'grpc'] as const) {
      const s = span({ name: 'aQb', attributes: { kQQ: 'vQQQw', lone: 'xQQQy' } });
      let body = protobufRequest([{ resource: { 'service.name': 'invalid-utf8' }, spans: [s] }]);
      body = patch(body, 'aQb', [0x61, 0xff, 0x62]); // a stray 0xFF
      body = patch(body, 'kQQ', [0x6b, 0xe2, 0x82]); // a truncated 3-byte sequence at the end of a key
      body = patch(body, 'vQQQw', [0x76, 0xc0, 0xaf, 0xfe, 0x77]); // an overlong encoding and 0xFE
      body = patch(body, 'xQQQy', [0x78, 0xed, 0xa0, 0x80, 0x79]); // a UTF-16 surrogate encoded as UTF-8
      if (via === 'http') assert.equal((await post(body, PB)).status, 200);
      else assert.equal((await grpcExport(client, body)).error, undefined);
      const row = await storedSpan(s.traceId, s.spanId);
      assert.ok(row, `${via}: the span is stored`);
      assert.equal(row.name, `a${F}b`);
      const attrs = row.attributes as Record<string, string>;
      const keys = Object.keys(attrs).sort();
      assert.equal(keys.length, 2);
      assert.match(keys.find((k) => k.startsWith('k'))!, /^k\uFFFD+$/);
      assert.match(attrs[keys.find((k) => k.startsWith('k'))!]!, /^v\uFFFD+w$/);
      assert.match(attrs.lone!, /^x\uFFFD+y$/);
    }
  });

  it('an experiment name with NUL (resource tracebridge.experiment) is stored with U+FFFD, the span kept', async () => {
    for (const encoding of ENCODINGS) {
      const s = span();
      const r = await send(encoding, [
        { resource: { 'tracebridge.experiment': `exp\u0000${encoding}` }, spans: [s] },
      ]);
      assert.equal(r.status, 200, `${encoding}: ${r.body.toString()}`);
      assert.equal((await storedSpan(s.traceId, s.spanId))?.experiment_name, `exp${F}${encoding}`);
    }
  });
});

describe('timestamps', () => {
  const MAX_I64 = 9_223_372_036_854_775_807n;
  const MAX_U64 = 18_446_744_073_709_551_615n;
  const Y2100 = 4_102_444_800_000_000_000n;
  const cases: { label: string; start: bigint; end: bigint; storedStart: bigint; storedEnd: bigint }[] = [
    { label: 'both 0', start: 0n, end: 0n, storedStart: 0n, storedEnd: 0n },
    {
      label: 'end before start',
      start: 2_000_000_000n,
      end: 1_000_000_000n,
      storedStart: 2_000_000_000n,
      storedEnd: 1_000_000_000n,
    },
    {
      label: 'start 0, end now',
      start: 0n,
      end: 1_700_000_000_000_000_000n,
      storedStart: 0n,
      storedEnd: 1_700_000_000_000_000_000n,
    },
    {
      label: 'far future (2100 → max int64)',
      start: Y2100,
      end: MAX_I64,
      storedStart: Y2100,
      storedEnd: MAX_I64,
    },
    // Past 2^63-1 the column cannot hold the value: documented as clamped.
    { label: 'max uint64 end (clamped)', start: Y2100, end: MAX_U64, storedStart: Y2100, storedEnd: MAX_I64 },
    { label: 'max uint64 start, end 0', start: MAX_U64, end: 0n, storedStart: MAX_I64, storedEnd: 0n },
  ];
  for (const encoding of ENCODINGS) {
    for (const c of cases) {
      it(`${encoding}: ${c.label} — stored as sent, durations never negative`, async () => {
        const s = span({ start: c.start, end: c.end, events: [{ name: 'at zero', time: 0n }] });
        const r = await send(encoding, [{ resource: { 'service.name': 'timestamps' }, spans: [s] }]);
        assert.equal(r.status, 200, r.body.toString());
        const row = await storedSpan(s.traceId, s.spanId);
        assert.ok(row, 'the span is stored');
        assert.equal(row.start_time_unix_nano, String(c.storedStart));
        assert.equal(row.end_time_unix_nano, String(c.storedEnd));
        // timestamptz holds the instant sent (all of these are before year 9999; mapper/time.ts).
        assert.equal((row.start_time as Date).getTime(), Number(c.start / 1_000_000n));
        assert.equal((row.end_time as Date).getTime(), Number(c.end / 1_000_000n));
        // end - start, 0 when end precedes start; for a clamped end, from either the sent or the stored value.
        const duration = (a: bigint, b: bigint) => (b > a ? Number(b - a) / 1e6 : 0);
        const near = (x: number, y: number) => Math.abs(x - y) <= y * 1e-9 + 1e-6;
        const ms = row.duration_ms as number;
        assert.ok(ms >= 0, `span duration_ms ${ms}`);
        assert.ok(
          near(ms, duration(c.start, c.end)) || near(ms, duration(c.storedStart, c.storedEnd)),
          `span duration_ms ${ms}`,
        );
        assert.deepEqual(row.events, [{ name: 'at zero', time_unix_nano: '0', attributes: {} }]);
        const tr = await storedTrace(s.traceId);
        assert.ok(tr, 'the trace row exists');
        assert.equal(tr.start_time_unix_nano, String(c.storedStart));
        assert.equal(tr.end_time_unix_nano, String(c.storedEnd));
        assert.ok((tr.duration_ms as number) >= 0, `trace duration_ms ${tr.duration_ms}`);
      });
    }
  }
});

describe('extreme integers and prototype-named values', () => {
  it('uint32 fields at their maximum (flags, dropped counts) are accepted and stored', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const doc = jsonRequest([
      { resource: { 'service.name': 'uint32' }, spans: [span({ traceId, spanId })] },
    ]) as {
      resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    Object.assign(doc.resourceSpans[0]!.scopeSpans[0]!.spans[0]!, {
      flags: 4_294_967_295,
      droppedAttributesCount: 4_294_967_295,
      droppedEventsCount: 2_147_483_648,
      droppedLinksCount: 3_000_000_000,
    });
    const r = await post(JSON.stringify(doc), JSON_CT);
    assert.equal(r.status, 200, r.body.toString());
    const row = await tdb.db.query<Record<string, string>>(
      `SELECT (flags::bigint & 4294967295)::text AS flags, (dropped_attributes_count::bigint & 4294967295)::text AS a,
              (dropped_events_count::bigint & 4294967295)::text AS e, (dropped_links_count::bigint & 4294967295)::text AS l
       FROM spans WHERE trace_id = $1 AND span_id = $2`,
      [traceId, spanId],
    );
    // Either stored as the unsigned value or as the signed 32-bit value with the same bits.
    assert.deepEqual(row.rows[0], { flags: '4294967295', a: '4294967295', e: '2147483648', l: '3000000000' });
  });

  it('int64 token counts at the int64 limits: the span is stored, the attribute exact, the count not reported', async () => {
    for (const encoding of ENCODINGS) {
      const s = span({
        name: 'chat huge',
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'm',
          // 2^63 as a double: protobuf (Long.fromNumber) saturates it to 2^63-1; JSON is patched below.
          'gen_ai.usage.input_tokens': 2 ** 63,
        },
      });
      // Build with a placeholder and patch the exact int64 in, since JS numbers cannot hold 2^63-1.
      const groups: TestResourceSpans[] = [{ resource: { 'service.name': 'int64' }, spans: [s] }];
      let r: Awaited<ReturnType<typeof post>>;
      if (encoding === 'json') {
        const text = JSON.stringify(jsonRequest(groups)).replace(
          /"intValue":"9223372036854775808"/,
          '"intValue":"9223372036854775807"',
        );
        assert.match(text, /9223372036854775807/);
        r = await post(text, JSON_CT);
      } else {
        r = await post(protobufRequest(groups), PB);
      }
      assert.equal(r.status, 200, `${encoding}: ${r.body.toString()}`);
      const row = await storedSpan(s.traceId, s.spanId);
      assert.ok(row, `${encoding}: the span is stored`);
      // (Long.fromNumber saturates 2^63 to 2^63-1 for protobuf; JSON was patched above.)
      const sent = '9223372036854775807';
      assert.equal((row.attributes as Record<string, unknown>)['gen_ai.usage.input_tokens'], sent);
      // No real count is that large, and summing such counts per trace would overflow bigint: counts past 2^53
      // are treated as not reported (docs/mapping.md), the attribute keeps what was sent.
      assert.equal(row.input_tokens, null);
    }
  });

  it('token counts no bigint can hold (1e300, a 20-digit string) do not fail the span', async () => {
    for (const encoding of ENCODINGS) {
      const s = span({
        name: 'chat overflow',
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': 1e300,
          'gen_ai.usage.output_tokens': '99999999999999999999',
        },
      });
      const groups = [{ resource: { 'service.name': 'overflow' }, spans: [s] }];
      // In OTLP/JSON an intValue must fit int64, so 1e300 travels as the double it is.
      const r =
        encoding === 'json'
          ? await post(
              JSON.stringify(jsonRequest(groups)).replace(
                /\{"intValue":"1\d{300}"\}/,
                '{"doubleValue":1e300}',
              ),
              JSON_CT,
            )
          : await send(encoding, groups);
      assert.equal(r.status, 200, `${encoding}: ${r.body.toString()}`);
      const row = await storedSpan(s.traceId, s.spanId);
      assert.ok(row, `${encoding}: the span is stored`);
      assert.deepEqual(
        [
          (row.attributes as Record<string, unknown>)['gen_ai.usage.input_tokens'],
          (row.attributes as Record<string, unknown>)['gen_ai.usage.output_tokens'],
        ],
        // The protobuf builder encodes 1e300 as an int64, which Long saturates to 2^63-1.
        [encoding === 'protobuf' ? '9223372036854775807' : 1e300, '99999999999999999999'],
        'the attributes keep what was sent',
      );
      assert.equal(row.input_tokens, null);
      assert.equal(row.output_tokens, null);
    }
  });

  it('type-deciding attributes named like Object.prototype members are plain strings', async () => {
    const keys = [
      'gen_ai.operation.name',
      'openinference.span.kind',
      'traceloop.span.kind',
      'llm.request.type',
      'langfuse.observation.type',
      'mlflow.spanType',
    ];
    for (const value of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const spans = keys.map((k) => span({ name: `${k}=${value}`, attributes: { [k]: value } }));
      const r = await send('protobuf', [{ resource: { 'service.name': 'prototype' }, spans }]);
      assert.equal(r.status, 200, `${value}: ${r.body.toString()}`);
      for (const s of spans) {
        const row = await storedSpan(s.traceId, s.spanId);
        assert.ok(row, `${s.name} is stored`);
        assert.equal(typeof row.span_type, 'string');
        assert.equal(row.name, s.name);
      }
    }
  });
});

describe('experiment names and trace tags round-trip exactly', () => {
  // Header values must be ASCII (latin1) on the wire; unicode names go through the resource attribute.
  const ASCII_NAMES = [
    "Robert'); DROP TABLE experiments;--",
    'back\\slash "double" \'single\'',
    "%s %d $1 ::text E'\\x00' /* c */ -- c",
    'a;b|c&d`e`$(f)',
    '{"json": true}',
    '  inner  spaces  ',
  ];
  const UNICODE_NAMES = [
    'эксперимент 🧪 实验 "q" \\ \'; DROP TABLE spans;--',
    'שלום‏ עולם ← RTL',
    'caf\u00e9', // NFC
    'cafe\u0301', // NFD: a different name, must stay distinct
    '𝕳𝖊𝖑𝖑𝖔 \u200b zero-width',
  ];

  it('x-tracebridge-experiment header (HTTP protobuf, HTTP JSON, gRPC metadata)', async () => {
    for (const raw of ASCII_NAMES) {
      // Header values are trimmed on the way in (README); inner spacing is kept.
      const name = raw.trim();
      const a = span();
      const b = span();
      const c = span();
      const r1 = await send('protobuf', [{ spans: [a] }], { 'x-tracebridge-experiment': raw });
      const r2 = await send('json', [{ spans: [b] }], { 'x-tracebridge-experiment': raw });
      const md = new grpc.Metadata();
      // HTTP/2 forbids leading / trailing whitespace in field values: gRPC gets the trimmed name.
      md.set('x-tracebridge-experiment', name);
      const r3 = await grpcExport(client, protobufRequest([{ spans: [c] }]), md);
      assert.deepEqual([r1.status, r2.status, r3.error?.code ?? 'OK'], [200, 200, 'OK'], raw);
      for (const s of [a, b, c]) assert.equal((await storedSpan(s.traceId, s.spanId))?.experiment_name, name);
      const exp = await tdb.db.query('SELECT name FROM experiments WHERE name = $1', [name]);
      assert.equal(exp.rows.length, 1, `exactly one experiment named ${JSON.stringify(name)}`);
    }
  });

  it('tracebridge.experiment resource attribute with unicode (protobuf and JSON)', async () => {
    for (const name of UNICODE_NAMES) {
      for (const encoding of ENCODINGS) {
        const s = span();
        const r = await send(encoding, [{ resource: { 'tracebridge.experiment': name }, spans: [s] }]);
        assert.equal(r.status, 200);
        assert.equal((await storedSpan(s.traceId, s.spanId))?.experiment_name, name);
      }
      const exp = await tdb.db.query('SELECT name FROM experiments WHERE name = $1', [name]);
      assert.equal(exp.rows.length, 1, JSON.stringify(name));
    }
  });

  it('mlflow.traceTag.<key> attributes → traces.tags, keys and values exact', async () => {
    const tags: Record<string, string> = {
      "it's": "O'Reilly",
      '"quoted"': 'say "hi"',
      'back\\slash': 'C:\\path\\to\\file',
      "'; DROP TABLE traces;--": "'); DELETE FROM spans; --",
      'ключ 🔑': 'значение 🧪 实验',
      'a.b.c': 'dotted',
      $1: '$2 %s ::jsonb',
      '{}': '{"a": 1}',
      list: '[1, 2]',
      nullish: 'null',
      truthy: 'true',
      number: '123',
      ws: '  padded  ',
      newline: 'line1\nline2\ttab',
    };
    for (const encoding of ENCODINGS) {
      const root = span({
        name: 'tagged root',
        attributes: {
          'mlflow.spanType': '"AGENT"',
          ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`mlflow.traceTag.${k}`, v])),
        },
      });
      const r = await send(encoding, [{ resource: { 'service.name': 'tags' }, spans: [root] }]);
      assert.equal(r.status, 200);
      const tr = await storedTrace(root.traceId);
      assert.ok(tr);
      const stored = tr.tags as Record<string, unknown>;
      for (const [k, v] of Object.entries(tags))
        assert.equal(stored[k], v, `${encoding}: tag ${JSON.stringify(k)}`);
      // The raw attributes keep the prefixed keys exactly too.
      const row = await storedSpan(root.traceId, root.spanId);
      for (const [k, v] of Object.entries(tags))
        assert.equal((row!.attributes as Record<string, unknown>)[`mlflow.traceTag.${k}`], v);
      // SQL in names did nothing: the tables are all still there.
      const t = await tdb.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('experiments', 'traces', 'spans')",
      );
      assert.equal(t.rows[0]!.n, 3);
    }
  });
});

describe('process health', () => {
  it('no unhandled rejection, and the bridge still answers', async () => {
    assert.deepEqual(unhandled, []);
    assert.equal((await httpRequest(bridge.httpPort, 'GET', '/healthz', undefined, {})).status, 200);
    assert.equal((await httpRequest(bridge.httpPort, 'GET', '/readyz', undefined, {})).status, 200);
  });
});
