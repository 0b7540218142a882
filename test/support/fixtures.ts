/** The mapper's golden fixtures: test/fixtures/mapper/<convention>/<case>.json, in a stable order. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const MAPPER_FIXTURES = new URL('../fixtures/mapper/', import.meta.url).pathname;

export function* mapperFixtureFiles(dir = MAPPER_FIXTURES): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* mapperFixtureFiles(p);
    else if (name.endsWith('.json')) yield p;
  }
}
