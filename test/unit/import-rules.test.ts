/**
 * The import rules of ARCHITECTURE.md, enforced: each folder of the shipped code imports only the folders its row
 * of the table allows (same-folder imports always), nothing shipped imports test/ or bench/, and there is no
 * import cycle between files.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHIPPED = [
  'api',
  'bin',
  'cli',
  'ingest',
  'otlp',
  'mapper',
  'metrics',
  'store',
  'proto',
  'pipeline',
  'ui',
];

/** What each folder may import besides itself (paths relative to the repository, as `folder/file.ts`). */
const MAY_IMPORT: Record<string, (target: string) => boolean> = {
  proto: () => false,
  otlp: (t) => t.startsWith('proto/'),
  mapper: (t) => t.startsWith('otlp/'),
  store: () => false,
  metrics: () => false,
  pipeline: (t) => /^(otlp|mapper|store|metrics)\//.test(t),
  ingest: (t) =>
    t.startsWith('proto/') ||
    t.startsWith('metrics/') ||
    t === 'pipeline/context.ts' ||
    t === 'pipeline/result.ts',
  api: (t) =>
    t.startsWith('store/read/') ||
    t === 'store/db.ts' ||
    t === 'store/write-errors.ts' ||
    t === 'ingest/auth.ts',
  // The browser app shares only the read API's contract (types) with the server.
  ui: (t) => t === 'api/types.ts',
  cli: (t) => SHIPPED.some((f) => t.startsWith(`${f}/`)),
  bin: (t) => SHIPPED.some((f) => t.startsWith(`${f}/`)),
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'migrations' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative import specifiers of a file: static imports and re-exports, side-effect imports, import(). */
function relativeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g))
    specs.push(m[1]!);
  return specs;
}

/** `../otlp/model.js` from `mapper/index.ts` → `otlp/model.ts`. */
function target(file: string, spec: string): string {
  const path = relative(ROOT, resolve(ROOT, dirname(file), spec));
  return path.replace(/\.js$/, '.ts');
}

const files = SHIPPED.flatMap(sourceFiles);
const graph = new Map(files.map((f) => [f, relativeImports(f).map((s) => target(f, s))]));

describe('import rules (ARCHITECTURE.md)', () => {
  it('each folder imports only what its row of the table allows', () => {
    const broken: string[] = [];
    for (const [file, targets] of graph) {
      const folder = file.split('/')[0]!;
      for (const t of targets) {
        if (t.split('/')[0] === folder) continue;
        if (!MAY_IMPORT[folder]!(t)) broken.push(`${file} imports ${t}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('every import resolves to a file of the shipped code', () => {
    const missing: string[] = [];
    for (const [file, targets] of graph) {
      for (const t of targets) {
        // The UI's stylesheets are assets Vite bundles, not modules: they only have to exist.
        const asset = t.startsWith('ui/') && t.endsWith('.css') && existsSync(join(ROOT, t));
        if (!graph.has(t) && !asset) missing.push(`${file} imports ${t}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('no import cycle between files', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const t of graph.get(file) ?? []) visit(t, [...path, file]);
      state.set(file, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });
});
