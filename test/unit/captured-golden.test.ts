/**
 * Golden fixtures from real clients: test/fixtures/captured/<client>/NNNNNN-traces.json are OTLP payloads that the
 * interop suite captured at the bridge (ids and timestamps kept). Each is mapped and compared, span by span, with
 * the reviewed rows in expected-rows.json beside it, so the mapping of real client output is pinned even where the
 * interop suite itself (which needs Python and network installs) does not run.
 * After an intended mapping change: UPDATE_GOLDEN=1 node --import tsx --test test/unit/captured-golden.test.ts,
 * then review the diff of expected-rows.json.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mapSpan } from '../../mapper/index.js';
import { decodeTraceRequestJson } from '../../otlp/decode-json.js';

const root = new URL('../fixtures/captured/', import.meta.url).pathname;

const COLUMNS = [
  'name',
  'parent_span_id',
  'span_type',
  'status',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'tool_name',
  'tool_call_id',
  'agent_name',
  'session_id',
  'user_id',
  'input_messages',
  'output_messages',
  'inputs',
  'outputs',
  'request_preview',
  'response_preview',
  'trace_tags',
  'conventions',
] as const;

function mapped(file: string): Record<string, Record<string, unknown>> {
  const req = decodeTraceRequestJson(readFileSync(file, 'utf8'));
  const out: Record<string, Record<string, unknown>> = {};
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        const row = mapSpan({ span, resource: rs.resource.attributes, scope: ss.scope }) as unknown as Record<
          string,
          unknown
        >;
        out[span.spanId] = Object.fromEntries(COLUMNS.map((c) => [c, row[c]]));
      }
  return out;
}

describe('captured client payloads map to the reviewed rows', () => {
  const clients = readdirSync(root).filter((d) => existsSync(join(root, d, '000001-traces.json')));
  it('has captured payloads', () => assert.ok(clients.length >= 6));
  for (const client of clients) {
    it(client, () => {
      const dir = join(root, client);
      const actual: Record<string, unknown> = {};
      for (const f of readdirSync(dir)
        .filter((n) => /^\d+-traces\.json$/.test(n))
        .sort()) {
        actual[f] = mapped(join(dir, f));
      }
      const expectedFile = join(dir, 'expected-rows.json');
      if (process.env.UPDATE_GOLDEN === '1')
        writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
      assert.ok(existsSync(expectedFile), `${expectedFile} missing: run with UPDATE_GOLDEN=1 and review it`);
      assert.deepEqual(actual, JSON.parse(readFileSync(expectedFile, 'utf8')));
    });
  }
});
