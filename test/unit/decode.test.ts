import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import {
  encodeLogsResponse,
  encodeRetryInfo,
  encodeStatus,
  encodeTraceResponse,
} from '../../ingest/encode-response.js';
import { DecodeError } from '../../otlp/decode-error.js';
import { decodeLogsRequestJson, decodeTraceRequestJson } from '../../otlp/decode-json.js';
import {
  decodeLogsRequestProtobufFast,
  decodeTraceRequestProtobufFast,
  decodeTraceRequestProtobufStreaming,
} from '../../otlp/decode-protobuf.js';
import type { DecodedLogsRequest } from '../../otlp/logs-model.js';
import type { DecodedTraceRequest } from '../../otlp/model.js';
import {
  ExportLogsServiceRequest,
  ExportLogsServiceResponse,
  ExportTraceServiceRequest,
  ExportTraceServiceResponse,
  RETRY_INFO_TYPE_URL,
  RetryInfo,
  RpcStatus,
} from '../../proto/otlp.js';
import { decodeLogsRequestProtobuf, decodeTraceRequestProtobuf } from '../support/reference-decoder.js';

type Json = Record<string, unknown>;

/** The protobuf twin of an OTLP/JSON document: hex ids become bytes, the rest is protobufjs fromObject. */
function jsonToProtobuf(doc: Json, logs = false): Uint8Array {
  const ids = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(ids);
    if (typeof v !== 'object' || v === null) return v;
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] =
        (k === 'traceId' || k === 'spanId' || k === 'parentSpanId') && typeof x === 'string'
          ? hex(x)
          : ids(x);
    }
    return out;
  };
  const type = logs ? ExportLogsServiceRequest : ExportTraceServiceRequest;
  return type.encode(type.fromObject(ids(doc) as Json)).finish();
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const attr = (key: string, value?: Json): Json => (value === undefined ? { key } : { key, value });

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const PARENT_ID = 'eee19b7ec3c1b173';
const LINK_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const LINK_SPAN_ID = 'b7ad6b7169203331';

const golden: Json = {
  resourceSpans: [
    {
      resource: {
        attributes: [attr('service.name', { stringValue: 'agent' }), attr('host.cpus', { intValue: '8' })],
        droppedAttributesCount: 1,
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        {
          scope: { name: 'genai', version: '1.2.3', attributes: [attr('scope.flag', { boolValue: true })] },
          schemaUrl: 'https://opentelemetry.io/schemas/1.27.0',
          spans: [
            {
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              parentSpanId: PARENT_ID,
              traceState: 'congo=t61rcWkgMzE',
              flags: 257,
              name: 'chat gpt-4o',
              kind: 3,
              startTimeUnixNano: '1700000000123456789',
              endTimeUnixNano: '9223372036854775807',
              attributes: [
                attr('gen_ai.system', { stringValue: 'openai' }),
                attr('gen_ai.usage.input_tokens', { intValue: '120' }),
                attr('big', { intValue: '1152921504606846976' }),
                attr('neg', { intValue: '-1152921504606846976' }),
                attr('max_safe', { intValue: '9007199254740991' }),
                attr('two_53', { intValue: '9007199254740992' }),
                attr('temperature', { doubleValue: 0.7 }),
                attr('stream', { boolValue: false }),
                attr('raw', { bytesValue: 'AAECAwT/' }),
                attr('empty', {}),
                attr('missing'),
                attr('list', {
                  arrayValue: {
                    values: [
                      { stringValue: 'a' },
                      { intValue: '1' },
                      { arrayValue: { values: [{ boolValue: true }] } },
                      {},
                    ],
                  },
                }),
                attr('map', {
                  kvlistValue: {
                    values: [
                      attr('k', { stringValue: 'v' }),
                      attr('nested', { kvlistValue: { values: [attr('d', { doubleValue: 1.5 })] } }),
                    ],
                  },
                }),
                attr('dup', { stringValue: 'first' }),
                attr('dup', { stringValue: 'second' }),
                attr('empty_string', { stringValue: '' }),
              ],
              droppedAttributesCount: 2,
              events: [
                {
                  timeUnixNano: '1700000000200000000',
                  name: 'gen_ai.content.prompt',
                  attributes: [attr('gen_ai.prompt', { stringValue: 'hello' })],
                  droppedAttributesCount: 5,
                },
              ],
              droppedEventsCount: 3,
              links: [
                {
                  traceId: LINK_TRACE_ID,
                  spanId: LINK_SPAN_ID,
                  traceState: 'a=b',
                  attributes: [attr('link.kind', { stringValue: 'follows' })],
                  droppedAttributesCount: 1,
                  flags: 1,
                },
              ],
              droppedLinksCount: 4,
              status: { code: 2, message: 'boom' },
            },
            { traceId: TRACE_ID, spanId: 'eee19b7ec3c1b175', name: 'root', startTimeUnixNano: '1' },
          ],
        },
      ],
    },
    { scopeSpans: [{ spans: [] }] },
  ],
};

const expected: DecodedTraceRequest = {
  resourceSpans: [
    {
      resource: { attributes: { 'service.name': 'agent', 'host.cpus': 8 }, droppedAttributesCount: 1 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        {
          scope: { name: 'genai', version: '1.2.3', attributes: { 'scope.flag': true } },
          schemaUrl: 'https://opentelemetry.io/schemas/1.27.0',
          spans: [
            {
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              parentSpanId: PARENT_ID,
              traceState: 'congo=t61rcWkgMzE',
              flags: 257,
              name: 'chat gpt-4o',
              kind: 3,
              startTimeUnixNano: 1700000000123456789n,
              endTimeUnixNano: 9223372036854775807n,
              attributes: {
                'gen_ai.system': 'openai',
                'gen_ai.usage.input_tokens': 120,
                big: '1152921504606846976',
                neg: '-1152921504606846976',
                max_safe: 9007199254740991,
                two_53: '9007199254740992',
                temperature: 0.7,
                stream: false,
                raw: 'AAECAwT/',
                empty: null,
                missing: null,
                list: ['a', 1, [true], null],
                map: { k: 'v', nested: { d: 1.5 } },
                dup: 'second',
                empty_string: '',
              },
              droppedAttributesCount: 2,
              events: [
                {
                  timeUnixNano: 1700000000200000000n,
                  name: 'gen_ai.content.prompt',
                  attributes: { 'gen_ai.prompt': 'hello' },
                  droppedAttributesCount: 5,
                },
              ],
              droppedEventsCount: 3,
              links: [
                {
                  traceId: LINK_TRACE_ID,
                  spanId: LINK_SPAN_ID,
                  traceState: 'a=b',
                  attributes: { 'link.kind': 'follows' },
                  droppedAttributesCount: 1,
                  flags: 1,
                },
              ],
              droppedLinksCount: 4,
              status: { code: 2, message: 'boom' },
            },
            {
              traceId: TRACE_ID,
              spanId: 'eee19b7ec3c1b175',
              parentSpanId: '',
              traceState: '',
              flags: 0,
              name: 'root',
              kind: 0,
              startTimeUnixNano: 1n,
              endTimeUnixNano: 0n,
              attributes: {},
              droppedAttributesCount: 0,
              events: [],
              droppedEventsCount: 0,
              links: [],
              droppedLinksCount: 0,
              status: { code: 0, message: '' },
            },
          ],
        },
      ],
    },
    {
      resource: { attributes: {}, droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeSpans: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', spans: [] }],
    },
  ],
};

/** The first span of a single-span JSON request, decoded both ways (asserting they agree). */
function oneSpan(span: Json) {
  const doc = { resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] };
  const fromJson = decodeTraceRequestJson(JSON.stringify(doc));
  const wire = jsonToProtobuf(doc);
  assert.deepEqual(decodeTraceRequestProtobuf(wire), fromJson);
  assert.deepEqual(decodeTraceRequestProtobufFast(wire), fromJson);
  return fromJson.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

describe('trace decoders', () => {
  test('protobuf and JSON decode the golden request to the same, expected value', () => {
    const wire = jsonToProtobuf(golden);
    assert.deepEqual(decodeTraceRequestProtobuf(wire), expected);
    assert.deepEqual(decodeTraceRequestProtobufFast(wire), expected);
    assert.deepEqual(decodeTraceRequestJson(JSON.stringify(golden)), expected);
  });

  test('fixed64 timestamps keep full precision up to 2^64-1', () => {
    for (const t of [
      9223372036854775807n,
      1700000000123456789n,
      18446744073709551615n,
      9007199254740993n,
      0n,
    ]) {
      const span = oneSpan({ startTimeUnixNano: t.toString(), endTimeUnixNano: (t / 2n).toString() });
      assert.equal(span.startTimeUnixNano, t);
      assert.equal(span.endTimeUnixNano, t / 2n);
    }
  });

  test('JSON timestamps may be numbers; malformed ones are rejected', () => {
    const doc = (v: unknown) =>
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: v }] }] }] });
    assert.equal(
      decodeTraceRequestJson(doc(1700000000)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.startTimeUnixNano,
      1700000000n,
    );
    for (const bad of ['-1', '1.5', 'abc', '', '18446744073709551616', 1.5, -3, true]) {
      assert.throws(() => decodeTraceRequestJson(doc(bad)), DecodeError, `accepted ${JSON.stringify(bad)}`);
    }
  });

  test('int64 attributes: safe integers as numbers, others as exact decimal strings', () => {
    const cases: [string, number | string][] = [
      ['1152921504606846976', '1152921504606846976'],
      ['-9223372036854775808', '-9223372036854775808'],
      ['9223372036854775807', '9223372036854775807'],
      ['-9007199254740991', -9007199254740991],
      ['-9007199254740992', '-9007199254740992'],
      ['-1', -1],
      ['0', 0],
    ];
    for (const [wire, want] of cases) {
      assert.equal(oneSpan({ attributes: [attr('n', { intValue: wire })] }).attributes['n'], want, wire);
    }
    // JSON may carry an int64 as a number too.
    const doc = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [attr('n', { intValue: 42 })] }] }] }],
    };
    assert.equal(
      decodeTraceRequestJson(JSON.stringify(doc)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes['n'],
      42,
    );
  });

  test('bytes become standard padded base64 (JSON url-safe/unpadded input is normalized)', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0x00, 0x10]);
    assert.equal(
      oneSpan({ attributes: [attr('b', { bytesValue: bytes.toString('base64') })] }).attributes['b'],
      '+/8AEA==',
    );
    const doc = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [attr('b', { bytesValue: '-_8AEA' })] }] }] }],
    };
    assert.equal(
      decodeTraceRequestJson(JSON.stringify(doc)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes['b'],
      '+/8AEA==',
    );
  });

  test('doubles, including the JSON string forms of NaN and infinities', () => {
    const span = oneSpan({
      attributes: [attr('x', { doubleValue: -2.5e-300 }), attr('z', { doubleValue: 0 })],
    });
    assert.deepEqual(span.attributes, { x: -2.5e-300, z: 0 });
    const doc = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  attributes: [
                    attr('nan', { doubleValue: 'NaN' }),
                    attr('inf', { doubleValue: 'Infinity' }),
                    attr('ninf', { doubleValue: '-Infinity' }),
                    attr('str', { doubleValue: '1.25' }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const attrs = decodeTraceRequestJson(JSON.stringify(doc)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!
      .attributes;
    assert.ok(Number.isNaN(attrs['nan']));
    assert.equal(attrs['inf'], Number.POSITIVE_INFINITY);
    assert.equal(attrs['ninf'], Number.NEGATIVE_INFINITY);
    assert.equal(attrs['str'], 1.25);
    const wire = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ attributes: [{ key: 'nan', value: { doubleValue: Number.NaN } }] }] }] },
        ],
      }),
    ).finish();
    assert.ok(
      Number.isNaN(
        decodeTraceRequestProtobuf(wire).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes['nan'],
      ),
    );
  });

  test('deeply nested kvlist/array values', () => {
    let value: Json = { stringValue: 'leaf' };
    let want: unknown = 'leaf';
    for (let i = 0; i < 20; i++) {
      value =
        i % 2 ? { arrayValue: { values: [value] } } : { kvlistValue: { values: [attr(`k${i}`, value)] } };
      want = i % 2 ? [want] : { [`k${i}`]: want };
    }
    assert.deepEqual(oneSpan({ attributes: [attr('deep', value)] }).attributes['deep'], want);
  });

  test('JSON: snake_case keys read like lowerCamelCase', () => {
    const snake = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'r', value: { int_value: '7' } }], dropped_attributes_count: 1 },
          schema_url: 'rs',
          scope_spans: [
            {
              scope: { name: 's' },
              schema_url: 'ss',
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: PARENT_ID,
                  trace_state: 'x=y',
                  start_time_unix_nano: '1700000000123456789',
                  end_time_unix_nano: '1700000000123456790',
                  dropped_attributes_count: 1,
                  dropped_events_count: 2,
                  dropped_links_count: 3,
                  attributes: [
                    { key: 's', value: { string_value: 'v' } },
                    { key: 'b', value: { bool_value: true } },
                    { key: 'd', value: { double_value: 2.5 } },
                    { key: 'y', value: { bytes_value: 'AQI=' } },
                    { key: 'a', value: { array_value: { values: [{ int_value: 1 }] } } },
                    {
                      key: 'm',
                      value: { kvlist_value: { values: [{ key: 'k', value: { string_value: 'v' } }] } },
                    },
                  ],
                  events: [{ time_unix_nano: '5', name: 'e', dropped_attributes_count: 4 }],
                  links: [{ trace_id: LINK_TRACE_ID, span_id: LINK_SPAN_ID, trace_state: 't' }],
                },
              ],
            },
          ],
        },
      ],
    };
    const camel = {
      resourceSpans: [
        {
          resource: { attributes: [attr('r', { intValue: '7' })], droppedAttributesCount: 1 },
          schemaUrl: 'rs',
          scopeSpans: [
            {
              scope: { name: 's' },
              schemaUrl: 'ss',
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: SPAN_ID,
                  parentSpanId: PARENT_ID,
                  traceState: 'x=y',
                  startTimeUnixNano: '1700000000123456789',
                  endTimeUnixNano: '1700000000123456790',
                  droppedAttributesCount: 1,
                  droppedEventsCount: 2,
                  droppedLinksCount: 3,
                  attributes: [
                    attr('s', { stringValue: 'v' }),
                    attr('b', { boolValue: true }),
                    attr('d', { doubleValue: 2.5 }),
                    attr('y', { bytesValue: 'AQI=' }),
                    attr('a', { arrayValue: { values: [{ intValue: '1' }] } }),
                    attr('m', { kvlistValue: { values: [attr('k', { stringValue: 'v' })] } }),
                  ],
                  events: [{ timeUnixNano: '5', name: 'e', droppedAttributesCount: 4 }],
                  links: [{ traceId: LINK_TRACE_ID, spanId: LINK_SPAN_ID, traceState: 't' }],
                },
              ],
            },
          ],
        },
      ],
    };
    const decoded = decodeTraceRequestJson(JSON.stringify(snake));
    assert.deepEqual(decoded, decodeTraceRequestJson(JSON.stringify(camel)));
    assert.deepEqual(decoded, decodeTraceRequestProtobuf(jsonToProtobuf(camel)));
    const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.startTimeUnixNano, 1700000000123456789n);
    assert.deepEqual(span.attributes['m'], { k: 'v' });
    assert.equal(span.droppedLinksCount, 3);
  });

  test('JSON: enum names as well as integers', () => {
    const byName = oneSpan({ kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR', message: 'x' } });
    assert.equal(byName.kind, 2);
    assert.deepEqual(byName.status, { code: 2, message: 'x' });
    assert.equal(oneSpan({ kind: 5, status: { code: 1 } }).status.code, 1);
    const doc = (kind: unknown) =>
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ kind }] }] }] });
    assert.throws(() => decodeTraceRequestJson(doc('SPAN_KIND_NOPE')), DecodeError);
    assert.throws(() => decodeTraceRequestJson(doc('toString')), DecodeError);
    // proto3 enums are open: an unknown number passes through, in both encodings.
    assert.equal(oneSpan({ kind: 9 }).kind, 9);
  });

  test('ids: uppercase hex is lowercased; bad ids are kept (lowercased) for validation, never thrown', () => {
    const span = oneSpan({ traceId: TRACE_ID.toUpperCase(), spanId: 'EEE19B7EC3C1B174', parentSpanId: '' });
    assert.equal(span.traceId, TRACE_ID);
    assert.equal(span.spanId, SPAN_ID);
    assert.equal(span.parentSpanId, '');
    const doc = (traceId: unknown) =>
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId }] }] }] });
    const decodeId = (v: unknown) =>
      decodeTraceRequestJson(doc(v)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId;
    assert.equal(decodeId('XYZ'), 'xyz');
    assert.equal(decodeId('W4jv95gDgQPSabYzgT/GDA=='), 'w4jv95gdgqpsabyzgt/gda==');
    assert.equal(decodeId('abc'), 'abc');
    assert.equal(decodeId(123), '123');
    assert.equal(decodeId(null), '');
    // protobuf ids of any length become their hex (validation judges the length).
    const wire = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: hex('ABCDEF') }] }] }],
      }),
    ).finish();
    assert.equal(
      decodeTraceRequestProtobuf(wire).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId,
      'abcdef',
    );
  });

  test('attribute key "__proto__" is data, not a prototype change', () => {
    const span = oneSpan({
      attributes: [attr('__proto__', { kvlistValue: { values: [attr('polluted', { boolValue: true })] } })],
    });
    assert.equal(Object.getPrototypeOf(span.attributes), Object.prototype);
    assert.deepEqual(Object.keys(span.attributes), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(span.attributes, '__proto__')?.value, {
      polluted: true,
    });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('missing arrays are empty; empty bodies are empty requests', () => {
    assert.deepEqual(decodeTraceRequestJson('{}'), { resourceSpans: [] });
    assert.deepEqual(decodeTraceRequestJson('{"resourceSpans":null}'), { resourceSpans: [] });
    assert.deepEqual(decodeTraceRequestProtobuf(new Uint8Array(0)), { resourceSpans: [] });
    assert.deepEqual(decodeTraceRequestJson('{"resourceSpans":[{}]}'), {
      resourceSpans: [
        { resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [] },
      ],
    });
  });

  test('unknown fields are ignored (JSON keys, protobuf field numbers)', () => {
    const doc = {
      extra: 1,
      resourceSpans: [{ future: [], scopeSpans: [{ spans: [{ name: 'x', newField: { a: 1 } }] }] }],
    };
    assert.equal(
      decodeTraceRequestJson(JSON.stringify(doc)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name,
      'x',
    );
    const known = jsonToProtobuf({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x' }] }] }] });
    // Field 99 (varint 7) and field 100 (length-delimited "hi") appended at the top level.
    const withUnknown = Buffer.concat([known, Buffer.from([0x98, 0x06, 0x07, 0xa2, 0x06, 0x02, 0x68, 0x69])]);
    assert.deepEqual(decodeTraceRequestProtobuf(withUnknown), decodeTraceRequestProtobuf(known));
    assert.deepEqual(decodeTraceRequestProtobufFast(withUnknown), decodeTraceRequestProtobuf(known));
  });

  test('profiles-only string_value_strindex reads as an empty value', () => {
    const wire = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ attributes: [{ key: 'i', value: { stringValueStrindex: 3 } }] }] }] },
        ],
      }),
    ).finish();
    assert.deepEqual(decodeTraceRequestProtobuf(wire).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes, {
      i: null,
    });
  });

  test('malformed protobuf throws DecodeError', () => {
    const valid = jsonToProtobuf(golden);
    const bad = [
      Buffer.from([0x0a, 0x05, 0x01]), // length past the end
      Buffer.from([0x0f]), // wire type 7
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // varint too long
      valid.subarray(0, valid.length - 3), // truncated
    ];
    for (const bytes of bad) {
      assert.throws(
        () => decodeTraceRequestProtobuf(bytes),
        (err: unknown) => err instanceof DecodeError && /invalid OTLP protobuf/.test(err.message),
      );
      assert.throws(() => decodeLogsRequestProtobuf(bytes), DecodeError);
      assert.throws(() => decodeTraceRequestProtobufFast(bytes), DecodeError);
      assert.throws(() => decodeLogsRequestProtobufFast(bytes), DecodeError);
    }
  });

  test('the streaming decoder checks the framing at once and each span when it is reached', () => {
    // One ResourceSpans > ScopeSpans > Span whose only byte is a tag of wire type 7: the bounds are fine.
    const badSpan = Buffer.from([0x0a, 0x05, 0x12, 0x03, 0x12, 0x01, 0x0f]);
    const valid = jsonToProtobuf(golden);
    // Concatenated protobuf messages merge: the golden spans, then the bad one.
    const streamed = decodeTraceRequestProtobufStreaming(Buffer.concat([valid, badSpan]));
    const goodSpans = [...streamed.resourceSpans[0]!.scopeSpans[0]!.spans];
    assert.deepEqual(goodSpans, decodeTraceRequestProtobuf(valid).resourceSpans[0]!.scopeSpans[0]!.spans);
    const last = streamed.resourceSpans.at(-1)!.scopeSpans[0]!.spans;
    assert.throws(
      () => [...last],
      (err: unknown) => err instanceof DecodeError && /invalid OTLP protobuf/.test(err.message),
    );
    assert.throws(() => decodeTraceRequestProtobufFast(badSpan), DecodeError);
    // A span's bounds past its container are found before any span is decoded.
    assert.throws(
      () => decodeTraceRequestProtobufStreaming(Buffer.from([0x0a, 0x05, 0x12, 0x03, 0x12, 0x09, 0x0f])),
      DecodeError,
    );
  });

  test('invalid JSON and structurally wrong documents throw DecodeError', () => {
    const bad = [
      '',
      '{',
      'not json',
      '[]',
      'null',
      '"x"',
      '{"resourceSpans":{}}',
      '{"resourceSpans":[1]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[5]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":{}}]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":1}]}]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"a","value":{"intValue":"1.5"}}]}]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"a","value":{"boolValue":"yes"}}]}]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":7}]}]}]}',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":-1}]}]}]}',
      '{"resourceSpans":[{"resource":[]}]}',
    ];
    for (const text of bad) assert.throws(() => decodeTraceRequestJson(text), DecodeError, text);
    assert.throws(
      () =>
        decodeTraceRequestJson(
          '{"resourceSpans":[{"scopeSpans":[{"spans":[{},{"startTimeUnixNano":"x"}]}]}]}',
        ),
      (err: unknown) =>
        err instanceof DecodeError && err.message.includes('resourceSpans[0].scopeSpans[0].spans[1]'),
    );
  });

  test('absurdly deep JSON values are a DecodeError, not a stack overflow', () => {
    const depth = 5000;
    const value = '{"arrayValue":{"values":['.repeat(depth) + '{}' + ']}}'.repeat(depth);
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"d","value":${value}}]}]}]}]}`;
    assert.throws(() => decodeTraceRequestJson(text), DecodeError);
  });

  test('requests serialized by the OpenTelemetry JS SDK decode identically from protobuf and JSON', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('sdk-test', '0.0.1');
    const parent = tracer.startSpan('invoke_agent', {
      attributes: { 'gen_ai.operation.name': 'invoke_agent' },
    });
    parent.setAttributes({ 'gen_ai.usage.input_tokens': 12, ratio: 0.5, ok: true, tags: ['a', 'b'] });
    parent.addEvent('thinking', { step: 1 });
    parent.setStatus({ code: 2, message: 'failed' });
    parent.end();
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const wire = ProtobufTraceSerializer.serializeRequest(spans)!;
    const fromProtobuf = decodeTraceRequestProtobuf(wire);
    assert.deepEqual(decodeTraceRequestProtobufFast(wire), fromProtobuf);
    const fromJson = decodeTraceRequestJson(
      new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!),
    );
    assert.deepEqual(fromProtobuf, fromJson);
    const span = fromJson.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.spanId, parent.spanContext().spanId);
    assert.equal(span.traceId, parent.spanContext().traceId);
    assert.deepEqual(span.attributes, {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.usage.input_tokens': 12,
      ratio: 0.5,
      ok: true,
      tags: ['a', 'b'],
    });
    assert.deepEqual(span.status, { code: 2, message: 'failed' });
    assert.equal(span.events[0]?.name, 'thinking');
    await provider.shutdown();
  });
});

describe('protobuf decoders agree (reflection vs hand-written)', () => {
  /** mulberry32: a small seeded PRNG, so a failure reproduces. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function randomDoc(rand: () => number): Json {
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const u64 = () => ((BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32))).toString();
    const i64 = () => BigInt.asIntN(64, BigInt(u64())).toString();
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const idHex = (n: number) => (rand() < 0.1 ? '' : bytes(rand() < 0.1 ? int(20) : n).toString('hex'));
    const text = () => pick(['', 'a', 'gen_ai.prompt', 'é日本🙂', 'x'.repeat(int(300)), `k${int(5)}`]);
    const value = (depth: number): Json => {
      switch (int(depth > 3 ? 6 : 8)) {
        case 0:
          return { stringValue: text() };
        case 1:
          return { boolValue: rand() < 0.5 };
        case 2:
          return { intValue: rand() < 0.5 ? String(int(1e6) - 5e5) : i64() };
        case 3:
          return { doubleValue: (rand() - 0.5) * 10 ** int(300) };
        case 4:
          return { bytesValue: bytes(int(40)).toString('base64') };
        case 5:
          return {};
        case 6:
          return { arrayValue: { values: Array.from({ length: int(4) }, () => value(depth + 1)) } };
        default:
          return { kvlistValue: { values: attrs(depth + 1) } };
      }
    };
    const attrs = (depth: number): Json[] =>
      Array.from({ length: int(6) }, () =>
        rand() < 0.05 ? { key: text() } : { key: text(), value: value(depth) },
      );
    const span = (): Json => ({
      traceId: idHex(16),
      spanId: idHex(8),
      parentSpanId: idHex(8),
      traceState: text(),
      flags: int(2 ** 32),
      name: text(),
      kind: int(7),
      startTimeUnixNano: u64(),
      endTimeUnixNano: u64(),
      attributes: attrs(0),
      droppedAttributesCount: int(3),
      events: Array.from({ length: int(3) }, () => ({
        timeUnixNano: u64(),
        name: text(),
        attributes: attrs(0),
      })),
      droppedEventsCount: int(3),
      links: Array.from({ length: int(2) }, () => ({
        traceId: idHex(16),
        spanId: idHex(8),
        flags: int(512),
      })),
      droppedLinksCount: int(3),
      ...(rand() < 0.7 ? { status: { code: int(3), message: text() } } : {}),
    });
    return {
      resourceSpans: Array.from({ length: 1 + int(2) }, () => ({
        ...(rand() < 0.8 ? { resource: { attributes: attrs(0), droppedAttributesCount: int(2) } } : {}),
        schemaUrl: text(),
        scopeSpans: Array.from({ length: int(3) }, () => ({
          ...(rand() < 0.8 ? { scope: { name: text(), version: text(), attributes: attrs(0) } } : {}),
          schemaUrl: text(),
          spans: Array.from({ length: int(5) }, span),
        })),
      })),
    };
  }

  test('random requests: reflection, hand-written and JSON decoders give the same value', () => {
    const rand = rng(20261124);
    for (let i = 0; i < 300; i++) {
      const doc = randomDoc(rand);
      const wire = jsonToProtobuf(doc);
      const reflected = decodeTraceRequestProtobuf(wire);
      assert.deepEqual(decodeTraceRequestProtobufFast(wire), reflected, `case ${i}`);
      assert.deepEqual(decodeTraceRequestJson(JSON.stringify(doc)), reflected, `case ${i}`);
    }
  });

  test('mutated bytes: every decoder returns or throws DecodeError, nothing else', () => {
    const rand = rng(7);
    const base = jsonToProtobuf(randomDoc(rng(1)));
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(base);
      for (let n = 1 + Math.floor(rand() * 4); n > 0; n--)
        bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
      for (const decode of [
        decodeTraceRequestProtobuf,
        decodeTraceRequestProtobufFast,
        decodeLogsRequestProtobuf,
        decodeLogsRequestProtobufFast,
      ]) {
        try {
          decode(cut);
        } catch (err) {
          assert.ok(err instanceof DecodeError, `${decode.name} threw ${String(err)} on case ${i}`);
        }
      }
    }
  });

  test('nesting: the same message-depth limit (100) in both', () => {
    // Built by hand: protobufjs's own encoder (fromObject) refuses to go this deep.
    const field = (tag: number, body: Uint8Array) =>
      protobuf.Writer.create().uint32(tag).bytes(body).finish();
    const nested = (levels: number): Uint8Array => {
      let value = protobuf.Writer.create().uint32(0x0a).string('leaf').finish(); // AnyValue{string_value}
      for (let i = 0; i < levels; i++) value = field(0x2a, field(0x0a, value)); // AnyValue{array_value{values}}
      const kv = Buffer.concat([
        protobuf.Writer.create().uint32(0x0a).string('d').finish(),
        field(0x12, value),
      ]);
      return field(0x0a, field(0x12, field(0x12, field(0x4a, kv)))); // request > resource > scope > span
    };
    // The span's AnyValue is message level 5; each array adds 2 (ArrayValue, AnyValue).
    const ok = nested(47);
    assert.deepEqual(decodeTraceRequestProtobufFast(ok), decodeTraceRequestProtobuf(ok));
    let leaf: unknown =
      decodeTraceRequestProtobufFast(ok).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes['d'];
    for (let i = 0; i < 47; i++) leaf = (leaf as unknown[])[0];
    assert.equal(leaf, 'leaf');
    const deep = nested(48);
    assert.throws(() => decodeTraceRequestProtobuf(deep), DecodeError);
    assert.throws(() => decodeTraceRequestProtobufFast(deep), DecodeError);
  });
});

describe('logs decoders', () => {
  const logsDoc: Json = {
    resourceLogs: [
      {
        resource: { attributes: [attr('service.name', { stringValue: 'agent' })] },
        schemaUrl: 'r',
        scopeLogs: [
          {
            scope: { name: 'logger', version: '2' },
            schemaUrl: 's',
            logRecords: [
              {
                timeUnixNano: '1700000000123456789',
                observedTimeUnixNano: '18446744073709551615',
                severityNumber: 17,
                severityText: 'ERROR',
                body: {
                  kvlistValue: {
                    values: [attr('msg', { stringValue: 'hi' }), attr('n', { intValue: '-5' })],
                  },
                },
                attributes: [attr('a', { bytesValue: 'AQ==' })],
                droppedAttributesCount: 1,
                flags: 1,
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                eventName: 'gen_ai.choice',
              },
              { body: { stringValue: 'plain' } },
            ],
          },
        ],
      },
    ],
  };
  const want: DecodedLogsRequest = {
    resourceLogs: [
      {
        resource: { attributes: { 'service.name': 'agent' }, droppedAttributesCount: 0 },
        schemaUrl: 'r',
        scopeLogs: [
          {
            scope: { name: 'logger', version: '2', attributes: {} },
            schemaUrl: 's',
            logRecords: [
              {
                timeUnixNano: 1700000000123456789n,
                observedTimeUnixNano: 18446744073709551615n,
                severityNumber: 17,
                severityText: 'ERROR',
                body: { msg: 'hi', n: -5 },
                attributes: { a: 'AQ==' },
                droppedAttributesCount: 1,
                flags: 1,
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                eventName: 'gen_ai.choice',
              },
              {
                timeUnixNano: 0n,
                observedTimeUnixNano: 0n,
                severityNumber: 0,
                severityText: '',
                body: 'plain',
                attributes: {},
                droppedAttributesCount: 0,
                flags: 0,
                traceId: '',
                spanId: '',
                eventName: '',
              },
            ],
          },
        ],
      },
    ],
  };

  test('protobuf and JSON decode logs to the same, expected value', () => {
    assert.deepEqual(decodeLogsRequestProtobuf(jsonToProtobuf(logsDoc, true)), want);
    assert.deepEqual(decodeLogsRequestProtobufFast(jsonToProtobuf(logsDoc, true)), want);
    assert.deepEqual(decodeLogsRequestJson(JSON.stringify(logsDoc)), want);
  });

  test('JSON logs: snake_case keys, severity names, uppercase ids', () => {
    const snake = {
      resource_logs: [
        {
          scope_logs: [
            {
              log_records: [
                {
                  time_unix_nano: 5,
                  observed_time_unix_nano: '6',
                  severity_number: 'SEVERITY_NUMBER_WARN',
                  severity_text: 'W',
                  trace_id: TRACE_ID.toUpperCase(),
                  span_id: SPAN_ID,
                  event_name: 'e',
                },
              ],
            },
          ],
        },
      ],
    };
    const record = decodeLogsRequestJson(JSON.stringify(snake)).resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    assert.equal(record.timeUnixNano, 5n);
    assert.equal(record.observedTimeUnixNano, 6n);
    assert.equal(record.severityNumber, 13);
    assert.equal(record.traceId, TRACE_ID);
    assert.equal(record.eventName, 'e');
    assert.equal(record.body, null);
    assert.throws(
      () => decodeLogsRequestJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[3]}]}]}'),
      DecodeError,
    );
  });
});

describe('response encoders', () => {
  test('trace response: empty on full success, partial_success round-trips', () => {
    assert.equal(encodeTraceResponse('protobuf').length, 0);
    assert.equal(encodeTraceResponse('json'), '{}');
    const bytes = encodeTraceResponse('protobuf', { rejectedSpans: 3, errorMessage: 'bad ids' });
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(bytes), {
      longs: String,
    });
    assert.deepEqual(decoded, { partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' } });
    const big = encodeTraceResponse('protobuf', { rejectedSpans: 9007199254740993n, errorMessage: '' });
    const bigDecoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(big), {
      longs: String,
    });
    assert.equal(bigDecoded['partialSuccess'].rejectedSpans, '9007199254740993');
    assert.deepEqual(
      JSON.parse(encodeTraceResponse('json', { rejectedSpans: 3n, errorMessage: 'bad ids' })),
      {
        partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' },
      },
    );
  });

  test('the JS exporter reads our protobuf trace response', () => {
    const bytes = encodeTraceResponse('protobuf', { rejectedSpans: 2, errorMessage: 'two bad' });
    assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(bytes), {
      partialSuccess: { rejectedSpans: 2, errorMessage: 'two bad' },
    });
  });

  test('logs response round-trips', () => {
    assert.equal(encodeLogsResponse('protobuf').length, 0);
    assert.equal(encodeLogsResponse('json'), '{}');
    const bytes = encodeLogsResponse('protobuf', { rejectedLogRecords: 1, errorMessage: 'no' });
    assert.deepEqual(
      ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(bytes), { longs: String }),
      {
        partialSuccess: { rejectedLogRecords: '1', errorMessage: 'no' },
      },
    );
    assert.deepEqual(JSON.parse(encodeLogsResponse('json', { rejectedLogRecords: 1, errorMessage: 'no' })), {
      partialSuccess: { rejectedLogRecords: '1', errorMessage: 'no' },
    });
  });

  test('google.rpc.Status with RetryInfo round-trips (protobuf and JSON)', () => {
    const bytes = encodeStatus('protobuf', { code: 14, message: 'busy', retryDelayMs: 1500 });
    // The raw decoded message: protobufjs's toObject rewrites google.protobuf.Any.
    const status = RpcStatus.decode(bytes) as unknown as {
      code: number;
      message: string;
      details: { type_url: string; value: Uint8Array }[];
    };
    assert.equal(status.code, 14);
    assert.equal(status.message, 'busy');
    assert.equal(status.details.length, 1);
    assert.equal(status.details[0]!.type_url, RETRY_INFO_TYPE_URL);
    const retry = RetryInfo.toObject(RetryInfo.decode(status.details[0]!.value), { longs: Number });
    assert.deepEqual(retry, { retryDelay: { seconds: 1, nanos: 500_000_000 } });
    assert.deepEqual(Buffer.from(status.details[0]!.value), Buffer.from(encodeRetryInfo(1500)));
    assert.deepEqual(RetryInfo.toObject(RetryInfo.decode(encodeRetryInfo(0.2)), { longs: Number }), {
      retryDelay: { nanos: 1_000_000 },
    });

    const plain = RpcStatus.toObject(
      RpcStatus.decode(encodeStatus('protobuf', { code: 3, message: 'bad' })),
      {
        arrays: true,
      },
    );
    assert.deepEqual(plain, { code: 3, message: 'bad', details: [] });

    assert.deepEqual(JSON.parse(encodeStatus('json', { code: 14, message: 'busy', retryDelayMs: 1500 })), {
      code: 14,
      message: 'busy',
      details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '1.500s' }],
    });
    assert.deepEqual(
      JSON.parse(encodeStatus('json', { code: 8, message: 'full', retryDelayMs: 2000 })).details,
      [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '2s' }],
    );
    assert.deepEqual(JSON.parse(encodeStatus('json', { code: 3, message: 'bad' })), {
      code: 3,
      message: 'bad',
    });
  });
});
