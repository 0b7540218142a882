/**
 * The benchmark's workload: realistic GenAI agent traces, 512 spans per export request (what OTel's batch span
 * processor sends by default).
 *
 * One trace = an AGENT root (invoke_agent) with three CHAT_MODEL children (chat; gen_ai.input.messages /
 * gen_ai.output.messages totalling about `messageKb` KB per span, usage, request parameters) and two TOOL
 * children (execute_tool; gen_ai.tool.*). 512 spans = 85 such traces plus the first two spans of an 86th.
 *
 * Encoding 512 spans with protobufjs or JSON.stringify per request would make the generator the bottleneck, so a
 * request is encoded once as a *template* (deterministically, from a seeded PRNG, so the bench process and the
 * load generator build byte-identical templates), the byte offsets of every id and timestamp are recorded, and
 * each request is a copy of the template with fresh ids and shifted timestamps patched in place. Every span of
 * every request has its own (trace_id, span_id); timestamps advance with the request number so time-ordered
 * indexes see realistic keys.
 */
import {
  jsonRequest,
  protobufRequest,
  type TestAttr,
  type TestResourceSpans,
  type TestSpan,
} from '../test/support/otlp.js';

export type Encoding = 'protobuf' | 'json';

export const SPANS_PER_REQUEST = 512;
/** Template timestamps start here (19 decimal digits, as every timestamp until 2286). */
export const TEMPLATE_T0 = 1_750_000_000_000_000_000n;
/** Each request's timestamps are this much later than the previous request's. */
export const REQUEST_TIME_STEP_NS = 10_000_000n;
export const SERVICE_NAME = 'bench-agent';

export interface Template {
  messageKb: number;
  spans: number;
  traces: number;
  protobuf: Buffer;
  json: Buffer;
  /** Per encoding: byte offsets of every occurrence of trace i's id / span j's id / each timestamp. */
  patches: Record<Encoding, Patches>;
}

interface Patches {
  traceOffsets: number[][];
  spanOffsets: number[][];
  /** Offsets of timestamps (protobuf: the 8 bytes of a fixed64; JSON: the first of 19 digits) and their values. */
  timeOffsets: number[];
  timeValues: bigint[];
}

// ---- deterministic content ----

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORDS = (
  'the a of to and in is for on with that as by this be are from at it or an revenue quarter risk market ' +
  'customer supply chain forecast growth margin report analysis summary policy contract clause vendor shipment ' +
  'invoice delay region europe asia pricing discount churn retention cohort segment enterprise startup model ' +
  'latency budget incident outage deploy rollback database index query cache request response token prompt ' +
  'agent tool search weather paris london tokyo flight hotel booking refund order status tracking package ' +
  'please could you explain why how what when which list three biggest main key important next steps should ' +
  'will would can may might must also however therefore because although while since unless compared previous'
).split(' ');

function sentence(rand: () => number, minChars: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < minChars) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    out.push(w);
    n += w.length + 1;
  }
  const s = out.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

function hexFrom(rand: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0');
  // All-zero ids are invalid; the PRNG never gives 16 zero bytes in practice, but make sure.
  return /^0+$/.test(s) ? `${s.slice(0, -1)}1` : s;
}

/** Chat messages in the GenAI semconv JSON form; input + output together ≈ `bytes`. */
function chatMessages(
  rand: () => number,
  bytes: number,
  step: number,
): { input: string; output: string; usage: [number, number] } {
  const inputBudget = Math.round(bytes * 0.7);
  const outputBudget = bytes - inputBudget;
  const system = sentence(rand, Math.min(160, inputBudget / 5));
  const input = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: `You are a research assistant. ${system}` }] },
    {
      role: 'user',
      parts: [{ type: 'text', content: sentence(rand, Math.max(20, inputBudget - system.length - 170)) }],
    },
  ]);
  const output =
    step < 2
      ? JSON.stringify([
          {
            role: 'assistant',
            parts: [
              { type: 'text', content: sentence(rand, Math.max(10, outputBudget - 190)) },
              {
                type: 'tool_call',
                id: `call_${hexFrom(rand, 6)}`,
                name: step === 0 ? 'web_search' : 'fetch_document',
                arguments: { query: sentence(rand, 24) },
              },
            ],
            finish_reason: 'tool_call',
          },
        ])
      : JSON.stringify([
          {
            role: 'assistant',
            parts: [{ type: 'text', content: sentence(rand, Math.max(10, outputBudget - 80)) }],
            finish_reason: 'stop',
          },
        ]);
  return { input, output, usage: [Math.round(input.length / 4), Math.round(output.length / 4)] };
}

/** The spans of one request, with template ids and timestamps. */
export function templateSpans(messageKb: number, spans = SPANS_PER_REQUEST): TestResourceSpans[] {
  const rand = prng(0x7a11 + messageKb);
  const out: TestSpan[] = [];
  const shape = ['agent', 'chat', 'tool', 'chat', 'tool', 'chat'] as const;
  let t = 0;
  for (let trace = 0; out.length < spans; trace++) {
    const traceId = hexFrom(rand, 16);
    const rootId = hexFrom(rand, 8);
    const conversation = `conv_${hexFrom(rand, 8)}`;
    const base = TEMPLATE_T0 + BigInt(trace) * 1_000_000_000n + BigInt(Math.floor(rand() * 1000)) * 1000n;
    let step = 0;
    let chatStep = 0;
    let toolStep = 0;
    for (const kind of shape) {
      if (out.length >= spans) break;
      const start = base + BigInt(step) * 100_000_000n + BigInt(++t);
      const end = kind === 'agent' ? base + 900_000_000n + BigInt(t) : start + 80_000_000n + BigInt(t % 997);
      const common = { 'gen_ai.conversation.id': conversation };
      if (kind === 'agent') {
        out.push({
          traceId,
          spanId: rootId,
          name: 'invoke_agent research_assistant',
          kind: 1,
          start,
          end,
          attributes: {
            ...common,
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': 'research_assistant',
            'gen_ai.agent.id': 'asst_5j66UpCpwteGg4YSxUnt7lPY',
            'gen_ai.agent.description': 'Answers research questions with web search and documents',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
          },
          status: { code: 1 },
        });
      } else if (kind === 'chat') {
        const m = chatMessages(rand, messageKb * 1024, chatStep++);
        const attributes: Record<string, TestAttr> = {
          ...common,
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.response.id': `chatcmpl-${hexFrom(rand, 12)}`,
          'gen_ai.request.temperature': 0.7,
          'gen_ai.request.top_p': 0.95,
          'gen_ai.request.max_tokens': 1024,
          'gen_ai.usage.input_tokens': m.usage[0],
          'gen_ai.usage.output_tokens': m.usage[1],
          'gen_ai.response.finish_reasons': [chatStep < 3 ? 'tool_call' : 'stop'],
          'gen_ai.input.messages': m.input,
          'gen_ai.output.messages': m.output,
          'server.address': 'api.openai.com',
          'server.port': 443,
        };
        out.push({
          traceId,
          spanId: hexFrom(rand, 8),
          parentSpanId: rootId,
          name: 'chat gpt-4o',
          kind: 3,
          start,
          end,
          attributes,
        });
      } else {
        const tool = toolStep++ === 0 ? 'web_search' : 'fetch_document';
        out.push({
          traceId,
          spanId: hexFrom(rand, 8),
          parentSpanId: rootId,
          name: `execute_tool ${tool}`,
          kind: 1,
          start,
          end,
          attributes: {
            ...common,
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': tool,
            'gen_ai.tool.type': 'function',
            'gen_ai.tool.description': 'Searches the web and returns the top results',
            'gen_ai.tool.call.id': `call_${hexFrom(rand, 6)}`,
            'gen_ai.tool.call.arguments': JSON.stringify({ query: sentence(rand, 40), max_results: 5 }),
            'gen_ai.tool.call.result': JSON.stringify({
              results: [0, 1, 2].map((i) => ({
                url: `https://example.com/${hexFrom(rand, 4)}/${i}`,
                title: sentence(rand, 50),
              })),
            }),
          },
          status: { code: 1 },
        });
      }
      step++;
    }
  }
  return [
    {
      resource: {
        'service.name': SERVICE_NAME,
        'service.version': '1.4.2',
        'deployment.environment.name': 'bench',
        'telemetry.sdk.language': 'python',
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.version': '1.34.1',
      },
      scope: { name: 'opentelemetry.instrumentation.openai_v2', version: '2.1b0' },
      spans: out,
    },
  ];
}

// ---- template and patching ----

/** The first `n` offsets of `needle` at or after `from` (the template is scanned once per id, not once per miss). */
function offsets(haystack: Buffer, needle: Buffer, from: number, n: number, what: string): number[] {
  const out: number[] = [];
  for (
    let i = haystack.indexOf(needle, from);
    i >= 0 && out.length < n;
    i = haystack.indexOf(needle, i + 1)
  ) {
    out.push(i);
    if (out.length === n) break;
  }
  if (out.length !== n) throw new Error(`template: ${what} found ${out.length}×, expected ${n}`);
  return out;
}

function findPatches(buf: Buffer, spans: TestSpan[], encoding: Encoding): Patches {
  const pb = encoding === 'protobuf';
  const idBytes = (hex: string) => (pb ? Buffer.from(hex, 'hex') : Buffer.from(`"${hex}"`));
  const shift = pb ? 0 : 1; // JSON: skip the opening quote
  const traceOffsets: number[][] = [];
  const spanOffsets: number[][] = [];
  const timeOffsets: number[] = [];
  const timeValues: bigint[] = [];
  // Spans are serialized in order, so everything about span j comes after span j-1's id.
  let from = 0;
  spans.forEach((s, j) => {
    if (j === 0 || spans[j - 1]!.traceId !== s.traceId) {
      const n = spans.filter((x) => x.traceId === s.traceId).length;
      traceOffsets.push(
        offsets(buf, idBytes(s.traceId), from, n, `trace id ${s.traceId}`).map((o) => o + shift),
      );
    }
    const children = spans.filter((c) => c.parentSpanId === s.spanId).length;
    const own = offsets(buf, idBytes(s.spanId), from, 1 + children, `span id ${s.spanId}`);
    spanOffsets.push(own.map((o) => o + shift));
    for (const v of [s.start, s.end]) {
      let needle: Buffer;
      if (pb) {
        needle = Buffer.alloc(8);
        needle.writeBigUInt64LE(v);
      } else needle = Buffer.from(`"${v}"`);
      timeOffsets.push(offsets(buf, needle, from, 1, `timestamp ${v}`)[0]! + shift);
      timeValues.push(v);
    }
    from = own[0]!;
  });
  return { traceOffsets, spanOffsets, timeOffsets, timeValues };
}

export function buildTemplate(messageKb: number, spans = SPANS_PER_REQUEST): Template {
  const groups = templateSpans(messageKb, spans);
  const all = groups[0]!.spans;
  const protobuf = Buffer.from(protobufRequest(groups));
  const json = Buffer.from(JSON.stringify(jsonRequest(groups)));
  return {
    messageKb,
    spans: all.length,
    traces: new Set(all.map((s) => s.traceId)).size,
    protobuf,
    json,
    patches: { protobuf: findPatches(protobuf, all, 'protobuf'), json: findPatches(json, all, 'json') },
  };
}

// ---- ids of request `seq` ----

/**
 * Ids of request `seq`: a per-run nonce, the request number and the index within the request, so every span of a
 * run is distinct (and distinct from other runs on the same database).
 */
export interface IdScheme {
  /** 16 hex characters. */
  traceNonce: string;
  /** 4 hex characters, not 0000. */
  spanNonce: string;
}

export function newIdScheme(rand: () => number = Math.random): IdScheme {
  const h = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return { traceNonce: h(16), spanNonce: `${(1 + Math.floor(rand() * 15)).toString(16)}${h(3)}` };
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export function traceIdFor(ids: IdScheme, seq: number, traceIndex: number): string {
  return `${ids.traceNonce}${hex8(seq)}${hex8(traceIndex)}`;
}

export function spanIdFor(ids: IdScheme, seq: number, spanIndex: number): string {
  return `${ids.spanNonce}${hex8(seq)}${hex4(spanIndex)}`;
}

export function timeShiftNs(baseShiftNs: bigint, seq: number): bigint {
  return baseShiftNs + BigInt(seq) * REQUEST_TIME_STEP_NS;
}

/** Request `seq` in `encoding`: the template with fresh ids and shifted timestamps. */
export function instantiate(
  t: Template,
  encoding: Encoding,
  ids: IdScheme,
  seq: number,
  baseShiftNs: bigint,
): Buffer {
  const src = encoding === 'protobuf' ? t.protobuf : t.json;
  const p = t.patches[encoding];
  const buf = Buffer.allocUnsafe(src.length);
  src.copy(buf);
  const pb = encoding === 'protobuf';
  p.traceOffsets.forEach((offsets, i) => {
    const id = traceIdFor(ids, seq, i);
    for (const o of offsets) buf.write(id, o, pb ? 'hex' : 'latin1');
  });
  p.spanOffsets.forEach((offsets, j) => {
    const id = spanIdFor(ids, seq, j);
    for (const o of offsets) buf.write(id, o, pb ? 'hex' : 'latin1');
  });
  const shift = timeShiftNs(baseShiftNs, seq);
  for (let k = 0; k < p.timeOffsets.length; k++) {
    const v = p.timeValues[k]! + shift;
    if (pb) buf.writeBigUInt64LE(v, p.timeOffsets[k]!);
    else buf.write(v.toString().padStart(19, '0'), p.timeOffsets[k]!, 'latin1');
  }
  return buf;
}
