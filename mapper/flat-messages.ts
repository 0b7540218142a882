/**
 * Helpers shared by the framework conventions (OpenInference, OpenLLMetry, Vercel AI, Langfuse, Google ADK):
 * flattened attribute lists (`llm.input_messages.0.message.role`, `gen_ai.prompt.0.role`) rebuilt into objects,
 * and the tag / metadata shapes those frameworks send.
 */

import type { Attributes, AttrValue } from '../otlp/model.js';
import { normalizeMessage } from './genai-messages.js';
import type { ChatMessage, Json } from './types.js';
import { isObject, jsonish, str, strList, unflatten, withPrefix } from './values.js';

type JsonObject = { [key: string]: Json };

/** Items of the flattened list under `prefix` (`<prefix>0.role`, `<prefix>1.role`, …) in index order; [] if none. */
export function flatList(attrs: Attributes, prefix: string): Json[] {
  const indexed: Attributes = {};
  // Only `<index>` and `<index>.…` keys are items; anything else under the prefix is not part of the list.
  for (const [k, v] of Object.entries(withPrefix(attrs, prefix))) if (/^\d+(\.|$)/.test(k)) indexed[k] = v;
  if (Object.keys(indexed).length === 0) return [];
  const tree = unflatten(indexed);
  return Array.isArray(tree) ? tree : [];
}

/**
 * `key.startsWith(p)` for any of a fixed list of prefixes, with the prefixes grouped by first character once, so
 * most keys cost one array lookup instead of a comparison per prefix. For the marker lists conventions test every
 * span against (built at module load, never changed after).
 */
export function prefixTest(prefixes: readonly string[]): (key: string) => boolean {
  if (prefixes.includes('')) return () => true;
  // Indexed by the first UTF-16 unit; a key starting with a unit no prefix starts with finds undefined.
  const byFirst: (string[] | undefined)[] = [];
  for (const p of prefixes) {
    const c = p.charCodeAt(0);
    byFirst[c] = [...(byFirst[c] ?? []), p];
  }
  return (key) => {
    const group = byFirst[key.charCodeAt(0)];
    if (group === undefined) return false;
    for (const p of group) if (key.startsWith(p)) return true;
    return false;
  };
}

/** True when any attribute key passes `test` (a prefixTest). */
export function hasKeyMatching(attrs: Attributes, test: (key: string) => boolean): boolean {
  for (const k in attrs) if (test(k)) return true;
  return false;
}

/** A present, non-empty attribute value ('' and null count as absent). */
export function present(v: AttrValue | undefined): v is Exclude<AttrValue, null> {
  return v !== undefined && v !== null && v !== '';
}

/**
 * A list of bare labels (OpenInference tag.tags, Langfuse trace tags) → trace tags. A label has no value of its
 * own, so each becomes `{label: 'true'}`: the key is what is searched for, and 'true' (unlike '') is never taken
 * for "absent" by code that treats empty strings as missing.
 */
export function labelTags(v: AttrValue | undefined): Record<string, string> | null {
  const labels = strList(v);
  if (!labels) return null;
  const out: Record<string, string> = {};
  for (const l of labels) out[l] = 'true';
  return out;
}

/** String-valued tags from `<prefix><key>` attributes; non-string values become compact JSON. */
export function prefixedTags(attrs: Attributes, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(withPrefix(attrs, prefix))) {
    if (k === '' || !present(v)) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** `<prefix><key>` attributes → metadata entries (values decoded once when they are JSON objects / arrays). */
export function prefixedMetadata(
  attrs: Attributes,
  prefix: string,
  skip: readonly string[] = [],
): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(withPrefix(attrs, prefix))) {
    if (k === '' || skip.includes(k) || !present(v)) continue;
    out[k] = jsonish(v) as Json;
  }
  return out;
}

/**
 * A whole-object metadata attribute (OpenInference `metadata`, Langfuse non-dict metadata): its keys when it is
 * (JSON of) an object; otherwise the value is kept under `fallbackKey` so nothing is lost.
 */
export function metadataObject(v: AttrValue | undefined, fallbackKey: string): JsonObject {
  if (!present(v)) return {};
  const d = jsonish(v);
  if (isObject(d)) return { ...d };
  return d === undefined ? {} : { [fallbackKey]: d };
}

/** Lower-cased role, or null. */
export function roleOf(v: Json | undefined): string | null {
  return (
    str(v as AttrValue)
      ?.trim()
      .toLowerCase() || null
  );
}

/**
 * Content that is JSON text of a parts list ([{type:'text', text}, {type:'image_url', …}], Anthropic blocks) →
 * that list; any other text (including a user message that merely looks like JSON) stays as it is.
 */
export function partsOrText(v: Json | undefined): Json | undefined {
  if (typeof v !== 'string') return v;
  const d = jsonish(v);
  const isParts =
    Array.isArray(d) && d.length > 0 && d.every((p) => isObject(p) && typeof p.type === 'string');
  return isParts ? d : v;
}

/**
 * OpenLLMetry indexed messages (`gen_ai.prompt.N.*`, `gen_ai.completion.N.*`): {role, content, name,
 * tool_call_id, finish_reason, tool_calls.J.{id, name, arguments}, function_call.{name, arguments}} → ChatMessage[].
 */
export function indexedMessages(
  attrs: Attributes,
  prefix: string,
  defaultRole: string,
): ChatMessage[] | null {
  const out: ChatMessage[] = [];
  for (const item of flatList(attrs, prefix)) {
    if (!isObject(item)) continue;
    const m: JsonObject = { ...item, role: roleOf(item.role) ?? defaultRole };
    const content = partsOrText(item.content);
    if (content !== undefined) m.content = content;
    else if (item.tool_calls === undefined && item.function_call === undefined) m.content = '';
    out.push(...normalizeMessage(m, defaultRole));
  }
  return out.length ? out : null;
}
