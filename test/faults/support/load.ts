/** Deterministic load for the fault tests: a seeded PRNG and realistic agent traces with known totals. */
import type { Queryable } from '../../../store/db.js';
import type { TestSpan } from '../../support/otlp.js';

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randInt = (rand: () => number, lo: number, hi: number): number =>
  lo + Math.floor(rand() * (hi - lo + 1));

export function randomHex(rand: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += randInt(rand, 0, 255).toString(16).padStart(2, '0');
  // All-zero ids are invalid; the chance is negligible but keep ids valid by construction.
  return /^0+$/.test(s) ? `${s.slice(0, -1)}1` : s;
}

export function shuffle<T>(rand: () => number, xs: T[]): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Splits xs into consecutive chunks of random sizes in [1, max]. */
export function randomChunks<T>(rand: () => number, xs: T[], max: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; ) {
    const n = randInt(rand, 1, max);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}

/** N flat spans of one new trace (the simplest unit of load: one request = one trace). */
export function flatTrace(traceId: string, spanIds: string[], t0 = 1_700_000_000_000_000_000n): TestSpan[] {
  return spanIds.map((spanId, i) => ({
    traceId,
    spanId,
    ...(i > 0 ? { parentSpanId: spanIds[0]! } : {}),
    name: i === 0 ? 'invoke_agent load' : `step ${i}`,
    start: t0 + BigInt(i) * 1_000_000n,
    end: t0 + BigInt(i) * 1_000_000n + 500_000n,
    attributes: { 'gen_ai.operation.name': i === 0 ? 'invoke_agent' : 'chat', 'load.i': i },
  }));
}

export interface ExpectedTotals {
  span_count: number;
  error_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface AgentTrace {
  traceId: string;
  spans: TestSpan[];
  expected: ExpectedTotals;
}

/**
 * An agent trace: AGENT root (reporting the aggregate usage of its model calls, which must not be counted
 * again) → 1–4 CHAT_MODEL calls with usage and messages → 0–2 TOOL calls each (some failing), with
 * mlflow.traceTag.* tags on the root. `expected` is what the traces row must say, whatever the delivery.
 */
export function agentTrace(rand: () => number, i: number): AgentTrace {
  const traceId = randomHex(rand, 16);
  const rootId = randomHex(rand, 8);
  const base = 1_700_000_000_000_000_000n + BigInt(i) * 10_000_000_000n;
  const spans: TestSpan[] = [];
  let errors = 0;
  let input = 0;
  let output = 0;
  let t = base + 1_000_000n;
  const chats = randInt(rand, 1, 4);
  for (let c = 0; c < chats; c++) {
    const chatId = randomHex(rand, 8);
    const inTok = randInt(rand, 10, 5000);
    const outTok = randInt(rand, 1, 800);
    input += inTok;
    output += outTok;
    spans.push({
      traceId,
      spanId: chatId,
      parentSpanId: rootId,
      name: `chat qwen-plus ${c}`,
      kind: 3,
      start: t,
      end: t + 400_000_000n,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'qwen-plus-latest',
        'gen_ai.request.temperature': 0.25,
        'gen_ai.usage.input_tokens': inTok,
        'gen_ai.usage.output_tokens': outTok,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: `question ${i}.${c}` }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          {
            role: 'assistant',
            parts: [{ type: 'text', content: `answer ${i}.${c}` }],
            finish_reason: 'stop',
          },
        ]),
      },
    });
    t += 500_000_000n;
    const tools = randInt(rand, 0, 2);
    for (let k = 0; k < tools; k++) {
      const fails = rand() < 0.3;
      if (fails) errors++;
      spans.push({
        traceId,
        spanId: randomHex(rand, 8),
        parentSpanId: chatId,
        name: `execute_tool search ${k}`,
        start: t,
        end: t + 100_000_000n,
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'search',
          'gen_ai.tool.call.id': `call_${i}_${c}_${k}`,
          'gen_ai.tool.call.arguments': JSON.stringify({ q: `query ${k}` }),
        },
        ...(fails
          ? {
              status: { code: 2 as const, message: 'tool timed out' },
              events: [
                {
                  name: 'exception',
                  time: t + 90_000_000n,
                  attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'tool timed out' },
                },
              ],
            }
          : { status: { code: 1 as const } }),
      });
      t += 150_000_000n;
    }
  }
  const rootFails = rand() < 0.2;
  if (rootFails) errors++;
  spans.unshift({
    traceId,
    spanId: rootId,
    name: `invoke_agent planner ${i}`,
    start: base,
    end: t + 1_000_000n,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
      'session.id': `session-${i % 5}`,
      'mlflow.traceTag.run': `run-${i}`,
      'mlflow.traceTag.suite': 'faults',
    },
    status: rootFails ? { code: 2, message: 'agent gave up' } : { code: 1 },
  });
  return {
    traceId,
    spans,
    expected: {
      span_count: spans.length,
      error_count: errors,
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
    },
  };
}

/** Stored span count per trace id (absent ids count 0). */
export async function spanCounts(db: Queryable, traceIds: string[]): Promise<Map<string, number>> {
  const r = await db.query<{ trace_id: string; n: number }>(
    'SELECT trace_id, count(*)::int AS n FROM spans WHERE trace_id = ANY($1) GROUP BY trace_id',
    [traceIds],
  );
  const m = new Map(traceIds.map((id) => [id, 0]));
  for (const row of r.rows) m.set(row.trace_id, row.n);
  return m;
}

/** Trace rows whose span_count disagrees with their stored spans (must always be empty). */
export async function inconsistentTraces(db: Queryable): Promise<unknown[]> {
  const r = await db.query(
    `SELECT t.trace_id, t.span_count, (SELECT count(*) FROM spans s WHERE s.trace_id = t.trace_id)::int AS stored
     FROM traces t
     WHERE t.span_count <> (SELECT count(*) FROM spans s WHERE s.trace_id = t.trace_id)
     UNION ALL
     SELECT DISTINCT s.trace_id, NULL::int, NULL::int FROM spans s
     WHERE NOT EXISTS (SELECT 1 FROM traces t WHERE t.trace_id = s.trace_id)`,
  );
  return r.rows;
}
