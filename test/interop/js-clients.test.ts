/**
 * The JS client programs (test/interop/js/*.ts) import frameworks that only test/interop/js/package.json installs,
 * so the project's typecheck (`npm run typecheck`) leaves them out; this holds them to the same strict compiler
 * options against the versions the suite runs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureJsClients, JS_CLIENTS_DIR } from './support/js-clients.js';
import { run, VENV_TIMEOUT_MS } from './support/python.js';

const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('the JS client programs', () => {
  it('typecheck against the installed frameworks', { timeout: VENV_TIMEOUT_MS + 120_000 }, async () => {
    await ensureJsClients(['genkit', '@mastra/core', 'ai', 'openai']);
    const r = await run(process.execPath, [TSC, '-p', join(JS_CLIENTS_DIR, 'tsconfig.json')], {
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, `tsc -p test/interop/js failed:\n${r.stdout}${r.stderr}`);
  });
});
