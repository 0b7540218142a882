/**
 * Vercel AI SDK (`ai` 7) agent with a tool, traced with the SDK's OpenTelemetry integrations (`@ai-sdk/otel`) and
 * exported by the OTel JS SDK (NodeSDK + OTLP/protobuf exporter). The model is the SDK's own mock language model
 * (`ai/test`), scripted as a Qwen model behind the OpenAI chat provider: a tool call first, then a final answer.
 *
 * Only the environment points it at tracebridge (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _HEADERS, OTEL_SERVICE_NAME).
 *
 * Two generateText runs of the same agent, one trace each:
 *   telemetry: OpenTelemetry        → GenAI-semconv spans: invoke_agent search-agent › step 1 › chat, execute_tool …
 *   telemetry: LegacyOpenTelemetry  → the legacy spans: ai.generateText › ai.generateText.doGenerate, ai.toolCall …
 */
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { generateText, isStepCount, type Telemetry, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();

export const QUESTION = 'What is new in Qwen3?';
export const SEARCH_RESULT = 'Qwen3 adds hybrid thinking modes and MCP support.';
export const ANSWER = `Qwen3 is out: ${SEARCH_RESULT}`;

type GenerateResult = Awaited<ReturnType<NonNullable<MockLanguageModelV4['doGenerate']>>>;

const usage = (input: number, output: number): GenerateResult['usage'] => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** A Qwen model as the OpenAI chat provider would present it: tool call on the first turn, answer after. */
function qwen(): MockLanguageModelV4 {
  let calls = 0;
  return new MockLanguageModelV4({
    provider: 'openai.chat',
    modelId: 'qwen-plus-latest',
    doGenerate: async (options) => {
      calls++;
      const last = options.prompt[options.prompt.length - 1];
      const timestamp = new Date(Date.UTC(2025, 0, 1, 0, 0, calls));
      if (last?.role === 'tool') {
        return {
          content: [{ type: 'text', text: ANSWER }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: usage(97, 23),
          response: { id: `chatcmpl-${calls}`, modelId: 'qwen-plus-latest', timestamp },
          warnings: [],
        };
      }
      return {
        content: [
          {
            type: 'tool-call',
            toolCallId: `call_${calls}`,
            toolName: 'search_web',
            input: JSON.stringify({ query: QUESTION }),
          },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: usage(61, 17),
        response: { id: `chatcmpl-${calls}`, modelId: 'qwen-plus-latest', timestamp },
        warnings: [],
      };
    },
  });
}

const searchWeb = tool({
  description: 'Find information on the web.',
  inputSchema: z.object({ query: z.string().describe('What you want to search for.') }),
  execute: async ({ query }) => ({ query, results: [SEARCH_RESULT] }),
});

async function searchAgent(integration: Telemetry): Promise<string> {
  const result = await generateText({
    model: qwen(),
    system: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
    prompt: QUESTION,
    tools: { search_web: searchWeb },
    stopWhen: isStepCount(5),
    temperature: 0.01,
    runtimeContext: { sessionId: 'session-7', apiKey: 'not-for-telemetry' },
    telemetry: {
      isEnabled: true,
      functionId: 'search-agent',
      includeRuntimeContext: { sessionId: true },
      integrations: [integration],
    },
  });
  return result.text;
}

console.log('genai:', await searchAgent(new OpenTelemetry({ agentSpanName: 'functionId' })));
console.log('legacy:', await searchAgent(new LegacyOpenTelemetry()));
await sdk.shutdown();
