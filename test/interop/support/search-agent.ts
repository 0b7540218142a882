/**
 * The search agent most interop clients run (python/*.py, js/genkit.ts, js/mastra.ts, js/openinference-openai.ts):
 * the user's question, the result of its search_web tool, and the answer the fake model builds from that result
 * (toolAgentScript). The Python clients and the JS ones word the system prompt and the tool's result differently.
 */
import { answerFor } from '../fake-model-server.js';

export const QUESTION = 'What is new in Qwen3?';
/** The Python clients' system prompt. */
export const SYSTEM_PROMPT = 'You are a helpful assistant, and you use search_web tool to find information.';
/** What the Python clients' (and OpenInference JS's) search_web returns for QUESTION. */
export const RESULT = `Qwen3 search results for '${QUESTION}': hybrid thinking modes.`;
export const ANSWER = answerFor(RESULT);
/** The n-th search_web call the fake model makes for QUESTION (it numbers calls over its life: a second run's is call_2). */
export const searchCall = (n: number) => ({
  id: `call_${n}`,
  name: 'search_web',
  arguments: { query: QUESTION },
});

/** Genkit's and Mastra's wording of the same agent. */
export const WEB_SEARCH = {
  system: {
    role: 'system',
    content: 'You are a helpful assistant, and you use search_web tool to find information on the web.',
  },
  result: `Qwen3 search results for '${QUESTION}': hybrid thinking modes and MCP support.`,
  get answer() {
    return answerFor(this.result);
  },
};
