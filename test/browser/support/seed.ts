/**
 * Traces for the browser tests and the screenshots, sent through the bridge's OTLP/HTTP port as an exporter
 * would (OTLP/JSON, GenAI semantic conventions): an agent with tool calls and a session of three turns, a failed
 * tool with a stack trace, a retrieval chain, a trace whose root never arrived, two traces joined by a span link
 * (one run), hostile content (script and onerror payloads in a prompt, a span name, an attribute key), and on
 * request a 10,000-span trace.
 */
import { randomBytes } from 'node:crypto';

export const XSS_SCRIPT = '<script>window.__xss = (window.__xss || 0) + 1</script>';
export const XSS_IMG = '<img src=x onerror="window.__xss = (window.__xss || 0) + 1">';

type Attr = string | number | boolean | string[];

interface SeedSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes?: Record<string, Attr>;
  events?: { name: string; atMs: number; attributes?: Record<string, Attr> }[];
  links?: { traceId: string; spanId: string }[];
  error?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function value(v: Attr): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}
const attrs = (a: Record<string, Attr> = {}) =>
  Object.entries(a).map(([key, v]) => ({ key, value: value(v) }));

/** One OTLP/JSON request: one resource (the service / experiment), one trace's spans, times from `t0Ms`. */
export function otlpJson(service: string, traceId: string, t0Ms: number, spans: SeedSpan[]): string {
  const ns = (ms: number) => (BigInt(Math.round((t0Ms + ms) * 1000)) * 1000n).toString();
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': service, 'deployment.environment': 'staging' }) },
        scopeSpans: [
          {
            scope: { name: 'tracebridge.browser-test', version: '1.0.0' },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: ns(s.startMs),
              endTimeUnixNano: ns(s.endMs),
              attributes: attrs(s.attributes),
              events: (s.events ?? []).map((e) => ({
                name: e.name,
                timeUnixNano: ns(e.atMs),
                attributes: attrs(e.attributes),
              })),
              links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
              status: s.error ? { code: 2, message: s.error } : { code: 1 },
            })),
          },
        ],
      },
    ],
  });
}

export async function send(port: number, body: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  if (res.status !== 200) throw new Error(`OTLP export answered ${res.status}: ${await res.text()}`);
}

const messages = (m: unknown[]) => JSON.stringify(m);
const text = (role: string, content: string) => ({ role, parts: [{ type: 'text', content }] });

function chatSpan(
  spanId: string,
  parentSpanId: string,
  startMs: number,
  endMs: number,
  input: unknown[],
  output: unknown[],
  usage: [number, number],
  model = 'gpt-4o-mini',
): SeedSpan {
  return {
    spanId,
    parentSpanId,
    name: `chat ${model}`,
    startMs,
    endMs,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': model,
      'gen_ai.response.model': model,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': usage[0],
      'gen_ai.usage.output_tokens': usage[1],
      'gen_ai.input.messages': messages(input),
      'gen_ai.output.messages': messages(output),
    },
  };
}

/** A support agent answering one question with a tool call; `turn` varies the question within a session. */
function supportTrace(
  question: string,
  answer: string,
  sessionId: string,
  /** bareTool: the tool span carries only its call id; tracebridge derives its arguments and result. */
  opts: { failTool?: boolean; orderId?: string; bareTool?: boolean } = {},
) {
  const [agent, chat1, tool, chat2] = [hex(8), hex(8), hex(8), hex(8)];
  const orderId = opts.orderId ?? 'A-1042';
  const toolCall = {
    type: 'tool_call',
    id: 'call_lookup_1',
    name: 'lookup_order',
    arguments: { order_id: orderId },
  };
  const toolResult = opts.failTool
    ? { error: 'orders service unavailable' }
    : { order_id: orderId, status: 'delivered', total: 49.9, refundable: true };
  const spans: SeedSpan[] = [
    {
      spanId: agent,
      name: 'invoke_agent support',
      startMs: 0,
      endMs: 2450,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'support',
        'session.id': sessionId,
        'user.id': 'user-7',
        'gen_ai.input.messages': messages([text('user', question)]),
        'gen_ai.output.messages': messages([text('assistant', answer)]),
      },
      ...(opts.failTool ? { error: 'tool lookup_order failed' } : {}),
    },
    chatSpan(
      chat1,
      agent,
      40,
      900,
      [text('system', 'You are a helpful support agent for an online shop.'), text('user', question)],
      [{ role: 'assistant', parts: [toolCall], finish_reason: 'tool_calls' }],
      [412, 38],
    ),
    {
      spanId: tool,
      parentSpanId: agent,
      name: 'execute_tool lookup_order',
      startMs: 920,
      endMs: opts.failTool ? 1400 : 1180,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'lookup_order',
        'gen_ai.tool.call.id': 'call_lookup_1',
        ...(opts.bareTool
          ? {}
          : {
              'gen_ai.tool.call.arguments': JSON.stringify({ order_id: orderId }),
              'gen_ai.tool.call.result': JSON.stringify(toolResult),
            }),
      },
      ...(opts.failTool
        ? {
            error: 'orders service unavailable',
            events: [
              {
                name: 'exception',
                atMs: 1400,
                attributes: {
                  'exception.type': 'ConnectionError',
                  'exception.message': 'orders service unavailable (503)',
                  'exception.stacktrace':
                    'Traceback (most recent call last):\n  File "agent/tools.py", line 42, in lookup_order\n    resp = client.get(f"/orders/{order_id}")\n  File "httpx/_client.py", line 1041, in get\n    raise ConnectionError("orders service unavailable (503)")\nConnectionError: orders service unavailable (503)',
                },
              },
            ],
          }
        : {}),
    },
    chatSpan(
      chat2,
      agent,
      1200,
      2400,
      [
        text('system', 'You are a helpful support agent for an online shop.'),
        text('user', question),
        { role: 'assistant', parts: [toolCall] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_lookup_1', response: toolResult }] },
      ],
      [text('assistant', answer)],
      [530, 96],
    ),
  ];
  return spans;
}

export interface Seeded {
  sessionId: string;
  support: string[];
  failing: string;
  rag: string;
  orphan: string;
  /** The span id the orphan trace's spans name as their parent (never sent by seedDemo). */
  orphanRoot: string;
  /** When the orphan trace's times count from (Unix ms). */
  orphanT0: number;
  runParent: string;
  runChild: string;
  xss: string;
}

/** Sends every demo trace; the newest is the hostile one. Returns their ids. */
export async function seedDemo(port: number, headers: Record<string, string> = {}): Promise<Seeded> {
  const now = Date.now();
  const sessionId = `sess-${hex(3)}`;
  const turns: [string, string][] = [
    [
      'Hi, I want a **refund** for order A-1042, it arrived broken.',
      "I'm sorry about that! I checked order **A-1042**: it was delivered and is refundable. I've started the refund of **$49.90**; you'll see it in 3–5 business days.",
    ],
    [
      'Thanks. Do I need to send the item back?',
      'No need to send it back. Keep it or recycle it.\n\n- Money back: started\n- Return label: not needed',
    ],
    [
      'Great, can you email me a confirmation?',
      'Done: a confirmation is on its way to the address on your account.',
    ],
  ];
  const support: string[] = [];
  for (const [i, [q, a]] of turns.entries()) {
    const id = hex(16);
    support.push(id);
    await send(
      port,
      // The second turn's tool span arrives bare: its Inputs / Outputs are derived from the chat messages.
      otlpJson(
        'support-agent',
        id,
        now - 3_600_000 + i * 90_000,
        supportTrace(q, a, sessionId, { bareTool: i === 1 }),
      ),
      headers,
    );
  }

  const failing = hex(16);
  await send(
    port,
    otlpJson(
      'support-agent',
      failing,
      now - 1_800_000,
      supportTrace(
        'Where is my order A-2001?',
        'Sorry, I cannot reach the orders service right now.',
        `sess-${hex(3)}`,
        { failTool: true, orderId: 'A-2001' },
      ),
    ),
    headers,
  );

  const rag = hex(16);
  const [chain, retr, emb, llm] = [hex(8), hex(8), hex(8), hex(8)];
  await send(
    port,
    otlpJson('research-assistant', rag, now - 1_200_000, [
      {
        spanId: chain,
        name: 'answer_question',
        startMs: 0,
        endMs: 3100,
        attributes: {
          'openinference.span.kind': 'CHAIN',
          'input.value': 'What did the Q3 report say about churn?',
          'output.value': 'Churn fell to 2.1% in Q3, down from 2.8%, mainly thanks to annual plans.',
          'tag.tags': ['rag', 'reports'],
        },
      },
      {
        spanId: emb,
        parentSpanId: chain,
        name: 'embeddings text-embedding-3-small',
        startMs: 20,
        endMs: 180,
        attributes: {
          'gen_ai.operation.name': 'embeddings',
          'gen_ai.request.model': 'text-embedding-3-small',
          'gen_ai.usage.input_tokens': 11,
        },
      },
      {
        spanId: retr,
        parentSpanId: chain,
        name: 'retrieve reports',
        startMs: 190,
        endMs: 420,
        attributes: {
          'openinference.span.kind': 'RETRIEVER',
          'input.value': 'Q3 churn',
          'retrieval.documents.0.document.id': 'q3-report#4',
          'retrieval.documents.0.document.content': 'Churn fell to 2.1% (Q2: 2.8%).',
          'retrieval.documents.0.document.score': 0.91,
        },
      },
      chatSpan(
        llm,
        chain,
        430,
        3050,
        [
          text('system', 'Answer from the documents only.'),
          text('user', 'What did the Q3 report say about churn?'),
        ],
        [text('assistant', 'Churn fell to **2.1%** in Q3, down from 2.8%, mainly thanks to annual plans.')],
        [1820, 64],
        'gpt-4o',
      ),
    ]),
    headers,
  );

  // Children only: their parent (the root) never arrives.
  const orphan = hex(16);
  const missingRoot = hex(8);
  const orphanT0 = now - 600_000;
  await send(
    port,
    otlpJson('research-assistant', orphan, orphanT0, [
      chatSpan(hex(8), missingRoot, 100, 900, [text('user', 'Summarize the meeting notes')], [], [220, 0]),
      {
        spanId: hex(8),
        parentSpanId: missingRoot,
        name: 'execute_tool fetch_notes',
        startMs: 20,
        endMs: 90,
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'fetch_notes' },
      },
    ]),
    headers,
  );

  // A run: the child trace's span links to the parent trace's span that sent its message.
  const runParent = hex(16);
  const runChild = hex(16);
  const [publish, parentAgent] = [hex(8), hex(8)];
  await send(
    port,
    otlpJson('autogen-team', runParent, now - 300_000, [
      {
        spanId: parentAgent,
        name: 'invoke_agent writer',
        startMs: 0,
        endMs: 1500,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': 'writer',
          'gen_ai.input.messages': messages([text('user', 'Write a haiku about tracing.')]),
        },
      },
      {
        spanId: publish,
        parentSpanId: parentAgent,
        name: 'autogen publish reviewer',
        startMs: 1200,
        endMs: 1250,
        attributes: { 'messaging.operation': 'publish' },
      },
    ]),
    headers,
  );
  const childRoot = hex(8);
  await send(
    port,
    otlpJson('autogen-team', runChild, now - 300_000 + 1260, [
      {
        spanId: childRoot,
        name: 'autogen process reviewer',
        startMs: 0,
        endMs: 900,
        links: [{ traceId: runParent, spanId: publish }],
        attributes: { 'messaging.operation': 'process' },
      },
      chatSpan(
        hex(8),
        childRoot,
        50,
        850,
        [text('user', 'Review: "Spans like rivers / ..."')],
        [text('assistant', 'Lovely imagery. Approved.')],
        [90, 12],
      ),
    ]),
    headers,
  );

  const xss = hex(16);
  const xssRoot = hex(8);
  await send(
    port,
    otlpJson('support-agent', xss, now - 60_000, [
      {
        spanId: xssRoot,
        name: `invoke_agent ${XSS_IMG}`,
        startMs: 0,
        endMs: 800,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': XSS_SCRIPT,
          [`${XSS_SCRIPT} key`]: XSS_IMG,
          'tag.tags': [XSS_IMG],
          'gen_ai.input.messages': messages([text('user', `hostile ${XSS_SCRIPT} and ${XSS_IMG}`)]),
          'gen_ai.output.messages': messages([
            text('assistant', `echo ${XSS_IMG} [link](javascript:alert(1))`),
          ]),
        },
      },
      chatSpan(
        hex(8),
        xssRoot,
        10,
        700,
        [text('user', `hostile ${XSS_SCRIPT} and ${XSS_IMG}`)],
        [text('assistant', `echo ${XSS_IMG}\n\n<iframe src="javascript:alert(1)"></iframe>`)],
        [10, 10],
      ),
    ]),
    headers,
  );
  return {
    sessionId,
    support,
    failing,
    rag,
    orphan,
    orphanRoot: missingRoot,
    orphanT0,
    runParent,
    runChild,
    xss,
  };
}

/**
 * A trace of `count` spans: an agent root with `count / 50` steps, each a chat call and tool calls; every 97th
 * span fails. Sent in requests of 2,000 spans.
 */
export async function seedLargeTrace(port: number, count: number, headers: Record<string, string> = {}) {
  const traceId = hex(16);
  const root = hex(8);
  const spans: SeedSpan[] = [
    {
      spanId: root,
      name: 'invoke_agent long-running',
      startMs: 0,
      endMs: count * 2 + 10,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'long-running' },
    },
  ];
  let step = root;
  for (let i = 1; i < count; i++) {
    if (i % 50 === 1) {
      step = hex(8);
      spans.push({
        spanId: step,
        parentSpanId: root,
        name: `step ${Math.ceil(i / 50)}`,
        startMs: i * 2,
        endMs: i * 2 + 99,
        attributes: { 'openinference.span.kind': 'CHAIN' },
      });
      continue;
    }
    const isChat = i % 10 === 2;
    spans.push({
      spanId: hex(8),
      parentSpanId: step,
      name: isChat ? 'chat gpt-4o-mini' : `execute_tool search_${i}`,
      startMs: i * 2,
      endMs: i * 2 + 1.5,
      attributes: isChat
        ? {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 100,
            'gen_ai.usage.output_tokens': 20,
          }
        : { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `search_${i}` },
      ...(i % 97 === 0 ? { error: `search_${i} timed out` } : {}),
    });
  }
  const t0 = Date.now() - 30_000;
  for (let i = 0; i < spans.length; i += 2000) {
    await send(port, otlpJson('long-running-agent', traceId, t0, spans.slice(i, i + 2000)), headers);
  }
  return traceId;
}
