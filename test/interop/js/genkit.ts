/**
 * Firebase Genkit (`genkit` 1.x) agent with a tool, its model reached through `@genkit-ai/compat-oai` (the
 * OpenAI-compatible plugin) at the fake Qwen server (OPENAI_BASE_URL), traced by Genkit's own instrumentation and
 * exported by the OTel JS SDK (NodeSDK + OTLP/protobuf exporter, configured by the standard OTEL_* variables).
 *
 * Genkit records every action as a span through the global OTel API (genkit:type, genkit:name, genkit:path,
 * genkit:input, genkit:output, genkit:metadata:subtype, …). Its own telemetry setup (a NodeSDK that also feeds the
 * Genkit developer UI) is turned off with disableGenkitOTelInitialization, as Genkit's docs say to do when the
 * application brings its OpenTelemetry SDK.
 *
 * Two flow runs, one trace each:
 *   searchAgent (flow) › generate (util) › qwen/qwen-plus-latest (model), search_web (tool), generate (util) ›
 *     qwen/qwen-plus-latest (model) — the tool loop against the fake server;
 *   thinkAgent (flow) › generate › local/reasoner — a model defined in the application (ai.defineModel, Genkit's
 *     API for model plugins) that reports reasoning and cached tokens, as thinking models' plugins do.
 */
import openAICompatible from '@genkit-ai/compat-oai';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { genkit, z } from 'genkit';
import { disableGenkitOTelInitialization } from 'genkit/tracing';

disableGenkitOTelInitialization();
const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();

export const QUESTION = 'What is new in Qwen3?';
export const SEARCH_RESULT = `Qwen3 search results for '${QUESTION}': hybrid thinking modes and MCP support.`;

const ai = genkit({
  plugins: [
    openAICompatible({
      name: 'qwen',
      apiKey: process.env.OPENAI_API_KEY,
      baseURL: process.env.OPENAI_BASE_URL,
    }),
  ],
});

const searchWeb = ai.defineTool(
  {
    name: 'search_web',
    description: 'Find information on the web.',
    inputSchema: z.object({ query: z.string().describe('What you want to search for.') }),
    outputSchema: z.string(),
  },
  async ({ query }) => `Qwen3 search results for '${query}': hybrid thinking modes and MCP support.`,
);

const searchAgent = ai.defineFlow(
  { name: 'searchAgent', inputSchema: z.string(), outputSchema: z.string() },
  async (question) => {
    const response = await ai.generate({
      model: 'qwen/qwen-plus-latest',
      system: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
      prompt: question,
      tools: [searchWeb],
      config: { temperature: 0.01 },
    });
    return response.text;
  },
);

const reasoner = ai.defineModel(
  { name: 'local/reasoner', label: 'A thinking model', supports: { multiturn: true, systemRole: true } },
  async () => ({
    message: {
      role: 'model',
      content: [{ reasoning: 'The user wants a one-word answer.' }, { text: 'Yes.' }],
    },
    finishReason: 'stop',
    usage: { inputTokens: 12, outputTokens: 30, totalTokens: 42, thoughtsTokens: 18, cachedContentTokens: 4 },
  }),
);

const thinkAgent = ai.defineFlow(
  { name: 'thinkAgent', inputSchema: z.string(), outputSchema: z.string() },
  async (q) => {
    const response = await ai.generate({ model: reasoner, prompt: q });
    return response.text;
  },
);

console.log('answer:', await searchAgent(QUESTION));
console.log('thought:', await thinkAgent('Is Qwen3 open source?'));
await sdk.shutdown();
