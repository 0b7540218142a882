/**
 * Mutations for the OTLP fuzz test, all driven by a seeded PRNG so a case is reproducible from (seed, case index):
 * byte-level (bit flips, interesting bytes, truncation, insertion, deletion, length-field corruption, duplicated
 * chunks, splicing with another payload) and structural JSON (wrong types, deleted or renamed keys, huge numbers,
 * weird unicode, deep nesting, duplicated array items). Every mutation keeps the payload small (MAX_MUTATED bytes).
 */
import Long from 'long';
import { randInt } from './load.js';

export type Rand = () => number;

/** Upper bound on a mutated payload, so the fuzz stays fast and its memory small. */
export const MAX_MUTATED = 48 * 1024;

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x7f, 0x80, 0xff];

/** A random protobuf varint: small, near a power of two, or huge (up to the 10-byte maximum). */
function randomVarint(rand: Rand): number[] {
  const kind = randInt(rand, 0, 3);
  let v: bigint =
    kind === 0
      ? BigInt(randInt(rand, 0, 300))
      : kind === 1
        ? (1n << BigInt(randInt(rand, 1, 63))) + BigInt(randInt(rand, -2, 2))
        : kind === 2
          ? 0xffffffffffffffffn
          : BigInt(randInt(rand, 0, 2 ** 31));
  if (v < 0n) v = 0n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n && out.length < 10);
  return out;
}

type ByteMutator = (rand: Rand, b: Uint8Array, other: Uint8Array) => Uint8Array;

const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

export const BYTE_MUTATORS: Record<string, ByteMutator> = {
  bitFlip(rand, b) {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    for (let n = randInt(rand, 1, 8); n > 0; n--)
      out[randInt(rand, 0, out.length - 1)]! ^= 1 << randInt(rand, 0, 7);
    return out;
  },
  interestingByte(rand, b) {
    if (b.length === 0) return Uint8Array.of(pick(rand, INTERESTING_BYTES));
    const out = Uint8Array.from(b);
    out[randInt(rand, 0, out.length - 1)] = pick(rand, INTERESTING_BYTES);
    return out;
  },
  truncate(rand, b) {
    return b.subarray(0, randInt(rand, 0, Math.max(0, b.length - 1)));
  },
  insertBytes(rand, b) {
    const at = randInt(rand, 0, b.length);
    const ins = Uint8Array.from({ length: randInt(rand, 1, 16) }, () => randInt(rand, 0, 255));
    return concat(b.subarray(0, at), ins, b.subarray(at));
  },
  deleteRange(rand, b) {
    if (b.length === 0) return b;
    const at = randInt(rand, 0, b.length - 1);
    return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + randInt(rand, 1, 16))));
  },
  /** Replaces the length varint after a length-delimited field tag (wire type 2) with a random one. */
  corruptLength(rand, b) {
    const tags: number[] = [];
    for (let i = 0; i + 1 < b.length; i++) if ((b[i]! & 7) === 2 && b[i]! >= 0x0a) tags.push(i);
    if (tags.length === 0) return BYTE_MUTATORS.bitFlip!(rand, b, b);
    const at = pick(rand, tags) + 1;
    let end = at;
    while (end < b.length && b[end]! & 0x80) end++;
    end = Math.min(b.length, end + 1);
    const len = rand() < 0.5 ? randomVarint(rand) : [Math.max(0, b[at]! + randInt(rand, -3, 3)) & 0x7f];
    return concat(b.subarray(0, at), Uint8Array.from(len), b.subarray(end));
  },
  /** Rewrites a field tag's wire type (e.g. a string field read as a varint or fixed64). */
  corruptTag(rand, b) {
    const tags: number[] = [];
    for (let i = 0; i < b.length; i++) if ((b[i]! & 7) === 2 && b[i]! >= 0x0a && b[i]! < 0x80) tags.push(i);
    if (tags.length === 0) return BYTE_MUTATORS.interestingByte!(rand, b, b);
    const out = Uint8Array.from(b);
    const at = pick(rand, tags);
    out[at] = (out[at]! & ~7) | pick(rand, [0, 1, 3, 4, 5, 6, 7]);
    return out;
  },
  duplicateChunk(rand, b) {
    if (b.length === 0) return b;
    const from = randInt(rand, 0, b.length - 1);
    const chunk = b.subarray(from, Math.min(b.length, from + randInt(rand, 1, 256)));
    const at = randInt(rand, 0, b.length);
    let out = concat(b.subarray(0, at), chunk, b.subarray(at));
    for (let n = randInt(rand, 0, 3); n > 0 && out.length + chunk.length < MAX_MUTATED; n--)
      out = concat(out.subarray(0, at), chunk, out.subarray(at));
    return out;
  },
  /** A prefix of this payload followed by a suffix of another valid one. */
  splice(rand, b, other) {
    return concat(b.subarray(0, randInt(rand, 0, b.length)), other.subarray(randInt(rand, 0, other.length)));
  },
};

/** 1–3 stacked byte mutations; returns the bytes and the names of what was applied. */
export function mutateBytes(
  rand: Rand,
  b: Uint8Array,
  other: Uint8Array,
): { bytes: Uint8Array; ops: string[] } {
  const names = Object.keys(BYTE_MUTATORS);
  const ops: string[] = [];
  let out = b;
  for (let n = randInt(rand, 1, 3); n > 0; n--) {
    const name = pick(rand, names);
    ops.push(name);
    out = BYTE_MUTATORS[name]!(rand, out, other);
    if (out.length > MAX_MUTATED) out = out.subarray(0, MAX_MUTATED);
  }
  return { bytes: out, ops };
}

// ---- structural JSON mutations ----

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
type Container = JsonValue[] | { [k: string]: JsonValue };

export const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000\u0000',
  '\ud800',
  '\udfff',
  'x\udc00y',
  '\ud83d\ude00',
  '\ud83d',
  '\u202eevil',
  '\ufeff',
  '\uffff',
  '\ufffd',
  'e\u0301\u0301\u0301',
  '𝕳𝖊𝖑𝖑𝖔',
  'ǅ',
  '\u2028\u2029',
  '\\',
  '"',
  "'; DROP TABLE spans; --",
  '%s%n%x',
  '#{7*7} {{7*7}}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'NaN',
  'Infinity',
  '-0',
  '0x10',
  '1e999',
  ' 12',
  '18446744073709551616',
  '-9223372036854775809',
  '9223372036854775807',
  '00000000000000000000000000000000',
  'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ',
  'AAAAAAAAAAAAAAAAAAAAAA==',
  'not-base64!!',
  'x'.repeat(5000),
];

export const WEIRD_VALUES: JsonValue[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.0,
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  2 ** 64,
  -(2 ** 63),
  1e308,
  -1e308,
  5e-324,
  [],
  {},
  [null],
  { '': null },
  { stringValue: 'x' },
  { intValue: '1' },
  { arrayValue: {} },
  { kvlistValue: { values: [{ key: 'k' }] } },
  ...WEIRD_STRINGS,
];

/** Every container and key/index in the document (bounded), for picking a random place to mutate. */
function places(doc: JsonValue, limit = 2000): { parent: Container; key: string | number }[] {
  const out: { parent: Container; key: string | number }[] = [];
  const stack: JsonValue[] = [doc];
  while (stack.length > 0 && out.length < limit) {
    const v = stack.pop()!;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        stack.push(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ parent: v, key: k });
        stack.push(x);
      }
    }
  }
  return out;
}

function get(p: { parent: Container; key: string | number }): JsonValue {
  return (p.parent as Record<string | number, JsonValue>)[p.key]!;
}
function set(p: { parent: Container; key: string | number }, v: JsonValue): void {
  (p.parent as Record<string | number, JsonValue>)[p.key] = v;
}

function nest(rand: Rand, depth: number): JsonValue {
  let v: JsonValue = { stringValue: 'deep' };
  for (let i = 0; i < depth; i++)
    v =
      rand() < 0.5
        ? { kvlistValue: { values: [{ key: `d${i}`, value: v }] } }
        : { arrayValue: { values: [v] } };
  return v;
}

const JSON_MUTATORS: Record<string, (rand: Rand, doc: JsonValue) => void> = {
  wrongType(rand, doc) {
    const ps = places(doc);
    if (ps.length) set(pick(rand, ps), structuredClone(pick(rand, WEIRD_VALUES)));
  },
  deleteKey(rand, doc) {
    const ps = places(doc).filter((p) => !Array.isArray(p.parent));
    if (ps.length) {
      const p = pick(rand, ps);
      delete (p.parent as Record<string, JsonValue>)[p.key as string];
    }
  },
  renameKey(rand, doc) {
    const ps = places(doc).filter((p) => !Array.isArray(p.parent));
    if (!ps.length) return;
    const p = pick(rand, ps);
    const obj = p.parent as Record<string, JsonValue>;
    const v = obj[p.key as string]!;
    delete obj[p.key as string];
    const k = p.key as string;
    obj[rand() < 0.5 ? pick(rand, WEIRD_STRINGS) : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  },
  weirdString(rand, doc) {
    const ps = places(doc).filter((p) => typeof get(p) === 'string');
    if (ps.length) {
      const p = pick(rand, ps);
      const s = get(p) as string;
      const w = pick(rand, WEIRD_STRINGS);
      set(
        p,
        rand() < 0.5
          ? w
          : `${s.slice(0, randInt(rand, 0, s.length))}${w}${s.slice(randInt(rand, 0, s.length))}`,
      );
    }
  },
  hugeNumber(rand, doc) {
    const ps = places(doc).filter((p) => typeof get(p) === 'number' || /^-?\d+$/.test(String(get(p))));
    if (ps.length) {
      const p = pick(rand, ps);
      const v = pick(rand, [2 ** 64, -1, 1e308, 1.5, -(2 ** 63), 4294967296, 4294967295, 2147483648]);
      set(
        p,
        rand() < 0.5
          ? v
          : rand() < 0.5
            ? String(v)
            : pick(rand, ['99999999999999999999999', '-1', '1e3', '0x10', '1.5']),
      );
    }
  },
  duplicateItem(rand, doc) {
    const ps = places(doc).filter((p) => Array.isArray(p.parent));
    if (ps.length) {
      const p = pick(rand, ps);
      const arr = p.parent as JsonValue[];
      for (let n = randInt(rand, 1, 4); n > 0; n--) arr.push(structuredClone(arr[p.key as number]!));
    }
  },
  deepNesting(rand, doc) {
    const ps = places(doc).filter((p) => p.key === 'value');
    if (ps.length) set(pick(rand, ps), nest(rand, pick(rand, [10, 40, 63, 64, 65, 100, 200])));
  },
  wrapInArray(rand, doc) {
    const ps = places(doc);
    if (ps.length) {
      const p = pick(rand, ps);
      set(p, [get(p)]);
    }
  },
};

/** 1–3 stacked structural mutations of a parsed OTLP/JSON document (mutated in place). */
export function mutateJson(rand: Rand, doc: JsonValue): string[] {
  const names = Object.keys(JSON_MUTATORS);
  const ops: string[] = [];
  for (let n = randInt(rand, 1, 3); n > 0; n--) {
    const name = pick(rand, names);
    ops.push(name);
    JSON_MUTATORS[name]!(rand, doc);
  }
  return ops;
}

export type { JsonValue };

// ---- value mutations of a decoded protobuf message (protobufjs objects), re-encoded by the caller ----

const LONGS = [
  Long.UZERO,
  Long.fromString('18446744073709551615', true),
  Long.fromString('9223372036854775807', true),
  Long.fromString('9223372036854775808', true),
  Long.fromNumber(1),
  Long.fromString('4102444800000000000', true), // 2100-01-01
];
const NUMBERS = [
  0,
  1,
  -1,
  7,
  99,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1e308,
];
const ID_LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 32];

interface Leaf {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  value: unknown;
}

function leaves(root: unknown, limit = 4000): Leaf[] {
  const out: Leaf[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0 && out.length < limit) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || Long.isLong(v)) continue;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries) {
      if (x === null || x === undefined) continue;
      if (typeof x === 'object' && !(x instanceof Uint8Array) && !Long.isLong(x)) stack.push(x);
      else out.push({ parent: v as Record<string, unknown>, key: k, value: x });
    }
  }
  return out;
}

/** 1–3 leaf values of a decoded message replaced by extreme values of the same wire type (in place). */
export function mutateMessage(rand: Rand, message: unknown): string[] {
  const ls = leaves(message);
  const ops: string[] = [];
  for (let n = randInt(rand, 1, 3); n > 0 && ls.length > 0; n--) {
    const leaf = pick(rand, ls);
    const parent = leaf.parent as Record<string | number, unknown>;
    const v = leaf.value;
    if (typeof v === 'string') {
      parent[leaf.key] = pick(rand, WEIRD_STRINGS);
      ops.push(`string:${leaf.key}`);
    } else if (Long.isLong(v)) {
      parent[leaf.key] = pick(rand, LONGS);
      ops.push(`long:${leaf.key}`);
    } else if (typeof v === 'number') {
      parent[leaf.key] = pick(rand, NUMBERS);
      ops.push(`number:${leaf.key}`);
    } else if (typeof v === 'boolean') {
      parent[leaf.key] = !v;
      ops.push(`bool:${leaf.key}`);
    } else if (v instanceof Uint8Array) {
      const len = pick(rand, ID_LENGTHS);
      parent[leaf.key] =
        rand() < 0.3
          ? Buffer.alloc(len)
          : Buffer.from(Array.from({ length: len }, () => randInt(rand, 0, 255)));
      ops.push(`bytes:${leaf.key}`);
    }
  }
  return ops;
}
