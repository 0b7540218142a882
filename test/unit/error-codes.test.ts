/**
 * Every error code is documented: docs/operations.md's "Error codes" table lists exactly the codes of
 * pipeline/result.ts ERRORS, each with the HTTP status, gRPC code and retryability the table gives it; and results
 * are built from the table (a retryable code always carries its delay, a final one never does).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRORS, type ErrorCode, failed } from '../../pipeline/result.js';

const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

function documentedCodes(): Map<string, { http: number; grpc: number; retryable: boolean }> {
  const section = doc.slice(doc.indexOf('### Error codes'));
  assert.ok(section.length > 0, 'docs/operations.md has an "Error codes" section');
  const rows = new Map<string, { http: number; grpc: number; retryable: boolean }>();
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+) `[A-Z_]+`\s*\|\s*(yes|no)\s*\|/.exec(line);
    if (m) rows.set(m[1]!, { http: Number(m[2]), grpc: Number(m[3]), retryable: m[4] === 'yes' });
  }
  return rows;
}

describe('error codes', () => {
  it('docs/operations.md lists every code with its statuses and retryability, and no other', () => {
    const documented = documentedCodes();
    assert.deepEqual([...documented.keys()].sort(), Object.keys(ERRORS).sort());
    for (const [code, spec] of Object.entries(ERRORS)) {
      assert.deepEqual(documented.get(code), { ...spec }, code);
    }
  });

  it('results take their retryability from the table', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      if (ERRORS[code].retryable) {
        assert.deepEqual(failed(code, 'm', 1500), {
          kind: 'retryable',
          code,
          message: 'm',
          retryAfterMs: 1500,
        });
        assert.throws(() => failed(code, 'm'), /needs a retry delay/);
      } else {
        assert.deepEqual(failed(code, 'm', 1500), { kind: 'rejected', code, message: 'm' });
      }
    }
  });
});
