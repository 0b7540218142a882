/**
 * Mastra (`@mastra/core` 1.x) agent with a tool, its model reached through Mastra's OpenAI-compatible model config
 * at the fake Qwen server (OPENAI_BASE_URL), traced by Mastra's observability (`@mastra/observability`) and
 * exported by its OpenTelemetry exporter (`@mastra/otel-exporter`, provider `custom`, OTLP/HTTP protobuf) to the
 * endpoint in BRIDGE_HTTP_ENDPOINT.
 *
 * One agent run, one trace: invoke_agent search-agent › agent steps › chat (model) / execute_tool search_web.
 */
import { Agent } from '@mastra/core/agent';
import { Mastra } from '@mastra/core/mastra';
import { createTool } from '@mastra/core/tools';
import { Observability } from '@mastra/observability';
import { OtelExporter } from '@mastra/otel-exporter';
import { z } from 'zod';

export const QUESTION = 'What is new in Qwen3?';

const searchWeb = createTool({
  id: 'search_web',
  description: 'Find information on the web.',
  inputSchema: z.object({ query: z.string().describe('What you want to search for.') }),
  execute: async ({ query }) => `Qwen3 search results for '${query}': hybrid thinking modes and MCP support.`,
});

const agent = new Agent({
  id: 'search-agent',
  name: 'search-agent',
  instructions: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
  model: {
    providerId: 'qwen',
    modelId: 'qwen-plus-latest',
    url: process.env.OPENAI_BASE_URL,
    apiKey: process.env.OPENAI_API_KEY,
  },
  tools: { search_web: searchWeb },
});

const exporter = new OtelExporter({
  provider: {
    custom: { endpoint: `${process.env.BRIDGE_HTTP_ENDPOINT}/v1/traces`, protocol: 'http/protobuf' },
  },
  signals: { logs: false },
});

const mastra = new Mastra({
  agents: { searchAgent: agent },
  observability: new Observability({
    configs: { otel: { serviceName: 'mastra-agent', exporters: [exporter] } },
  }),
});

const result = await mastra.getAgent('searchAgent').generate(QUESTION, {
  memory: undefined,
  tracingOptions: { metadata: { tenant: 'acme' }, tags: ['interop'] },
  modelSettings: { temperature: 0.01 },
});
console.log('answer:', result.text);
await mastra.shutdown();
