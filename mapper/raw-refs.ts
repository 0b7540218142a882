/**
 * Content is stored once. A chat span's prompt arrives as an attribute (a JSON string) and is also mapped into
 * `inputs` / `outputs`; storing both would double the largest bytes of every span. So a large string attribute
 * whose text is exactly the serialization of a value in `inputs` or `outputs` is replaced by a reference saying
 * where that value is and how it was serialized:
 *
 *   { "$tracebridge_ref": "inputs", "path": ["messages"], "encoding": "json" }
 *
 * and expandRefs restores the original string byte for byte (remap, raw export). A reference is written only after
 * checking that expansion gives back exactly the original text, so the raw form stays lossless whatever the
 * client's JSON formatting; when no encoding reproduces it (say, Python's `1.0`), the attribute is kept as sent.
 */
import type { Attributes, AttrValue } from '../otlp/model.js';
import type { Json } from './types.js';
import { isObject } from './values.js';

export const REF_KEY = '$tracebridge_ref';

/** Below this many characters a reference saves nothing worth its bookkeeping. */
const MIN_REF_LENGTH = 256;

type Column = 'inputs' | 'outputs';
type Encoding = 'string' | 'json' | 'json-py' | 'json-py-ascii';

export interface MappedContent {
  inputs: Json;
  outputs: Json;
}

interface Ref {
  [REF_KEY]: Column;
  path: (string | number)[];
  encoding: Encoding;
}

function isRef(v: AttrValue): v is AttrValue & Ref {
  return (
    isObject(v) && typeof v[REF_KEY] === 'string' && Array.isArray(v.path) && typeof v.encoding === 'string'
  );
}

/** Python's json.dumps with its default separators; ensure_ascii escapes every non-ASCII character. */
function pythonDumps(v: Json, ascii: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return ascii
      ? s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      : s;
  }
  if (Array.isArray(v)) return `[${v.map((x) => pythonDumps(x, ascii)).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pythonDumps(k, ascii)}: ${pythonDumps(x as Json, ascii)}`)
    .join(', ')}}`;
}

function encode(v: Json, encoding: Encoding): string | null {
  switch (encoding) {
    case 'string':
      return typeof v === 'string' ? v : null;
    case 'json':
      return JSON.stringify(v);
    case 'json-py':
      return pythonDumps(v, false);
    case 'json-py-ascii':
      return pythonDumps(v, true);
  }
}

interface Candidate {
  column: Column;
  path: (string | number)[];
  value: Json;
  /** Serializations computed so far (each at most once per span). */
  encoded: Partial<Record<Encoding, string | null>>;
}

/** Candidate places a content attribute may have been mapped to: each column, and one level below it. */
function candidates(content: MappedContent): Candidate[] {
  const out: Candidate[] = [];
  for (const column of ['inputs', 'outputs'] as const) {
    const v = content[column];
    if (v === null || v === undefined) continue;
    out.push({ column, path: [], value: v, encoded: {} });
    if (isObject(v))
      for (const [k, x] of Object.entries(v)) out.push({ column, path: [k], value: x as Json, encoded: {} });
  }
  return out;
}

function encoded(c: Candidate, encoding: Encoding): string | null {
  let e = c.encoded[encoding];
  if (e === undefined) {
    e = encode(c.value, encoding);
    c.encoded[encoding] = e;
  }
  return e;
}

/**
 * The encoding that reproduces `text` from this candidate, or null. Ordered so that the common cases cost one
 * comparison: a plain string, then compact JSON; Python's spacing makes its text longer than the compact form,
 * and its ASCII escaping shows as backslash-u sequences, so those are only tried when the text can match.
 */
function matchingEncoding(text: string, c: Candidate): Encoding | null {
  if (typeof c.value === 'string') return c.value === text ? 'string' : null;
  if (c.value === null || typeof c.value !== 'object') return null;
  // The first character tells an array from an object: no need to serialize a candidate of the other kind.
  const first = text.charCodeAt(0);
  if (first === 0x5b /* [ */ ? !Array.isArray(c.value) : first !== 0x7b /* { */ || Array.isArray(c.value)) {
    return null;
  }
  const compact = encoded(c, 'json')!;
  if (compact === text) return 'json';
  if (text.length <= compact.length) return null;
  // Python's text has a known length: skip building it when the attribute's length already rules it out.
  const seps = separators(c.value);
  const pyLength = seps < 0 ? -1 : compact.length + seps;
  if ((pyLength < 0 || text.length === pyLength) && encoded(c, 'json-py') === text) return 'json-py';
  if (pyLength >= 0 && text.length < pyLength) return null; // ensure_ascii only lengthens it
  if (text.includes('\\u') && encoded(c, 'json-py-ascii') === text) return 'json-py-ascii';
  return null;
}

const MAX_COUNTED_DEPTH = 100;

/**
 * How many `,` and `:` separate items and keys in `v`'s JSON. Python's json.dumps puts a space after each and
 * otherwise writes plain JSON data exactly as JSON.stringify does (keys in the same order, the same string and
 * number forms), so its text is this much longer than the compact one. -1 when `v` is not plain JSON data (holes,
 * undefined, toJSON, class instances, …), where the two may differ in other ways, or nests deeper than
 * MAX_COUNTED_DEPTH (where pythonDumps may overflow the stack, as it always did): then nothing is ruled out.
 */
function separators(v: unknown, depth = 0): number {
  if (v === null) return 0;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return 0;
  if (t !== 'object' || depth >= MAX_COUNTED_DEPTH) return -1;
  if (Array.isArray(v)) {
    let n = v.length > 0 ? v.length - 1 : 0;
    for (let i = 0; i < v.length; i++) {
      const s = i in v ? separators(v[i], depth + 1) : -1;
      if (s < 0) return -1;
      n += s;
    }
    return n;
  }
  const proto = Object.getPrototypeOf(v);
  if (
    (proto !== Object.prototype && proto !== null) ||
    typeof (v as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return -1;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  let n = keys.length > 0 ? 2 * keys.length - 1 : 0;
  for (const k of keys) {
    const s = separators(o[k], depth + 1);
    if (s < 0) return -1;
    n += s;
  }
  return n;
}

function refFor(text: string, found: Candidate[]): Ref | null {
  for (const c of found) {
    const encoding = matchingEncoding(text, c);
    if (encoding) return { [REF_KEY]: c.column, path: c.path, encoding };
  }
  return null;
}

/**
 * JSON.stringify texts of `inputs` / `outputs` values, by identity, that refAttributes computed while comparing: the
 * COPY encoder reuses them instead of serializing the same content a second time.
 */
export type JsonTexts = Map<object, string>;

/**
 * Replaces large string attributes that repeat mapped content with references. With `texts`, also records there
 * the JSON text of each column value it had to serialize anyway (see recordTexts).
 */
export function refAttributes(attrs: Attributes, content: MappedContent, texts?: JsonTexts): Attributes {
  let out: Attributes | null = null;
  let found: Candidate[] | null = null;
  for (const key in attrs) {
    const v = attrs[key];
    if (typeof v !== 'string' || v.length < MIN_REF_LENGTH) continue;
    found ??= candidates(content);
    const ref = refFor(v, found);
    if (ref) {
      out ??= { ...attrs };
      out[key] = ref as unknown as AttrValue;
    }
  }
  if (texts && found) recordTexts(found, texts);
  return out ?? attrs;
}

/**
 * The text of each column root whose compact JSON is known: serialized whole, or composed from its entries when
 * at least one entry was serialized (the common `{"messages": […]}` shape, where the attribute matched one level
 * down). Composition follows JSON.stringify exactly for plain data: keys in Object.entries order (the candidates'
 * order), entries whose value has no JSON form left out.
 */
function recordTexts(found: Candidate[], texts: JsonTexts): void {
  for (const column of ['inputs', 'outputs'] as const) {
    const root = found.find((c) => c.column === column && c.path.length === 0);
    if (!root || !isObject(root.value)) continue;
    const whole = root.encoded.json;
    if (typeof whole === 'string') {
      texts.set(root.value, whole);
      continue;
    }
    const proto = Object.getPrototypeOf(root.value);
    // Only a plain object's JSON is the join of its entries' (a class instance or a toJSON may serialize otherwise).
    if ((proto !== Object.prototype && proto !== null) || typeof root.value.toJSON === 'function') continue;
    const entries = found.filter((c) => c.column === column && c.path.length === 1);
    if (!entries.some((c) => typeof c.encoded.json === 'string')) continue;
    let text = '{';
    for (const c of entries) {
      const value = c.encoded.json ?? JSON.stringify(c.value);
      if (typeof value !== 'string') continue;
      text += `${text.length > 1 ? ',' : ''}${JSON.stringify(c.path[0])}:${value}`;
    }
    texts.set(root.value, `${text}}`);
  }
}

function at(v: Json, path: (string | number)[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, Json>)[p as string];
  }
  return cur;
}

/** The attributes as they were sent: every reference replaced by the text it stands for. */
export function expandRefs(attrs: Attributes, content: MappedContent): Attributes {
  let out: Attributes | null = null;
  for (const [key, v] of Object.entries(attrs)) {
    if (!isRef(v)) continue;
    const value = at(content[v[REF_KEY]], v.path);
    const text = value === undefined ? null : encode(value, v.encoding);
    if (text === null) continue; // a dangling reference stays visible rather than becoming wrong content
    out ??= { ...attrs };
    out[key] = text;
  }
  return out ?? attrs;
}
