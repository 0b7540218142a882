/** Small pure helpers for reading attribute values. Shared by every convention file. */
import type { Attributes, AttrValue } from '../otlp/model.js';
import type { Json } from './types.js';

/** A non-empty string, or null. Numbers and booleans are stringified (ids sometimes arrive as ints). */
export function str(v: AttrValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** A finite integer count, or null. Accepts numeric strings (OTLP/JSON int64 and JSON-encoded usage). */
export function int(v: AttrValue | undefined): number | null {
  let n: number | null = null;
  if (typeof v === 'number') n = Math.trunc(v);
  else if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) n = Math.trunc(Number(v));
  // Counts past 2^53 are not real token counts and would lose digits (or overflow bigint columns): not reported.
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

/**
 * A lookup in a constant table keyed by attribute text. Only the table's own keys count: an attribute value such
 * as "constructor" must not find Object.prototype's members.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string | null | undefined): T | undefined {
  return key != null && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A finite number, or null. */
export function num(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function isObject(v: unknown): v is { [key: string]: AttrValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decode a value that may be JSON-encoded, exactly once: a string that parses as a JSON object or array becomes
 * that value; any other string (including one that merely looks like a JSON scalar, e.g. "42") stays a string;
 * structured values are returned as they are. Invalid JSON is kept as the raw string, never lost.
 */
export function jsonish(v: AttrValue | undefined): Json | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return v;
  const t = v.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return v;
  try {
    return JSON.parse(v) as Json;
  } catch {
    return v;
  }
}

/**
 * Like jsonish, but also decodes JSON scalars ("\"hello\"" → "hello", "3" → 3). For attributes that are defined
 * as always JSON-encoded (MLflow's mlflow.spanInputs / spanOutputs), where a bare string is itself JSON.
 */
export function jsonValue(v: AttrValue | undefined): Json | undefined {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as Json;
  } catch {
    return v;
  }
}

/** Strings of a string array attribute (or a single string, or a JSON-encoded array). */
export function strList(v: AttrValue | undefined): string[] | null {
  const d = jsonish(v);
  if (Array.isArray(d)) {
    const out = d.map((x) => str(x)).filter((x): x is string => x !== null);
    return out.length ? out : null;
  }
  const s = str(d as AttrValue);
  return s === null ? null : [s];
}

/** Attributes whose key starts with `prefix`, with the prefix removed. */
export function withPrefix(attrs: Attributes, prefix: string): Attributes {
  const out: Attributes = {};
  // Attributes are plain objects (own keys only): for-in, without Object.entries' pair per key.
  for (const k in attrs) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = attrs[k] as AttrValue;
  return out;
}

/**
 * Rebuild a tree from flattened keys (`0.message.role` → [{message:{role}}]): the shape OpenInference and
 * OpenLLMetry use for message lists. Numeric segments become array indexes (holes are dropped).
 */
export function unflatten(flat: Attributes): Json {
  const root: { [k: string]: Json } = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node: { [k: string]: Json } = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = node[p];
      if (!isObject(next)) node[p] = {};
      node = node[p] as { [k: string]: Json };
    }
    node[parts[parts.length - 1]!] = value;
  }
  return arrayify(root);
}

function arrayify(v: Json): Json {
  if (!isObject(v)) return v;
  const keys = Object.keys(v);
  const out: { [k: string]: Json } = {};
  for (const k of keys) out[k] = arrayify(v[k] as Json);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => out[String(i)] as Json);
  }
  return out;
}

/** Text of a value for display: strings as they are, anything else as compact JSON. */
export function toText(v: Json | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
