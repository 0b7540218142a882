/**
 * Query-string and path validation for the read API. Everything a client sends is untrusted: each parameter is
 * checked for presence (no repeats unless repeatable), length, form and range here, so a bad value is a 400 that
 * names the parameter and never reaches the database (where it could fail as a 500). Unknown parameters are
 * refused too: a typo in a filter must not silently widen the result.
 */
import type { TraceState } from '../store/read/rows.js';
import type { ListCursor } from '../store/read/trace-list.js';

export class BadRequest extends Error {}

const STATES: readonly string[] = ['OK', 'ERROR', 'IN_PROGRESS'];

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
const MAX_TEXT = 200;
const MAX_ID = 1000;
const MAX_TAGS = 10;
// Years 1–9999: what both JavaScript dates and Postgres timestamptz hold.
const MIN_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The parameters of one request, each read once; `done()` refuses the ones nobody read. */
export class Params {
  private readonly read = new Set<string>();
  constructor(private readonly search: URLSearchParams) {}

  private values(name: string): string[] {
    this.read.add(name);
    const all = this.search.getAll(name);
    for (const v of all) {
      // Postgres text cannot hold U+0000; nothing legitimate sends it.
      if (v.includes('\u0000')) throw new BadRequest(`${name} must not contain U+0000`);
    }
    return all;
  }

  one(name: string, maxLength = MAX_TEXT): string | null {
    const all = this.values(name);
    if (all.length === 0) return null;
    if (all.length > 1) throw new BadRequest(`${name} may be given once`);
    const v = all[0]!;
    if (v.length > maxLength) throw new BadRequest(`${name} is longer than ${maxLength} characters`);
    return v;
  }

  /** A non-empty value or null (an empty `?experiment=` is as if absent: what an HTML form sends). */
  text(name: string, maxLength = MAX_TEXT): string | null {
    const v = this.one(name, maxLength)?.trim();
    return v === undefined || v === '' ? null : v;
  }

  many(name: string, max: number, maxLength = MAX_TEXT): string[] {
    const all = this.values(name).filter((v) => v !== '');
    if (all.length > max) throw new BadRequest(`${name} may be given at most ${max} times`);
    for (const v of all) {
      if (v.length > maxLength) throw new BadRequest(`${name} is longer than ${maxLength} characters`);
    }
    return all;
  }

  state(): TraceState | null {
    const v = this.text('state');
    if (v === null) return null;
    const upper = v.toUpperCase();
    if (!STATES.includes(upper)) throw new BadRequest(`state must be one of ${STATES.join(', ')}`);
    return upper as TraceState;
  }

  bool(name: string): boolean {
    const v = this.text(name);
    if (v === null) return false;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new BadRequest(`${name} must be true or false`);
  }

  /** ISO-8601 (a date or a date-time) or Unix milliseconds. */
  time(name: string): Date | null {
    const v = this.text(name, 64);
    if (v === null) return null;
    const ms = /^-?\d{1,16}$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS || !/^[-+:.\dTZtz ]+$/.test(v)) {
      throw new BadRequest(`${name} must be an ISO-8601 time or Unix milliseconds`);
    }
    return new Date(ms);
  }

  number(name: string, min: number, max: number): number | null {
    const v = this.text(name, 32);
    if (v === null) return null;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || n < min || n > max) {
      throw new BadRequest(`${name} must be a number from ${min} to ${max}`);
    }
    return n;
  }

  limit(): number {
    const n = this.number('limit', 1, MAX_LIMIT);
    if (n !== null && !Number.isInteger(n)) throw new BadRequest('limit must be an integer');
    return n ?? DEFAULT_LIMIT;
  }

  cursor(): ListCursor | null {
    const v = this.text('cursor', 200);
    return v === null ? null : decodeCursor(v);
  }

  /** `key=value` pairs (the first `=` separates them). */
  tags(): { key: string; value: string }[] {
    return this.many('tag', MAX_TAGS).map((t) => {
      const eq = t.indexOf('=');
      if (eq <= 0) throw new BadRequest('tag must be key=value');
      return { key: t.slice(0, eq), value: t.slice(eq + 1) };
    });
  }

  traceIdPrefix(): string | null {
    const v = this.text('trace_id', 32);
    if (v === null) return null;
    if (!/^[0-9a-fA-F]{1,32}$/.test(v)) throw new BadRequest('trace_id must be 1 to 32 hex characters');
    return v.toLowerCase();
  }

  id(name: string): string | null {
    return this.text(name, MAX_ID);
  }

  /** Refuses parameters no one asked for. */
  done(): void {
    for (const name of new Set(this.search.keys())) {
      if (!this.read.has(name)) {
        throw new BadRequest(`unknown parameter ${JSON.stringify(name.slice(0, 64))}`);
      }
    }
  }
}

// A cursor is the last row's (start time in µs, trace id), base64url: opaque to clients, checked when it returns.
export function encodeCursor(c: ListCursor): string {
  return Buffer.from(`${c.startMicros}.${c.traceId}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): ListCursor {
  const text = /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, 'base64url').toString('utf8') : '';
  const m = /^(-?\d{1,17})\.([0-9a-f]{32})$/.exec(text);
  if (!m) throw new BadRequest('cursor is not one this API returned');
  const micros = Number(m[1]);
  if (micros < MIN_TIME_MS * 1000 || micros > MAX_TIME_MS * 1000) {
    throw new BadRequest('cursor is not one this API returned');
  }
  return { startMicros: m[1]!, traceId: m[2]! };
}

/** One path segment, percent-decoded; a malformed escape is a 400, not an exception. */
export function pathSegment(raw: string, what: string): string {
  let v: string;
  try {
    v = decodeURIComponent(raw);
  } catch {
    throw new BadRequest(`${what} is not valid percent-encoding`);
  }
  if (v === '' || v.length > MAX_ID) throw new BadRequest(`${what} must be 1 to ${MAX_ID} characters`);
  if (v.includes('\u0000')) throw new BadRequest(`${what} must not contain U+0000`);
  return v;
}

export function traceIdSegment(raw: string): string {
  const v = pathSegment(raw, 'trace id');
  if (!/^[0-9a-fA-F]{32}$/.test(v)) throw new BadRequest('a trace id is 32 hex characters');
  return v.toLowerCase();
}

export function spanIdSegment(raw: string): string {
  const v = pathSegment(raw, 'span id');
  if (!/^[0-9a-fA-F]{16}$/.test(v)) throw new BadRequest('a span id is 16 hex characters');
  return v.toLowerCase();
}
