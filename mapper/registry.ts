/**
 * The conventions, highest precedence first. Where several match one span, the explicit one wins:
 *   mlflow.* > crewai (openinference-instrumentation-crewai) > openinference > pydantic ai > strands
 *   > gen_ai (current) > vercel ai / traceloop / langfuse / google adk / livekit / genkit / mastra
 *   > gen_ai (older, ≤ 1.36) > autogen runtime > general OTel attributes (session.id, user.id)
 *   > heuristics (tool name → TOOL, model → LLM)
 * and an explicit UNKNOWN loses to any derived type (merge.ts). docs/mapping.md lists every source per column.
 */
import { autogen } from './autogen.js';
import { crewai } from './crewai.js';
import { genaiCurrent } from './genai-current.js';
import { genaiLegacy } from './genai-legacy.js';
import { genkit } from './genkit.js';
import { googleAdk } from './google-adk.js';
import { langfuse } from './langfuse.js';
import { livekit } from './livekit.js';
import { mastra } from './mastra.js';
import { mlflow } from './mlflow.js';
import { openinference } from './openinference.js';
import { otelGeneral } from './otel-general.js';
import { pydanticAi } from './pydantic-ai.js';
import { strands } from './strands.js';
import { traceloop } from './traceloop.js';
import type { Convention } from './types.js';
import { vercelAi } from './vercel-ai.js';

export const CONVENTIONS: readonly Convention[] = [
  mlflow,
  crewai,
  openinference,
  pydanticAi,
  strands,
  genaiCurrent,
  vercelAi,
  traceloop,
  langfuse,
  googleAdk,
  livekit,
  genkit,
  mastra,
  genaiLegacy,
  autogen,
  otelGeneral,
];
