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
import type { Attributes, AttrValue } from './otlp.js';
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

const ENCODINGS: Encoding[] = ['string', 'json', 'json-py', 'json-py-ascii'];

/** Candidate places a content attribute may have been mapped to: each column, and one level below it. */
function* candidates(
  content: MappedContent,
): Generator<{ column: Column; path: (string | number)[]; value: Json }> {
  for (const column of ['inputs', 'outputs'] as const) {
    const v = content[column];
    if (v === null || v === undefined) continue;
    yield { column, path: [], value: v };
    if (isObject(v)) for (const [k, x] of Object.entries(v)) yield { column, path: [k], value: x as Json };
  }
}

function refFor(text: string, content: MappedContent): Ref | null {
  for (const c of candidates(content)) {
    for (const encoding of ENCODINGS) {
      if (encode(c.value, encoding) === text) return { [REF_KEY]: c.column, path: c.path, encoding };
    }
  }
  return null;
}

/** Replaces large string attributes that repeat mapped content with references. */
export function refAttributes(attrs: Attributes, content: MappedContent): Attributes {
  let out: Attributes | null = null;
  for (const [key, v] of Object.entries(attrs)) {
    if (typeof v !== 'string' || v.length < MIN_REF_LENGTH) continue;
    const ref = refFor(v, content);
    if (ref) {
      out ??= { ...attrs };
      out[key] = ref as unknown as AttrValue;
    }
  }
  return out ?? attrs;
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
