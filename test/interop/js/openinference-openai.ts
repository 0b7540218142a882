/**
 * The `openai` JS client instrumented by OpenInference (`@arizeai/openinference-instrumentation-openai`), with the
 * agent and tool steps traced by `@arizeai/openinference-core` (traceAgent / traceTool) and the session, user,
 * metadata and tags set through OpenInference's context helpers. Exported by the OTel JS SDK over OTLP/HTTP JSON.
 *
 * Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _HEADERS, OTEL_SERVICE_NAME for
 * the exporter, OPENAI_BASE_URL / OPENAI_API_KEY for the OpenAI-compatible server serving Qwen.
 *
 * One trace: AGENT search_agent › LLM ChatCompletion (tools offered, a tool call back) › TOOL search_web › LLM
 * ChatCompletion (streamed, with stream_options.include_usage).
 */
import {
  setMetadata,
  setSession,
  setTags,
  setUser,
  traceAgent,
  traceTool,
} from '@arizeai/openinference-core';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
// ESM: the module cannot be patched on import, so the client class is instrumented explicitly.
const instrumentation = new OpenAIInstrumentation();
instrumentation.manuallyInstrument(OpenAI);

const MODEL = 'qwen-plus-latest';
const client = new OpenAI(); // OPENAI_BASE_URL / OPENAI_API_KEY

const tools: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'search_web',
      description: 'Find information on the web.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string', description: 'What you want to search for.' } },
        required: ['query'],
      },
    },
  },
];

const searchWeb = traceTool(
  async (query: string): Promise<string> => `Qwen3 search results for '${query}': hybrid thinking modes.`,
  { name: 'search_web' },
);

const searchAgent = traceAgent(
  async (question: string): Promise<string> => {
    const messages: ChatCompletionMessageParam[] = [
      {
        role: 'system',
        content: 'You are a helpful assistant, and you use search_web tool to find information.',
      },
      { role: 'user', content: question },
    ];
    const first = await client.chat.completions.create({ model: MODEL, temperature: 0.01, messages, tools });
    const message = first.choices[0]!.message;
    messages.push(message);
    for (const call of message.tool_calls ?? []) {
      if (call.type !== 'function') continue;
      const { query } = JSON.parse(call.function.arguments) as { query: string };
      messages.push({ role: 'tool', tool_call_id: call.id, content: await searchWeb(query) });
    }
    const stream = await client.chat.completions.create({
      model: MODEL,
      temperature: 0.01,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let answer = '';
    for await (const chunk of stream) answer += chunk.choices[0]?.delta.content ?? '';
    return answer;
  },
  { name: 'search_agent' },
);

const ctx = setTags(
  setMetadata(setUser(setSession(context.active(), { sessionId: 'session-42' }), { userId: 'user-7' }), {
    tenant: 'acme',
  }),
  ['qwen', 'interop'],
);
const answer = await context.with(ctx, () => searchAgent('What is new in Qwen3?'));
console.log('answer:', answer);
await sdk.shutdown();
