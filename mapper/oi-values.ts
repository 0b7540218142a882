/**
 * OpenInference structured values other than messages: input.value / output.value with their mime types,
 * documents (retrieval / reranker), embeddings, tool definitions, invocation parameters and token counts.
 */

import type { Attributes, AttrValue } from '../otlp/model.js';
import { flatList, present } from './flat-messages.js';
import { compact, firstInt } from './genai-common.js';
import type { Json, MappedFields } from './types.js';
import { isObject, jsonish, jsonValue, str } from './values.js';

type JsonObject = { [key: string]: Json };

/**
 * input.value / output.value by their mime type: application/json is decoded (a JSON string value becomes the
 * string it encodes; invalid JSON stays the raw text); text/plain stays text. Without a mime type (the spec's
 * default is text) a value that is JSON of an object or array is still decoded, since many instrumentations
 * send JSON without saying so; any other text stays as it is.
 */
export function oiValue(value: AttrValue | undefined, mime: AttrValue | undefined): Json | undefined {
  if (value === undefined || value === null) return undefined;
  const m = str(mime)?.toLowerCase() ?? '';
  if (m.includes('json')) return jsonValue(value);
  if (m.startsWith('text/')) return typeof value === 'string' ? value : JSON.stringify(value);
  return jsonish(value);
}

/** `<prefix>N.document.{id, content, score, metadata}` → [{id, content, score, metadata}] (metadata decoded). */
export function oiDocuments(attrs: Attributes, prefix: string): Json[] | null {
  const docs = flatList(attrs, prefix)
    .map((d) => (isObject(d) && isObject(d.document) ? d.document : null))
    .filter((d): d is JsonObject => d !== null)
    .map((d) =>
      compact({ ...d, metadata: present(d.metadata as AttrValue) ? jsonish(d.metadata) : undefined }),
    );
  return docs.length ? (docs as Json[]) : null;
}

/** embedding.embeddings.N.embedding.{text, vector} → the texts (inputs) and the vectors (outputs). */
export function oiEmbeddings(attrs: Attributes): { texts: Json[] | null; vectors: Json[] | null } {
  const items = flatList(attrs, 'embedding.embeddings.').map((e) =>
    isObject(e) && isObject(e.embedding) ? e.embedding : {},
  );
  const texts = items.map((e) => e.text).filter((t): t is Json => t !== undefined && t !== null);
  const vectors = items.map((e) => e.vector).filter((v): v is Json => v !== undefined && v !== null);
  return { texts: texts.length ? texts : null, vectors: vectors.length ? vectors : null };
}

/** llm.tools.N.tool.json_schema (decoded) — or {name, description} when only those are sent. */
export function oiTools(attrs: Attributes): Json[] | null {
  const tools = flatList(attrs, 'llm.tools.')
    .map((t) => (isObject(t) && isObject(t.tool) ? t.tool : null))
    .filter((t): t is JsonObject => t !== null)
    .map((t) =>
      t.json_schema !== undefined ? (jsonish(t.json_schema) as Json) : (compact({ ...t }) as Json),
    );
  return tools.length ? tools : null;
}

/** An invocation-parameters attribute: its keys when it is (JSON of) an object, else kept whole under `key`. */
export function invocationParams(v: AttrValue | undefined, key: string): JsonObject {
  if (!present(v)) return {};
  const d = jsonish(v);
  return isObject(d) ? { ...d } : { [key]: d ?? null };
}

/** llm.token_count.* → token columns. */
export function oiTokens(a: Attributes): MappedFields {
  return compact({
    input_tokens: firstInt(a, 'llm.token_count.prompt'),
    output_tokens: firstInt(a, 'llm.token_count.completion'),
    total_tokens: firstInt(a, 'llm.token_count.total'),
    cache_read_tokens: firstInt(
      a,
      'llm.token_count.prompt_details.cache_read',
      'llm.token_count.prompt_details.cache_input',
    ),
    cache_write_tokens: firstInt(a, 'llm.token_count.prompt_details.cache_write'),
    reasoning_tokens: firstInt(a, 'llm.token_count.completion_details.reasoning'),
  });
}
