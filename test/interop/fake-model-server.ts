/**
 * A small OpenAI-compatible model server for the interop suite, standing in for Qwen 3 served through an
 * OpenAI-compatible API (no real model is reachable from tests). It listens on 127.0.0.1:0 and answers
 *
 * - `POST /v1/chat/completions`, non-streaming (`chat.completion`) and streaming (`stream: true`: SSE
 *   `chat.completion.chunk`s, text split into several deltas, tool calls streamed as OpenAI does; with
 *   `stream_options.include_usage` every chunk carries `usage: null` and a last chunk with `choices: []` carries
 *   the usage), then `data: [DONE]`;
 * - `GET /v1/models` (model `qwen-plus-latest`).
 *
 * Replies are deterministic: a per-test `Script` decides each one from the request (and the call number). The
 * default, `toolAgentScript`, answers the way a tool-calling agent conversation goes: a first turn with tools
 * calls the first tool with the user's question, a turn that ends with a tool result gets a final answer built
 * from it, anything else gets a plain answer. Ids (`chatcmpl-N`, `call_N`), `created` and usage are fixed, so
 * rows can be asserted exactly. Every request body is kept in `requests`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MODEL = 'qwen-plus-latest';
/** `created` of every response: 2025-01-01T00:00:00Z. */
export const CREATED = 1_735_689_600;

export interface ChatMessageIn {
  role: string;
  content?: string | { type: string; text?: string }[] | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}

export interface ChatRequest {
  model: string;
  messages: ChatMessageIn[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  tool_choice?: unknown;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number;
  max_tokens?: number;
  [key: string]: unknown;
}

export interface ScriptedToolCall {
  name: string;
  /** An object is JSON-encoded; a string is sent as it is. */
  arguments: Record<string, unknown> | string;
  /** Default `call_<n>` where n counts tool calls across the server's life. */
  id?: string;
}

export interface Reply {
  content: string;
  toolCalls?: ScriptedToolCall[];
  promptTokens: number;
  completionTokens: number;
  /** Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  /** Default: the requested model. */
  model?: string;
}

/** Decides the reply to a request; `n` is the 1-based number of the chat completion request. */
export type Script = (req: ChatRequest, n: number) => Reply;

/** The text of a message's content (string or content parts). */
export function textOf(content: ChatMessageIn['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => p.text ?? '').join('');
  return '';
}

export function lastUserText(req: ChatRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role === 'user') return textOf(m.content);
  }
  return '';
}

/** Usage of the default script's turns. */
export const USAGE = {
  toolCall: { promptTokens: 61, completionTokens: 17 },
  answer: { promptTokens: 97, completionTokens: 23 },
  plain: { promptTokens: 24, completionTokens: 9 },
} as const;

export const answerFor = (toolResult: string): string =>
  `According to the search results: ${toolResult.slice(0, 120)}`;
export const plainAnswerFor = (question: string): string => `Qwen answers: ${question}`;

/**
 * The default conversation: tools offered and no tool result yet → call the first tool with
 * `{ query: <last user message> }`; the last message is a tool result → a final answer quoting it; otherwise a
 * plain answer echoing the question.
 */
export const toolAgentScript: Script = (req) => {
  const last = req.messages[req.messages.length - 1];
  if (last?.role === 'tool') return { content: answerFor(textOf(last.content)), ...USAGE.answer };
  const tool = req.tools?.[0]?.function.name;
  if (tool) {
    return {
      content: '',
      toolCalls: [{ name: tool, arguments: { query: lastUserText(req) } }],
      ...USAGE.toolCall,
    };
  }
  return { content: plainAnswerFor(lastUserText(req)), ...USAGE.plain };
};

export interface FakeModelServer {
  /** Base URL for OpenAI clients: `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  port: number;
  /** Every chat completion request body, in arrival order. */
  requests: ChatRequest[];
  close(): Promise<void>;
}

/** Splits text into a few deltas (word boundaries kept), as a streaming model would send it. */
function deltas(text: string): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 3) out.push(words.slice(i, i + 3).join(''));
  return out;
}

export async function startFakeModelServer(script: Script = toolAgentScript): Promise<FakeModelServer> {
  const requests: ChatRequest[] = [];
  let completions = 0;
  let toolCalls = 0;

  const respond = (req: ChatRequest, res: ServerResponse): void => {
    const n = ++completions;
    const reply = script(req, n);
    const id = `chatcmpl-${n}`;
    const model = reply.model ?? req.model;
    const calls = (reply.toolCalls ?? []).map((c) => ({
      id: c.id ?? `call_${++toolCalls}`,
      type: 'function' as const,
      function: {
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
    const finishReason = reply.finishReason ?? (calls.length ? 'tool_calls' : 'stop');
    const usage = {
      prompt_tokens: reply.promptTokens,
      completion_tokens: reply.completionTokens,
      total_tokens: reply.promptTokens + reply.completionTokens,
    };

    if (!req.stream) {
      const body = {
        id,
        object: 'chat.completion',
        created: CREATED,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.content,
              ...(calls.length ? { tool_calls: calls } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        system_fingerprint: null,
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }

    const includeUsage = req.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created: CREATED,
        model,
        system_fingerprint: null,
        choices,
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      })}\n\n`;
    const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(chunk([choice({ role: 'assistant', content: '' })]));
    for (const d of deltas(reply.content)) res.write(chunk([choice({ content: d })]));
    calls.forEach((c, index) => {
      res.write(
        chunk([
          choice({
            tool_calls: [
              { index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } },
            ],
          }),
        ]),
      );
      const args = c.function.arguments;
      const half = Math.ceil(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)]) {
        if (part) res.write(chunk([choice({ tool_calls: [{ index, function: { arguments: part } }] })]));
      }
    });
    res.write(chunk([choice({}, finishReason)]));
    if (includeUsage) res.write(chunk([], { usage }));
    res.end('data: [DONE]\n\n');
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
      try {
        if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              object: 'list',
              data: [{ id: MODEL, object: 'model', created: CREATED, owned_by: 'qwen' }],
            }),
          );
          return;
        }
        if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
          requests.push(body);
          respond(body, res);
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: 'not_found' } }));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err), type: 'server_error' } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
