/**
 * Decode throughput on a GenAI-shaped OTLP request: 512 spans, ~15 attributes each, two ~1 KB message strings.
 *
 *   node --import tsx bench/decode-bench.ts [iterations]
 */
import { parseArgs } from 'node:util';
import { decodeTraceRequestJson } from '../otlp/decode-json.js';
import { decodeTraceRequestProtobufFast } from '../otlp/decode-protobuf.js';
import type { DecodedTraceRequest } from '../otlp/model.js';
import { ExportTraceServiceRequest } from '../proto/otlp.js';
import { decodeTraceRequestProtobuf } from '../test/support/reference-decoder.js';

const SPANS = 512;
const { positionals } = parseArgs({ allowPositionals: true, strict: true });
const iterations = Number(positionals[0] ?? 200);

const hex = (n: number, bytes: number): string => n.toString(16).padStart(bytes * 2, '0');
const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
const text = (seed: number): string =>
  `{"role":"user","content":"${'Summarize the quarterly report and list the three biggest risks. '.repeat(15)}#${seed}"}`;

function requestJson(): Record<string, unknown> {
  const start = 1_700_000_000_000_000_000n;
  const spans = [];
  for (let i = 0; i < SPANS; i++) {
    spans.push({
      traceId: hex(Math.floor(i / 16) + 1, 16),
      spanId: hex(i + 1, 8),
      parentSpanId: i % 16 === 0 ? '' : hex(i - (i % 16) + 1, 8),
      name: i % 16 === 0 ? 'invoke_agent researcher' : 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: (start + BigInt(i) * 1_000_000n).toString(),
      endTimeUnixNano: (start + BigInt(i) * 1_000_000n + 850_000_123n).toString(),
      attributes: [
        kv('gen_ai.operation.name', { stringValue: 'chat' }),
        kv('gen_ai.system', { stringValue: 'openai' }),
        kv('gen_ai.request.model', { stringValue: 'gpt-4o-2024-08-06' }),
        kv('gen_ai.response.model', { stringValue: 'gpt-4o-2024-08-06' }),
        kv('gen_ai.response.id', { stringValue: `chatcmpl-${i.toString(36)}abcdef` }),
        kv('gen_ai.request.temperature', { doubleValue: 0.2 }),
        kv('gen_ai.request.max_tokens', { intValue: '1024' }),
        kv('gen_ai.usage.input_tokens', { intValue: String(900 + i) }),
        kv('gen_ai.usage.output_tokens', { intValue: String(120 + (i % 50)) }),
        kv('gen_ai.response.finish_reasons', { arrayValue: { values: [{ stringValue: 'stop' }] } }),
        kv('gen_ai.input.messages', { stringValue: text(i) }),
        kv('gen_ai.output.messages', { stringValue: text(i + 1) }),
        kv('gen_ai.conversation.id', { stringValue: `conv-${Math.floor(i / 16)}` }),
        kv('server.address', { stringValue: 'api.openai.com' }),
        kv('server.port', { intValue: '443' }),
      ],
      status: { code: 0 },
    });
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            kv('service.name', { stringValue: 'agent-bench' }),
            kv('experiment.id', { stringValue: 'exp-42' }),
          ],
        },
        scopeSpans: [{ scope: { name: 'openinference', version: '1.0.0' }, spans }],
      },
    ],
  };
}

function toProtobufObject(doc: Record<string, unknown>): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] =
        (k === 'traceId' || k === 'spanId' || k === 'parentSpanId') && typeof x === 'string'
          ? Buffer.from(x, 'hex')
          : walk(x);
    }
    return out;
  };
  return walk(doc);
}

function measure(label: string, bytes: number, decode: () => DecodedTraceRequest): void {
  for (let i = 0; i < Math.min(50, iterations); i++) decode(); // warm up the JIT
  const t0 = process.hrtime.bigint();
  let spans = 0;
  for (let i = 0; i < iterations; i++) spans += decode().resourceSpans[0]!.scopeSpans[0]!.spans.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const perSecond = Math.round(spans / seconds);
  const mbPerSecond = ((bytes * iterations) / seconds / 1e6).toFixed(0);
  console.log(
    `${label.padEnd(9)} ${perSecond.toLocaleString('en-US').padStart(9)} spans/s  ${mbPerSecond.padStart(4)} MB/s  ` +
      `(${((seconds / iterations) * 1000).toFixed(2)} ms per ${SPANS}-span request)`,
  );
}

const doc = requestJson();
const protobuf = Buffer.from(
  ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromObject(toProtobufObject(doc) as Record<string, unknown>),
  ).finish(),
);
const json = JSON.stringify(doc);
console.log(
  `request: ${SPANS} spans, protobuf ${(protobuf.length / 1024).toFixed(0)} KiB, JSON ${(json.length / 1024).toFixed(0)} KiB; ` +
    `${iterations} iterations, node ${process.version}`,
);
measure('protobuf', protobuf.length, () => decodeTraceRequestProtobuf(protobuf));
measure('pb-fast', protobuf.length, () => decodeTraceRequestProtobufFast(protobuf));
measure('json', json.length, () => decodeTraceRequestJson(json));
