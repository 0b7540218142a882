/**
 * OpenInference (Arize) semantic conventions: openinference-semantic-conventions trace/__init__.py.
 * A span is OpenInference when it has openinference.span.kind or any OpenInference-only key (input.value,
 * output.value, llm.input_messages.*, llm.token_count.*, llm.model_name, retrieval.documents.*, …). The generic
 * keys session.id / user.id / metadata / tool.name are only read on such spans.
 *
 * Precedence inside this convention, per column (first present wins):
 * - span_type       openinference.span.kind: LLM, CHAIN, TOOL, AGENT, RETRIEVER, EMBEDDING, RERANKER, GUARDRAIL,
 *                   EVALUATOR as they are; PROMPT (prompt-template rendering) → CHAIN; UNKNOWN → UNKNOWN (loses
 *                   to any other convention's type); anything else → null.
 * - inputs          input.value (by input.mime_type, see oiValue) > {query: reranker.query, documents:
 *                   reranker.input_documents} > {texts: embedding texts} > tool_call.function.arguments (decoded).
 * - outputs         output.value (by output.mime_type) > {documents: retrieval.documents} > {documents:
 *                   reranker.output_documents} > {embeddings: embedding vectors}.
 * - input_messages  llm.input_messages.N.message.* > llm.prompts (completions API, as user messages).
 * - output_messages llm.output_messages.N.message.* > llm.choices.N.completion.text (as assistant messages).
 * - request_model   llm.request.model_name > llm.model_name > embedding.model_name > reranker.model_name.
 * - response_model  llm.response.model_name > llm.model_name (instrumentations record the model that answered).
 * - provider        llm.provider > llm.system (lower-cased; framework names ignored).
 * - tokens          llm.token_count.{prompt, completion, total, prompt_details.cache_read (> cache_input),
 *                   prompt_details.cache_write, completion_details.reasoning}. Audio counts are not mapped.
 * - finish_reasons  [llm.finish_reason].
 * - request_params  llm.invocation_parameters / embedding.invocation_parameters (keys of the decoded object;
 *                   a non-object value is kept whole under `invocation_parameters`) + tools ← llm.tools.N.tool
 *                   .json_schema + top_k ← reranker.top_k.
 * - tool_name       tool.name > tool_call.function.name.
 * - tool_call_id    tool.id > tool_call.id > on TOOL spans, the tool_call_id of the output when it is a tool
 *                   message (the LangChain instrumentation records the ToolMessage the tool returned — dumped
 *                   {type:'tool', tool_call_id}, serialized {lc, kwargs:{tool_call_id}} or messages_to_dict's
 *                   {type:'tool', data:{tool_call_id}} — and no id attribute).
 * - agent_name      agent.name > the span name on AGENT spans.   (tool_name likewise falls back to the span name
 *                   on TOOL spans.)   session_id  langfuse.session.id > session.id.   user_id  user.id.
 * - trace_metadata  metadata (keys of the decoded object; a non-object value under `metadata`).
 * - trace_tags      tag.tags: each label → {label: 'true'}.
 * tool.description / tool.parameters, prompt templates and graph.node.* are not mapped (kept in `attributes`).
 * Debatable: an OpenInference span kind outranks an explicit langfuse.observation.type on the same span — the
 * kind comes from the instrumentation that recorded the operation and this convention supplies its content, so
 * type and content agree (langfuse.ts says more).
 */

import type { Attributes, SpanInput } from '../otlp/model.js';
import { hasKeyMatching, labelTags, metadataObject, prefixTest, present } from './flat-messages.js';
import { compact, nonEmpty, providerName, sessionId } from './genai-common.js';
import { toolArguments } from './genai-messages.js';
import { oiChoiceMessages, oiMessages, oiPromptMessages } from './oi-messages.js';
import { invocationParams, oiDocuments, oiEmbeddings, oiTokens, oiTools, oiValue } from './oi-values.js';
import type { Convention, Json, MappedFields, SpanType } from './types.js';
import { isObject, lookup, str } from './values.js';

/** Keys only OpenInference uses; any one of them marks the span as OpenInference. */
const OI_PREFIXES = [
  'openinference.',
  'input.value',
  'output.value',
  'llm.model_name',
  'llm.request.model_name',
  'llm.response.model_name',
  'llm.provider',
  'llm.system',
  'llm.invocation_parameters',
  'llm.input_messages.',
  'llm.output_messages.',
  'llm.token_count.',
  'llm.tools.',
  'llm.prompts',
  'llm.choices.',
  'llm.finish_reason',
  'llm.prompt_template.',
  'retrieval.documents.',
  'embedding.',
  'reranker.',
  'tool_call.',
  'tag.tags',
] as const;
const isOiKey = prefixTest(OI_PREFIXES);

const KINDS: Record<string, SpanType> = {
  LLM: 'LLM',
  CHAIN: 'CHAIN',
  TOOL: 'TOOL',
  AGENT: 'AGENT',
  RETRIEVER: 'RETRIEVER',
  EMBEDDING: 'EMBEDDING',
  RERANKER: 'RERANKER',
  GUARDRAIL: 'GUARDRAIL',
  EVALUATOR: 'EVALUATOR',
  PROMPT: 'CHAIN',
  UNKNOWN: 'UNKNOWN',
};

function spanKind(a: Attributes): SpanType | null {
  const k = str(a['openinference.span.kind'])?.trim().toUpperCase();
  return lookup(KINDS, k) ?? null;
}

function inputs(a: Attributes): Json | undefined {
  const value = oiValue(a['input.value'], a['input.mime_type']);
  if (value !== undefined) return value;
  const rerankDocs = oiDocuments(a, 'reranker.input_documents.');
  const query = str(a['reranker.query']);
  if (rerankDocs || query !== null) return compact({ query, documents: rerankDocs });
  const { texts } = oiEmbeddings(a);
  if (texts) return { texts };
  if (present(a['tool_call.function.arguments'])) return toolArguments(a['tool_call.function.arguments']);
  return undefined;
}

function outputs(a: Attributes): Json | undefined {
  const value = oiValue(a['output.value'], a['output.mime_type']);
  if (value !== undefined) return value;
  const docs = oiDocuments(a, 'retrieval.documents.') ?? oiDocuments(a, 'reranker.output_documents.');
  if (docs) return { documents: docs };
  const { vectors } = oiEmbeddings(a);
  return vectors ? { embeddings: vectors } : undefined;
}

/** The tool_call_id of a tool message a tool span returned (LangChain's ToolMessage, dumped or serialized). */
function outputToolCallId(output: Json | undefined): string | null {
  if (!isObject(output)) return null;
  // Serialized {lc, kwargs}, messages_to_dict's {type, data} (what the LangChain instrumentation sends), or dumped.
  const body =
    output.lc !== undefined && isObject(output.kwargs)
      ? output.kwargs
      : typeof output.type === 'string' && isObject(output.data)
        ? output.data
        : output;
  return str(body.tool_call_id as Json);
}

function requestParams(a: Attributes): Record<string, Json> | null {
  const params: Record<string, Json> = {
    ...invocationParams(a['embedding.invocation_parameters'], 'invocation_parameters'),
    ...invocationParams(a['llm.invocation_parameters'], 'invocation_parameters'),
  };
  const tools = oiTools(a);
  if (tools) params.tools = tools;
  if (present(a['reranker.top_k'])) params.top_k = a['reranker.top_k'];
  return nonEmpty(params);
}

export const openinference: Convention = {
  name: 'openinference',
  map(input: SpanInput): MappedFields | null {
    const a = input.span.attributes;
    if (!hasKeyMatching(a, isOiKey)) return null;
    const finish = str(a['llm.finish_reason']);
    const kind = spanKind(a);
    const out = outputs(a);
    return compact({
      span_type: kind,
      inputs: inputs(a),
      outputs: out,
      input_messages: oiMessages(a, 'llm.input_messages.', 'user') ?? oiPromptMessages(a),
      output_messages: oiMessages(a, 'llm.output_messages.', 'assistant') ?? oiChoiceMessages(a),
      request_model:
        str(a['llm.request.model_name']) ??
        str(a['llm.model_name']) ??
        str(a['embedding.model_name']) ??
        str(a['reranker.model_name']),
      response_model: str(a['llm.response.model_name']) ?? str(a['llm.model_name']),
      provider: providerName(a['llm.provider']) ?? providerName(a['llm.system']),
      ...oiTokens(a),
      finish_reasons: finish !== null ? [finish] : null,
      request_params: requestParams(a),
      // Agent and tool spans made with the tracer's decorators (@tracer.agent, traceTool) are named after it.
      tool_name:
        str(a['tool.name']) ??
        str(a['tool_call.function.name']) ??
        (kind === 'TOOL' ? input.span.name : null),
      tool_call_id:
        str(a['tool.id']) ?? str(a['tool_call.id']) ?? (kind === 'TOOL' ? outputToolCallId(out) : null),
      agent_name: str(a['agent.name']) ?? (kind === 'AGENT' ? input.span.name : null),
      session_id: sessionId(a),
      user_id: str(a['user.id']),
      trace_metadata: nonEmpty(metadataObject(a.metadata, 'metadata')),
      trace_tags: labelTags(a['tag.tags']),
    });
  },
};
