// The test entry point (`npm test`): starts one throwaway PostgreSQL for the whole run unless TEST_DATABASE_URL
// is given, runs every test file with node:test, and stops the server. `--interop` runs the interop suite instead.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from './support/pg-server.mjs';

const interop = process.argv.includes('--interop');
const root = new URL('.', import.meta.url).pathname;

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'fixtures' || name === 'support' || name === 'node_modules' || name.startsWith('.'))
        continue;
      if ((name === 'interop') !== interop && dir === root) continue;
      out.push(...testFiles(p));
    } else if (name.endsWith('.test.ts') || name.endsWith('.test.mjs')) {
      // test/*.test.ts (the bench smoke test) belong to the main suite, not to the interop one.
      if (!(interop && dir === root)) out.push(p);
    }
  }
  return out;
}

const files = testFiles(root).filter((f) =>
  process.argv.slice(2).every((a) => a.startsWith('--') || f.includes(a)),
);
// `node --test` with no file runs every file it finds under the working directory (a venv's .js included).
if (files.length === 0) {
  console.error(`test: no test file matches ${process.argv.slice(2).join(' ')}`);
  process.exit(1);
}
// The browser tests load the UI from test/.tmp/ui/ (TRACEBRIDGE_TEST_UI_DIR), built once here before test files
// run in parallel: not dist/ui/, which another test's `npm run build` may be rewriting meanwhile.
const uiDir = join(root, '.tmp', 'ui');
if (files.some((f) => f.includes('/browser/'))) {
  const b = spawnSync('npm', ['run', '--silent', 'build:ui', '--', '--outDir', uiDir, '--emptyOutDir'], {
    stdio: 'inherit',
  });
  if (b.status !== 0) {
    console.error('test: the UI build failed');
    process.exit(1);
  }
}
let pg = null;
const env = { ...process.env, TRACEBRIDGE_TEST_UI_DIR: uiDir };
if (!env.TEST_DATABASE_URL) {
  pg = await startPostgres();
  env.TEST_DATABASE_URL = pg.url;
  console.log(`test: throwaway PostgreSQL at ${pg.url}`);
} else {
  console.log('test: using TEST_DATABASE_URL');
}
console.log(`test: node ${process.version}`);
if (!interop)
  console.log('test: interop suite skipped here; run `npm run test:interop` (CI runs it after npm test)');

let status = 1;
try {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
    { stdio: 'inherit', env },
  );
  status = r.status ?? 1;
} finally {
  pg?.destroy();
}
process.exit(status);
