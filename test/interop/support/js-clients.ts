/**
 * The JS agent frameworks the interop suite runs (test/interop/js/*.ts: Genkit, Mastra, the Vercel AI SDK,
 * OpenInference JS) are a package of their own, test/interop/js/package.json with its lockfile, not devDependencies
 * of tracebridge: they are most of a full install (about 940 packages) and only these client programs use them, so
 * the project's `npm install` stays small and the suite installs them itself, as it makes its Python venvs.
 *
 * Idempotent like the venvs: a stamp file in node_modules holds the lockfile's hash and the Node.js major version,
 * and nothing is installed while it matches; parallel test files wait on one lock directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, assertOk, INTEROP_DIR, run, VENV_TIMEOUT_MS } from './python.js';

export const JS_CLIENTS_DIR = join(INTEROP_DIR, 'js');
const MODULES = join(JS_CLIENTS_DIR, 'node_modules');
const STAMP = join(MODULES, '.tracebridge-lock.sha256');
const LOCK = join(INTEROP_DIR, '..', '.tmp', 'interop-js-clients.lock');

function wantedStamp(): string {
  return createHash('sha256')
    .update(readFileSync(join(JS_CLIENTS_DIR, 'package-lock.json')))
    .update('\0')
    .update(process.versions.node.split('.')[0] ?? '')
    .digest('hex');
}

function readStamp(): string | null {
  try {
    return readFileSync(STAMP, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Installs test/interop/js's locked packages (`npm ci`) unless they are already in place, then checks that
 * `names` resolve there. Safe to call from every test file at once.
 */
export async function ensureJsClients(names: string[], log: (msg: string) => void = () => {}): Promise<void> {
  const wanted = wantedStamp();
  if (readStamp() !== wanted) {
    const deadline = Date.now() + VENV_TIMEOUT_MS;
    const release = await acquireLock(LOCK, deadline);
    try {
      if (readStamp() !== wanted) {
        log(`npm ci in ${JS_CLIENTS_DIR}`);
        // The npm on the PATH runs on the first `node` there: under npm scripts, the project's supported Node.js.
        assertOk(
          'npm ci (test/interop/js)',
          await run('npm', ['ci', '--no-audit', '--no-fund', '--prefix', JS_CLIENTS_DIR], {
            timeoutMs: Math.max(1000, deadline - Date.now()),
          }),
        );
        writeFileSync(STAMP, `${wanted}\n`);
      }
    } finally {
      release();
    }
  }
  const missing = names.filter((n) => !existsSync(join(MODULES, n, 'package.json')));
  if (missing.length) throw new Error(`not in test/interop/js/package.json's install: ${missing.join(', ')}`);
}
