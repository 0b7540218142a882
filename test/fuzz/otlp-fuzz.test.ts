/**
 * A seeded mutation fuzzer over valid OTLP payloads, against ONE in-process bridge on a fresh database:
 * protobuf over HTTP, OTLP/JSON over HTTP (byte-level and structural mutations) and protobuf over gRPC, ≥ 10,000
 * cases per run, 8 requests in flight. Every answer must be 200 / 400 / 413 over HTTP and OK / INVALID_ARGUMENT /
 * RESOURCE_EXHAUSTED over gRPC; afterwards the bridge still answers /healthz and /readyz and stores a valid
 * request on each transport, nothing rejected unhandled in this process, and the process RSS stays under
 * RSS_LIMIT_BYTES.
 *
 * Reproduce a run with FUZZ_SEED=<seed>; a case's PRNG depends only on (seed, case index), and every failing case
 * is reported with its mutations and its body in base64. FUZZ_CASES raises (or, locally, lowers) the case count.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import type { RunningBridge } from '../../cli/bridge.js';
import { ExportTraceServiceRequest } from '../../proto/otlp.js';
import { agentTrace, randInt, randomHex, seededRandom } from '../faults/support/load.js';
import {
  type JsonValue,
  MAX_MUTATED,
  mutateBytes,
  mutateJson,
  mutateMessage,
} from '../faults/support/mutate.js';
import { grpcClient, grpcExport, httpRequest, JSON_CT, PB } from '../faults/support/net.js';
import { startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { jsonRequest, protobufRequest, type TestResourceSpans } from '../support/otlp.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f022);
const CASES = Number(process.env.FUZZ_CASES ?? 10_500);
const CONCURRENCY = 8;
/** The bridge's body limit: small, so oversized bodies (413 / RESOURCE_EXHAUSTED) are cheap to make. */
const LIMIT = 64 * 1024;
/** Documented bound for this test process (the in-process bridge and the fuzzer together) after the run. */
const RSS_LIMIT_BYTES = 1.5 * 1024 ** 3;

const HTTP_OK = new Set([200, 400, 413]);
const GRPC_OK = new Set([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED]);

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
const uncaught: unknown[] = [];
process.on('uncaughtExceptionMonitor', (err) => uncaught.push(err));

let tdb: TestDatabase;
let bridge: RunningBridge;
before(async () => {
  tdb = await freshDatabase();
  bridge = await startTestBridge({ databaseUrl: tdb.url, maxBodyBytes: LIMIT });
});
after(async () => {
  await bridge?.stop();
  await tdb?.drop();
});

/** Valid requests covering the shapes OTLP allows: every AnyValue kind, events, links-free, many resources. */
function corpus(): TestResourceSpans[][] {
  const rand = seededRandom(SEED);
  const t = randomHex(rand, 16);
  const s = () => randomHex(rand, 8);
  const root = s();
  return [
    [
      {
        resource: { 'service.name': 'fuzz' },
        spans: [{ traceId: t, spanId: root, name: 'op', start: 1n, end: 2n }],
      },
    ],
    [{ resource: { 'service.name': 'fuzz-agent' }, spans: agentTrace(rand, 1).spans }],
    [
      {
        resource: { 'service.name': 'fuzz', 'host.name': 'h', 'process.pid': 42 },
        scope: { name: 'scope', version: '1.2.3' },
        spans: [
          {
            traceId: randomHex(rand, 16),
            spanId: s(),
            name: 'all value kinds',
            kind: 2,
            start: 1_700_000_000_000_000_000n,
            end: 1_700_000_000_123_456_789n,
            attributes: {
              str: 'text ünïcödé 🧪',
              bool: true,
              int: 42,
              neg: -7,
              big: 9_007_199_254_740_991,
              dbl: 3.25,
              arr: ['a', 1, false, 2.5],
              kv: { a: { b: { c: 'deep' } }, list: [1, 2, 3] },
              empty: '',
            },
            events: [{ name: 'evt', time: 1_700_000_000_100_000_000n, attributes: { k: 'v', n: 1 } }],
            status: { code: 2, message: 'boom' },
          },
        ],
      },
    ],
    [
      {
        resource: { 'tracebridge.experiment': 'fuzz-exp' },
        spans: [
          {
            traceId: t,
            spanId: s(),
            parentSpanId: root,
            name: 'mlflow span',
            start: 10n,
            end: 20n,
            attributes: {
              'mlflow.spanType': '"CHAT_MODEL"',
              'mlflow.spanInputs': JSON.stringify({
                messages: [{ role: 'user', content: 'hi' }],
                model: 'm',
              }),
              'mlflow.spanOutputs': JSON.stringify({
                choices: [{ message: { role: 'assistant', content: 'yo' }, finish_reason: 'stop' }],
              }),
              'mlflow.chat.tokenUsage': JSON.stringify({ input_tokens: 3, output_tokens: 4 }),
              'mlflow.traceTag.team': 'fuzz',
            },
          },
        ],
      },
      {
        resource: { 'service.name': 'fuzz-oi' },
        spans: [
          {
            traceId: randomHex(rand, 16),
            spanId: s(),
            name: 'openinference llm',
            start: 5n,
            end: 4n,
            attributes: {
              'openinference.span.kind': 'LLM',
              'llm.model_name': 'gpt-4o',
              'llm.input_messages.0.message.role': 'user',
              'llm.input_messages.0.message.content': 'hello',
              'llm.output_messages.0.message.role': 'assistant',
              'llm.output_messages.0.message.content': 'hi',
              'llm.token_count.prompt': 5,
              'llm.token_count.completion': 2,
              'input.value': '{"q": 1}',
              'input.mime_type': 'application/json',
            },
          },
        ],
      },
    ],
    [
      {
        resource: { 'service.name': 'fuzz-many' },
        spans: Array.from({ length: 12 }, (_, i) => ({
          traceId: t,
          spanId: s(),
          parentSpanId: root,
          name: `child ${i}`,
          kind: i % 6,
          start: BigInt(i),
          end: BigInt(i * 2),
          attributes: { i, 'gen_ai.operation.name': i % 2 ? 'chat' : 'execute_tool' },
        })),
      },
    ],
    [],
  ];
}

const LINKED_SPAN = '0102030405060708';

/**
 * Adds what test/support/otlp.ts does not emit, so the fuzzer mutates it too: span flags, trace_state, dropped
 * counts, links, schema URLs.
 */
function enrichJson(doc: Record<string, unknown>): JsonValue {
  const d = doc as {
    resourceSpans: {
      schemaUrl?: string;
      scopeSpans: { schemaUrl?: string; spans: Record<string, unknown>[] }[];
    }[];
  };
  for (const rs of d.resourceSpans) {
    rs.schemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
    for (const ss of rs.scopeSpans) {
      ss.schemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
      for (const sp of ss.spans) {
        Object.assign(sp, {
          flags: 257,
          traceState: 'vendor=x',
          droppedAttributesCount: 2,
          droppedEventsCount: 1,
          droppedLinksCount: 0,
          links: [
            {
              traceId: sp.traceId,
              spanId: LINKED_SPAN,
              traceState: '',
              attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }],
              droppedAttributesCount: 0,
              flags: 1,
            },
          ],
        });
      }
    }
  }
  return d as unknown as JsonValue;
}

function enrichProtobuf(bytes: Uint8Array): Uint8Array {
  const m = ExportTraceServiceRequest.decode(bytes) as unknown as {
    resourceSpans: {
      schemaUrl: string;
      scopeSpans: { schemaUrl: string; spans: Record<string, unknown>[] }[];
    }[];
  };
  for (const rs of m.resourceSpans) {
    rs.schemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
    for (const ss of rs.scopeSpans) {
      ss.schemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
      for (const sp of ss.spans) {
        Object.assign(sp, {
          flags: 257,
          traceState: 'vendor=x',
          droppedAttributesCount: 2,
          droppedEventsCount: 1,
          links: [
            {
              traceId: sp.traceId,
              spanId: Buffer.from(LINKED_SPAN, 'hex'),
              traceState: '',
              attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }],
              droppedAttributesCount: 0,
              flags: 1,
            },
          ],
        });
      }
    }
  }
  return ExportTraceServiceRequest.encode(m as never).finish();
}

interface Case {
  index: number;
  transport: 'http-protobuf' | 'http-json' | 'grpc';
  ops: string[];
  body: Uint8Array;
  headers: Record<string, string>;
}

function makeCase(index: number, pbCorpus: Uint8Array[], jsonCorpus: JsonValue[]): Case {
  const rand = seededRandom((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const transport = (['http-protobuf', 'http-json', 'grpc'] as const)[index % 3]!;
  const k = randInt(rand, 0, pbCorpus.length - 1);
  const other = pbCorpus[randInt(rand, 0, pbCorpus.length - 1)]!;
  const ops: string[] = [];
  let body: Uint8Array;
  const roll = rand();
  if (roll < 0.02) {
    ops.push('unmutated');
    body = transport === 'http-json' ? Buffer.from(JSON.stringify(jsonCorpus[k])) : pbCorpus[k]!;
  } else if (roll < 0.03) {
    ops.push('oversized');
    const unit = transport === 'http-json' ? Buffer.from(`${JSON.stringify(jsonCorpus[k])} `) : pbCorpus[k]!;
    const parts: Uint8Array[] = [];
    let n = 0;
    while (n <= LIMIT) {
      parts.push(unit.length ? unit : Uint8Array.of(0));
      n += unit.length || 1;
    }
    body = Buffer.concat(parts);
  } else if (transport === 'http-json') {
    if (rand() < 0.75) {
      const doc = structuredClone(jsonCorpus[k]!);
      ops.push(...mutateJson(rand, doc));
      body = Buffer.from(JSON.stringify(doc) ?? 'null');
      if (rand() < 0.2) {
        const m = mutateBytes(rand, body, body);
        ops.push(...(m.bytes === body ? [] : m.ops));
        body = m.bytes;
      }
    } else {
      const text = Buffer.from(JSON.stringify(jsonCorpus[k]));
      const m = mutateBytes(rand, text, Buffer.from(JSON.stringify(jsonCorpus[0])));
      ops.push(...m.ops);
      body = m.bytes;
    }
    if (body.length > MAX_MUTATED) body = body.subarray(0, MAX_MUTATED);
  } else {
    body = pbCorpus[k]!;
    const how = rand();
    if (how < 0.45) {
      // Value mutations: decode, replace leaf values by extremes of their type, re-encode.
      const message = ExportTraceServiceRequest.decode(body);
      ops.push(...mutateMessage(rand, message));
      try {
        body = ExportTraceServiceRequest.encode(message).finish();
      } catch {
        ops.push('unencodable');
      }
    }
    if (how >= 0.3) {
      const m = mutateBytes(rand, body, other);
      ops.push(...m.ops);
      body = m.bytes;
    }
  }
  const headers: Record<string, string> = { ...(transport === 'http-json' ? JSON_CT : PB) };
  if (transport !== 'grpc' && !ops.includes('oversized') && rand() < 0.1) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
    ops.push('gzip');
    if (!ops.includes('unmutated') && rand() < 0.4) {
      const m = mutateBytes(rand, body, body);
      ops.push(...m.ops.map((o) => `gz:${o}`));
      body = m.bytes;
    }
  }
  return { index, transport, ops, body, headers };
}

describe(`OTLP mutation fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it(`answers only 200/400/413 and OK/INVALID_ARGUMENT/RESOURCE_EXHAUSTED, stays up, RSS < ${RSS_LIMIT_BYTES / 1024 ** 3} GB`, async (t) => {
    const groups = corpus();
    const pbCorpus = groups.flatMap((g) => [protobufRequest(g), enrichProtobuf(protobufRequest(g))]);
    const jsonCorpus = groups.flatMap((g) => [jsonRequest(g) as JsonValue, enrichJson(jsonRequest(g))]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const client = grpcClient(bridge.grpcPort);
    const tally: Record<string, number> = {};
    const failures: Record<string, unknown>[] = [];
    const kinds: Record<string, number> = {};
    let failed = 0;
    let maxRss = process.memoryUsage().rss;
    const started = Date.now();
    // A bound that stops a hung bridge from holding CI, not a speed check (speed is the bench's job): over ten times
    // an unloaded run, so only a stall or a machine far past saturation reaches it.
    const runDeadline = started + 240_000;
    let next = 0;

    const runOne = async (c: Case) => {
      let answer: string;
      let ok: boolean;
      let detail = '';
      if (c.transport === 'grpc') {
        const { error } = await grpcExport(client, c.body, new grpc.Metadata(), 20_000);
        const code = error ? error.code : grpc.status.OK;
        answer = `grpc:${grpc.status[code]}`;
        ok = GRPC_OK.has(code);
        detail = error?.details ?? '';
      } else {
        try {
          const r = await httpRequest(bridge.httpPort, 'POST', '/v1/traces', c.body, c.headers, {
            agent,
            timeoutMs: 20_000,
          });
          answer = `${c.transport}:${r.status}`;
          ok = HTTP_OK.has(r.status);
          detail = r.body.subarray(0, 400).toString('utf8');
        } catch (err) {
          answer = `${c.transport}:${(err as NodeJS.ErrnoException).code ?? String(err)}`;
          ok = false;
        }
      }
      if (c.ops.includes('unmutated') && !/:(200|OK)$/.test(answer)) ok = false;
      if (c.ops.includes('oversized') && !/:(413|RESOURCE_EXHAUSTED)$/.test(answer)) ok = false;
      tally[answer] = (tally[answer] ?? 0) + 1;
      if (!ok) {
        failed++;
        // Failure classes: the answer and its message with numbers and binary framing blanked out.
        const kind = `${answer} ${detail.replace(/\d+/g, 'N').replace(/[^\x20-\x7e]/g, '')}`.slice(0, 240);
        kinds[kind] = (kinds[kind] ?? 0) + 1;
      }
      if (!ok && failures.length < 10) {
        failures.push({
          case: c.index,
          answer,
          ops: c.ops,
          headers: c.headers,
          detail,
          body: Buffer.from(c.body.subarray(0, 3072)).toString('base64'),
        });
      }
    };

    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CASES && Date.now() < runDeadline) {
          const i = next++;
          await runOne(makeCase(i, pbCorpus, jsonCorpus));
          if (i % 500 === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
        }
      }),
    );
    agent.destroy();
    const ran = next;
    const rss = process.memoryUsage().rss;
    maxRss = Math.max(maxRss, rss);
    t.diagnostic(
      `${ran} cases in ${Date.now() - started} ms; rss ${(rss / 1024 ** 2).toFixed(0)} MB (max sampled ${(maxRss / 1024 ** 2).toFixed(0)} MB); answers ${JSON.stringify(tally)}`,
    );

    try {
      assert.equal(ran, CASES, 'every case ran within the time budget');

      // Still alive and still working.
      assert.equal((await httpRequest(bridge.httpPort, 'GET', '/healthz', undefined, {})).status, 200);
      assert.equal((await httpRequest(bridge.httpPort, 'GET', '/readyz', undefined, {})).status, 200);
      const traceId = randomHex(seededRandom(SEED + 1), 16);
      const valid = (spanId: string): TestResourceSpans[] => [
        {
          resource: { 'service.name': 'after-fuzz' },
          spans: [{ traceId, spanId, name: 'ok', start: 1n, end: 2n }],
        },
      ];
      const r1 = await httpRequest(
        bridge.httpPort,
        'POST',
        '/v1/traces',
        protobufRequest(valid('00000000000000a1')),
        PB,
      );
      const r2 = await httpRequest(
        bridge.httpPort,
        'POST',
        '/v1/traces',
        JSON.stringify(jsonRequest(valid('00000000000000a2'))),
        JSON_CT,
      );
      const r3 = await grpcExport(client, protobufRequest(valid('00000000000000a3')));
      assert.deepEqual([r1.status, r2.status, r3.error?.code ?? 'OK'], [200, 200, 'OK']);
      const stored = await tdb.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM spans WHERE trace_id = $1',
        [traceId],
      );
      assert.equal(stored.rows[0]!.n, 3);

      assert.deepEqual(unhandled, [], 'no unhandled promise rejection in the test process');
      assert.deepEqual(uncaught, [], 'no uncaught exception in the test process');
      assert.ok(rss < RSS_LIMIT_BYTES, `rss ${rss} bytes is under ${RSS_LIMIT_BYTES}`);

      // The answers last, so the checks above run (and report) whatever the answers were.
      const bad = Object.entries(tally).filter(([a]) => {
        const [, status] = a.split(':');
        return a.startsWith('grpc:')
          ? !GRPC_OK.has(grpc.status[status as keyof typeof grpc.status] as number)
          : !HTTP_OK.has(Number(status));
      });
      assert.deepEqual(
        failures,
        [],
        `unexpected answers ${JSON.stringify(Object.fromEntries(bad))}; ${failed} failing cases of these kinds:\n` +
          `${Object.entries(kinds)
            .map(([k, n]) => `  ${n} × ${k}`)
            .join(
              '\n',
            )}\n(first ${failures.length} listed with their mutations and base64 bodies; seed ${SEED})`,
      );
      t.diagnostic(`${failed} failing cases`);
    } finally {
      client.close();
    }
  });
});
