/**
 * Postgres text and jsonb reject U+0000, jsonb rejects lone surrogates when they are written as \u escapes, and
 * JSON has no NaN / Infinity.
 * Every string that reaches a row passes through here. Replacement is documented in docs/schema.md:
 * U+0000 → U+FFFD, a lone surrogate → U+FFFD (what TextDecoder does with invalid UTF-8, so all three cases look
 * the same to a reader).
 */
import type { Json } from './types.js';

// Matches NUL and any surrogate that is not part of a valid pair.
const ALL_BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// String#isWellFormed (ES2024, Node ≥ 20; the TS lib here is ES2023) is false exactly when a lone surrogate is
// present, and answers without scanning for one-byte strings, which cannot hold surrogates.
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

/** Neither U+0000 nor a lone surrogate: the common case, two native scans and no regex. */
function isClean(s: string): boolean {
  return s.indexOf('\u0000') === -1 && isWellFormed.call(s);
}

export function cleanString(s: string): string {
  return isClean(s) ? s : s.replace(ALL_BAD, '\uFFFD');
}

/** Deep-cleans keys and string values. Returns the same object when nothing needed cleaning (no copies). */
export function cleanJson<T extends Json | undefined>(v: T): T {
  if (typeof v === 'string') return cleanString(v) as T;
  // JSON (and so jsonb) has no NaN or ±Infinity: keep them as the strings OTLP/JSON uses for them.
  if (typeof v === 'number') return (Number.isFinite(v) ? v : String(v)) as T;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: Json[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const c = cleanJson(v[i] as Json);
      if (c !== v[i]) {
        out ??= v.slice();
        out[i] = c;
      }
    }
    return (out ?? v) as T;
  }
  const obj = v as { [k: string]: Json };
  let out: { [k: string]: Json } | null = null;
  for (const k in obj) {
    const val = obj[k] as Json;
    const ck = cleanString(k);
    const cv = cleanJson(val);
    if (out === null && (ck !== k || cv !== val)) {
      // First change: copy what was visited so far, unchanged, then continue into the copy.
      out = {};
      for (const prev in obj) {
        if (prev === k) break;
        out[prev] = obj[prev] as Json;
      }
    }
    if (out !== null) out[ck] = cv;
  }
  return (out ?? v) as T;
}
