/**
 * API keys for both receivers. Keys come from TRACEBRIDGE_API_KEYS (comma-separated) and/or a keys file, one key per
 * entry, optionally limited to named experiments:
 *
 *   TRACEBRIDGE_API_KEYS="k-ops,k-team-a=agents-prod|agents-staging"
 *   keys file: one `key [experiment ...]` per line, `#` comments
 *
 * A request presents `Authorization: Bearer <key>` or `x-api-key: <key>`. Keys are compared as SHA-256 digests with
 * timingSafeEqual against every configured key (no early exit), so timing reveals neither a key nor its prefix, and
 * the keys themselves are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface ApiKeyEntry {
  key: string;
  /** null = every experiment. */
  experiments: string[] | null;
}

export type AuthResult =
  | { ok: true; allowedExperiments: ReadonlySet<string> | null }
  | { ok: false; reason: 'missing' | 'invalid' };

interface StoredKey {
  digest: Buffer;
  allowed: ReadonlySet<string> | null;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Parses the env form: `key` or `key=exp1|exp2`, comma-separated. */
export function parseApiKeysEnv(value: string): ApiKeyEntry[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      if (eq < 0) return { key: entry, experiments: null };
      const experiments = entry
        .slice(eq + 1)
        .split('|')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      return { key: entry.slice(0, eq).trim(), experiments };
    });
}

/** Parses the file form: `key [experiment ...]` per line. */
export function parseApiKeysFile(text: string): ApiKeyEntry[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .map((line) => {
      const [key, ...experiments] = line.split(/\s+/);
      return { key: key!, experiments: experiments.length ? experiments : null };
    });
}

export class ApiKeys {
  private readonly keys: StoredKey[];

  constructor(entries: ApiKeyEntry[]) {
    this.keys = entries.map((e) => ({
      digest: digest(e.key),
      allowed: e.experiments ? new Set(e.experiments) : null,
    }));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** `authorization` and `x-api-key` header values (HTTP headers or gRPC metadata). */
  authenticate(authorization: string | undefined, apiKey: string | undefined): AuthResult {
    if (!this.enabled) return { ok: true, allowedExperiments: null };
    const bearer = authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1];
    const presented = bearer ?? apiKey?.trim();
    if (!presented) return { ok: false, reason: 'missing' };
    const d = digest(presented);
    let match: StoredKey | null = null;
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && match === null) match = k;
    return match ? { ok: true, allowedExperiments: match.allowed } : { ok: false, reason: 'invalid' };
  }
}
