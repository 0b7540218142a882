/**
 * No client value can make a request fail with 500 (fast-check). Each run sends, over OTLP/HTTP or OTLP/gRPC, a
 * request whose one "hostile" span carries values of random length (0 to 1 MB) and random content (incompressible
 * ASCII, BMP, astral, U+0000 and lone surrogates, one repeated character) in some of the fields that feed a
 * mapped text column — span and scope names, the attributes of every convention that fill session / user ids,
 * model, provider, tool, agent, response and error columns, resource attributes and the header that name the
 * experiment — next to two ordinary spans of another trace and resource; and a logs request whose GenAI event has
 * such a name, severity and scope. The answer must be 200 (everything stored; indexed columns within their bound)
 * or 400 VALUE_TOO_LONG exactly when the experiment name is over its limit; never 500, and on 200 every other span
 * of the request is stored. Bounded in time: fast-check stops starting runs after RUN_BUDGET_MS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RunningBridge } from '../../cli/bridge.js';
import { ExportTraceServiceResponse } from '../../proto/otlp.js';
import { COLUMN_BOUNDS, INDEXED_TEXT_BYTES } from '../../store/column-bounds.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { grpcExport } from '../support/grpc-export.js';
import { hexId, protobufRequest, type TestSpan } from '../support/otlp.js';
import { logsJson, logsProtobuf } from '../support/otlp-logs.js';

const RUN_BUDGET_MS = 40_000;
const PB = { 'content-type': 'application/x-protobuf' };
const MB = 1 << 20;

let tdb: TestDatabase;
let bridge: RunningBridge;
before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url });
});
after(async () => {
  await bridge?.stop();
  await tdb?.drop();
});

/** Span attributes that feed a mapped text column, across conventions (docs/mapping.md). */
const SPAN_ATTRIBUTES = [
  'gen_ai.conversation.id',
  'session.id',
  'user.id',
  'enduser.id',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'gen_ai.provider.name',
  'gen_ai.system',
  'gen_ai.response.id',
  'gen_ai.tool.name',
  'gen_ai.tool.call.id',
  'gen_ai.agent.name',
  'gen_ai.operation.name',
  'error.type',
  'llm.model_name',
  'llm.provider',
  'tool.name',
  'tool.id',
  'agent.name',
  'mlflow.spanType',
  'mlflow.trace.session',
  'mlflow.trace.user',
  'openinference.span.kind',
  'traceloop.entity.name',
  'traceloop.association.properties.session_id',
  'ai.model.id',
  'ai.model.provider',
  'ai.telemetry.functionId',
  'langfuse.session.id',
  'langfuse.user.id',
  'input.value',
  'output.value',
] as const;
/** Fields of the request itself that feed one. */
const REQUEST_FIELDS = [
  'span.name',
  'span.status_message',
  'span.event_name',
  'scope.name',
  'scope.version',
  'resource.service.name',
  'resource.tracebridge.experiment',
  'header.x-tracebridge-experiment',
] as const;
type Field = (typeof SPAN_ATTRIBUTES)[number] | (typeof REQUEST_FIELDS)[number];

type Kind = 'ascii' | 'bmp' | 'astral' | 'nul-surrogate' | 'repeat';
interface ValueSpec {
  length: number;
  kind: Kind;
  seed: number;
}

/** Lengths around the bound, a little past the b-tree limit, and anywhere up to 1 MB. */
const lengthArb = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 300, max: 4_000 }),
  fc.integer({ min: 0, max: MB }),
);
const valueArb = fc.record({
  length: lengthArb,
  kind: fc.constantFrom<Kind>('ascii', 'bmp', 'astral', 'nul-surrogate', 'repeat'),
  seed: fc.integer(),
});

/** A deterministic string of `length` UTF-16 units (mulberry32 from the seed): reproducible from the fc seed. */
function materialize({ length, kind, seed }: ValueSpec, printableOnly = false): string {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const k = printableOnly ? 'ascii' : kind;
  const units: number[] = [];
  while (units.length < length) {
    if (k === 'repeat') units.push(0x78);
    else if (k === 'ascii') units.push(0x21 + Math.floor(next() * 94));
    else if (k === 'bmp') units.push(0x100 + Math.floor(next() * 0xd000));
    else if (k === 'astral') {
      const cp = 0x10000 + Math.floor(next() * 0xfffff);
      units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      const r = next();
      units.push(
        r < 0.1 ? 0 : r < 0.2 ? 0xd800 + Math.floor(next() * 0x800) : 0x21 + Math.floor(next() * 94),
      );
    }
  }
  units.length = length;
  let s = '';
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192));
  return s;
}

const caseArb = fc.record({
  transport: fc.constantFrom<'http' | 'grpc'>('http', 'grpc'),
  fields: fc.uniqueArray(fc.constantFrom<Field>(...SPAN_ATTRIBUTES, ...REQUEST_FIELDS), {
    minLength: 1,
    maxLength: 4,
  }),
  values: fc.array(valueArb, { minLength: 4, maxLength: 4 }),
  // Header values travel as metadata / HTTP headers, whose own limits (8–16 KB) are the transport's business.
  headerLength: fc.integer({ min: 0, max: 4_000 }),
});

/** The experiment name the bridge picks (pipeline/experiment-routing.ts), to know when 400 is the answer. */
function chosenName(header: string | undefined, resource: Record<string, string>): string | null {
  if (header) return header;
  const te = resource['tracebridge.experiment'];
  if (te !== undefined && te.trim() !== '') return te;
  const sn = resource['service.name'];
  if (sn !== undefined && sn.trim() !== '' && !sn.startsWith('unknown_service')) return sn;
  return null;
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
const BOUNDED_SPAN_COLUMNS = Object.keys(COLUMN_BOUNDS.spans).filter(
  (c) => (COLUMN_BOUNDS.spans as Record<string, { over: string }>)[c]!.over === 'cut',
);

async function send(transport: 'http' | 'grpc', body: Uint8Array, headers: Record<string, string>) {
  if (transport === 'http') {
    const res = await postOtlp(bridge.httpPort, '/v1/traces', body, { ...PB, ...headers });
    const partial =
      res.status === 200
        ? (
            ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.body)) as {
              partialSuccess?: unknown;
            }
          ).partialSuccess
        : undefined;
    return {
      status: res.status,
      code: res.headers.get('x-tracebridge-error'),
      partial,
      text: res.body.toString(),
    };
  }
  const { response, error } = await grpcExport(bridge.grpcPort, 'traces', body, headers);
  if (error) {
    const code = /^([A-Z_]+):/.exec(error.details)?.[1] ?? null;
    return {
      status: error.code === 3 ? 400 : 1000 + error.code,
      code,
      partial: undefined,
      text: error.details,
    };
  }
  const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response!)) as {
    partialSuccess?: unknown;
  };
  return { status: 200, code: null, partial: decoded.partialSuccess, text: '' };
}

async function spanCount(traceId: string): Promise<number> {
  const r = await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM spans WHERE trace_id = $1', [
    traceId,
  ]);
  return r.rows[0]!.n;
}

describe('values of any length and content in the fields that feed indexed columns', () => {
  it('never cost a request: 200 with everything stored, or 400 naming a too-long experiment name', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ transport, fields, values, headerLength }) => {
        runs++;
        const hostileTrace = hexId(16);
        const otherTrace = hexId(16);
        const attributes: Record<string, string> = { 'gen_ai.operation.name': 'chat' };
        const resource: Record<string, string> = {};
        const headers: Record<string, string> = {};
        const hostile: TestSpan = {
          traceId: hostileTrace,
          spanId: hexId(8),
          name: 'hostile',
          start: 1_700_000_000_000_000_000n,
          end: 1_700_000_001_000_000_000n,
          attributes,
        };
        const scope = { name: 'scope', version: '1' };
        fields.forEach((field, i) => {
          const v = materialize(values[i]!);
          if (field === 'span.name') hostile.name = v;
          else if (field === 'span.status_message') hostile.status = { code: 2, message: v };
          else if (field === 'span.event_name') hostile.events = [{ name: v, time: hostile.start }];
          else if (field === 'scope.name') scope.name = v;
          else if (field === 'scope.version') scope.version = v;
          else if (field === 'resource.service.name') resource['service.name'] = v;
          else if (field === 'resource.tracebridge.experiment') resource['tracebridge.experiment'] = v;
          else if (field === 'header.x-tracebridge-experiment')
            headers['x-tracebridge-experiment'] = materialize({ ...values[i]!, length: headerLength }, true);
          else attributes[field] = v;
        });
        const neighbours: TestSpan[] = [0, 1].map((n) => ({
          traceId: otherTrace,
          spanId: hexId(8),
          name: `neighbour-${n}`,
          start: 1_700_000_000_000_000_000n,
          end: 1_700_000_001_000_000_000n,
        }));
        const body = protobufRequest([
          { resource, scope, spans: [hostile] },
          { resource: { 'service.name': 'neighbours' }, spans: neighbours },
        ]);
        const res = await send(transport, body, headers);
        const name = chosenName(headers['x-tracebridge-experiment'], resource);
        // Lone surrogates are stored as U+FFFD (3 bytes); a pair stays one 4-byte character.
        const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
        const nameTooLong = name !== null && utf8(name.replace(lone, '\ufffd')) > INDEXED_TEXT_BYTES;
        if (nameTooLong) {
          assert.equal(res.status, 400, res.text.slice(0, 300));
          assert.equal(res.code, 'VALUE_TOO_LONG');
          assert.match(
            res.text,
            /experiment name \((header|resource attribute) [a-z.-]+\) is \d+ bytes long/,
          );
          return;
        }
        assert.equal(res.status, 200, `${transport} ${fields.join(',')}: ${res.text.slice(0, 300)}`);
        assert.equal(res.partial, undefined);
        assert.equal(await spanCount(otherTrace), 2, 'every other span of the request is stored');
        assert.equal(await spanCount(hostileTrace), 1, 'the span with long values is stored too');
        const row = await tdb.db.query<Record<string, unknown>>(
          `SELECT ${BOUNDED_SPAN_COLUMNS.join(', ')} FROM spans WHERE trace_id = $1`,
          [hostileTrace],
        );
        for (const [column, v] of Object.entries(row.rows[0]!)) {
          if (typeof v === 'string') assert.ok(utf8(v) <= INDEXED_TEXT_BYTES, `${column}: ${utf8(v)} bytes`);
        }
      }),
      { numRuns: 100, interruptAfterTimeLimit: RUN_BUDGET_MS, markInterruptAsFailure: false },
    );
    assert.ok(runs >= 10, `only ${runs} runs in the time budget`);
  });

  it('GenAI log events: a name, severity or scope of any length and content is stored, with its neighbour', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'http' | 'grpc'>('http', 'grpc'),
        valueArb,
        valueArb,
        valueArb,
        async (transport, nameSpec, severitySpec, scopeSpec) => {
          const marker = hexId(8);
          const groups = [
            {
              scope: { name: materialize(scopeSpec), version: materialize(scopeSpec) },
              records: [
                {
                  eventName: `gen_ai.${materialize(nameSpec)}`,
                  severityText: materialize(severitySpec),
                  time: 1n,
                  body: `${marker}-long`,
                },
                { eventName: 'gen_ai.user.message', time: 2n, body: marker },
              ],
            },
          ];
          if (transport === 'http') {
            const res = await postOtlp(bridge.httpPort, '/v1/logs', JSON.stringify(logsJson(groups)), {
              'content-type': 'application/json',
            });
            assert.equal(res.status, 200, res.body.toString().slice(0, 300));
          } else {
            const { error } = await grpcExport(bridge.grpcPort, 'logs', logsProtobuf(groups));
            assert.equal(error, undefined, error?.details.slice(0, 300));
          }
          const r = await tdb.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM genai_events WHERE body::text LIKE $1',
            [`"${marker}%`],
          );
          assert.equal(r.rows[0]!.n, 2);
        },
      ),
      { numRuns: 20, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false },
    );
  });
});
