/**
 * The settings table (cli/config.ts) is the one list of settings: README.md's configuration table names each
 * setting's environment variable and flag in one row, and flags are parsed strictly (node:util parseArgs).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, SETTING_NAMES } from '../../cli/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('configuration', () => {
  it("README.md's configuration table lists every setting with its flag", () => {
    const rows = readme.split('\n').filter((l) => l.startsWith('| `'));
    for (const { env, flag } of SETTING_NAMES) {
      const row = rows.find((r) => r.includes(`\`${env}\``));
      assert.ok(row, `README.md has a row for ${env}`);
      assert.ok(row.includes(`\`${flag}\``), `README.md's row for ${env} names ${flag}`);
    }
  });

  it('flags win over the environment; both forms of a flag are read', () => {
    const env = { TRACEBRIDGE_HTTP_PORT: '5000', TRACEBRIDGE_WRITERS: '3' };
    const config = loadConfig(['--http-port', '6000', '--grpc-port=7000'], env);
    assert.equal(config.httpPort, 6000);
    assert.equal(config.grpcPort, 7000);
    assert.equal(config.writers, 3);
    assert.equal(config.databaseUrl, null);
  });

  it('refuses what it does not know, with the flag named', () => {
    assert.throws(() => loadConfig(['--http-prot', '1'], {}), new ConfigError('unknown option --http-prot'));
    assert.throws(() => loadConfig(['--http-port'], {}), new ConfigError('--http-port needs a value'));
    assert.throws(() => loadConfig(['serve'], {}), new ConfigError('unexpected argument "serve"'));
    assert.throws(() => loadConfig(['--writers', '0'], {}), /--writers must be an integer from 1 to 64/);
  });
});
