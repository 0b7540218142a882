/** Small conversions shared by the protobuf and JSON decoders, so both give identical values. */
import type { Attributes, AttrValue } from './model.js';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of the bytes ('' for none). A lookup table beats Buffer#toString for 8-16 byte ids. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Canonical (padded, standard alphabet) base64, so JSON's url-safe or unpadded forms match protobuf's. */
export function normalizeBase64(text: string): string {
  return Buffer.from(text, 'base64').toString('base64');
}

/** Sets an attribute so that a key of "__proto__" is stored as data, not as the object's prototype. */
export function setAttr(target: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const TWO_32 = 4294967296;

/** An unsigned 64-bit value given as its 32-bit halves (as Long holds them) → exact bigint. */
export function u64ToBigInt(high: number, low: number): bigint {
  const hi = high >>> 0;
  // Below 2^53 the double is exact and one BigInt() is cheaper than bigint arithmetic.
  if (hi < 0x200000) return BigInt(hi * TWO_32 + (low >>> 0));
  return (BigInt(hi) << 32n) | BigInt(low >>> 0);
}

/** A signed 64-bit value given as its halves → number when safe, else its decimal string (AttrValue rule). */
export function i64ToAttr(high: number, low: number): number | string {
  const n = (high | 0) * TWO_32 + (low >>> 0);
  if (Number.isSafeInteger(n)) return n;
  return BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)).toString();
}

/** A bigint int64 → number when safe, else its decimal string (AttrValue rule). */
export function bigIntToAttr(value: bigint): number | string {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value.toString();
}
