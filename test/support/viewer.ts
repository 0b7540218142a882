/**
 * What the viewer's end-to-end tests (test/e2e/viewer*.test.ts) share: running the CLI as a process, and the traces
 * they send through the bridge.
 */
import assert from 'node:assert/strict';
import { postOtlp } from './bridge.js';
import type { TestResourceSpans } from './otlp.js';
import { hexId, protobufRequest } from './otlp.js';
import { spawnBridge } from './process.js';

export const USER_MESSAGE = 'What is the weather in Paris?';
export const REPLY = 'Let me check the weather service.';
export const ANSI = /\x1b\[/;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/tracebridge.ts with args; TZ=UTC and no colour variables unless given. */
export async function cli(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const p = spawnBridge(args, {
    TZ: 'UTC',
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    COLUMNS: undefined,
    ...env,
  });
  let stdout = '';
  p.child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const code = await p.exited;
  return { code, stdout, stderr: p.stderr };
}

export const lines = (s: string) => s.replace(/\n$/, '').split('\n');

/** AGENT → CHAT_MODEL → TOOL, the tool failing, the agent failing with it. Starts `startMs` ago. */
export function agentTrace(
  service: string,
  startMs: number,
): { traceId: string; groups: TestResourceSpans[] } {
  const traceId = hexId(16);
  const [agent, chat, tool] = [hexId(8), hexId(8), hexId(8)];
  const t0 = BigInt(Date.now() - startMs) * 1_000_000n;
  const ms = (x: number) => t0 + BigInt(x) * 1_000_000n;
  return {
    traceId,
    groups: [
      {
        resource: { 'service.name': service },
        spans: [
          {
            traceId,
            spanId: agent,
            name: 'invoke_agent weather',
            start: ms(0),
            end: ms(500),
            attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather' },
            status: { code: 2, message: 'tool failed' },
          },
          {
            traceId,
            spanId: chat,
            parentSpanId: agent,
            name: 'chat qwen-plus',
            start: ms(100),
            end: ms(400),
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'qwen-plus',
              'gen_ai.usage.input_tokens': 42,
              'gen_ai.usage.output_tokens': 17,
              'gen_ai.input.messages': JSON.stringify([
                { role: 'user', parts: [{ type: 'text', content: USER_MESSAGE }] },
              ]),
              'gen_ai.output.messages': JSON.stringify([
                {
                  role: 'assistant',
                  parts: [
                    { type: 'text', content: REPLY },
                    { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } },
                  ],
                },
              ]),
            },
          },
          {
            traceId,
            spanId: tool,
            parentSpanId: chat,
            name: 'execute_tool get_weather',
            start: ms(200),
            end: ms(300),
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': 'get_weather',
              'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
              'gen_ai.tool.call.result': JSON.stringify({ error: 'unavailable' }),
            },
            status: { code: 2 },
            events: [
              {
                name: 'exception',
                time: ms(300),
                attributes: {
                  'exception.type': 'ServiceError',
                  'exception.message': 'weather service unavailable',
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A one-span OK trace. */
export function okTrace(service: string, startMs: number): { traceId: string; groups: TestResourceSpans[] } {
  const traceId = hexId(16);
  const t0 = BigInt(Date.now() - startMs) * 1_000_000n;
  return {
    traceId,
    groups: [
      {
        resource: { 'service.name': service },
        spans: [
          {
            traceId,
            spanId: hexId(8),
            name: 'nightly batch',
            start: t0,
            end: t0 + 2_500_000_000n,
            status: { code: 1 },
          },
        ],
      },
    ],
  };
}

/**
 * A run of two traces, three days ago: `plan trip` (OK), and `process message` (root OK, a failed tool inside),
 * which links to plan trip's `publish` span, as AutoGen's runtime links a delivered message to its sender.
 */
export function linkedRun(service: string): { first: string; second: string; groups: TestResourceSpans[] } {
  const [first, second] = [hexId(16), hexId(16)];
  const [plan, publish, processing, tool] = [hexId(8), hexId(8), hexId(8), hexId(8)];
  const t0 = BigInt(Date.now() - 3 * 86_400_000) * 1_000_000n;
  const ms = (x: number) => t0 + BigInt(x) * 1_000_000n;
  return {
    first,
    second,
    groups: [
      {
        resource: { 'service.name': service },
        spans: [
          { traceId: first, spanId: plan, name: 'plan trip', start: ms(0), end: ms(100) },
          {
            traceId: first,
            spanId: publish,
            parentSpanId: plan,
            name: 'publish task',
            start: ms(10),
            end: ms(20),
          },
          {
            traceId: second,
            spanId: processing,
            name: 'process message',
            start: ms(30),
            end: ms(90),
            links: [{ traceId: first, spanId: publish }],
          },
          {
            traceId: second,
            spanId: tool,
            parentSpanId: processing,
            name: 'execute_tool book',
            start: ms(40),
            end: ms(50),
            attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'book' },
            status: { code: 2, message: 'sold out' },
          },
        ],
      },
    ],
  };
}

export async function send(port: number, groups: TestResourceSpans[]): Promise<void> {
  const res = await postOtlp(port, '/v1/traces', protobufRequest(groups), {
    'content-type': 'application/x-protobuf',
  });
  assert.equal(res.status, 200, res.body.toString());
}
