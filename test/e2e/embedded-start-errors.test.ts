/**
 * Every way embedded mode fails to start is one line on stderr naming the setting and the cause, exit code 2, in
 * seconds (no stack trace, no `[object Object]`, no spinning): a data directory that cannot be created or is a
 * file, an older PGlite store, a PostgreSQL port in use, a host that does not resolve, a receiver port in use.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/pg-server.mjs';
import { spawnBridge } from '../support/process.js';

const scratch = mkdtempSync(join(tmpdir(), 'tracebridge-start-errors-'));
let busy: Server;
let busyPort: number;

before(async () => {
  // Reachable by the unprivileged user the server runs as when the tests run as root.
  chmodSync(scratch, 0o755);
  busyPort = await freePort();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(busyPort, '127.0.0.1', resolve));
});
after(() => {
  busy.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function startFails(env: Record<string, string | undefined>, timeoutMs = 15_000) {
  const started = Date.now();
  const p = spawnBridge([], {
    DATABASE_URL: undefined,
    TRACEBRIDGE_HOST: undefined,
    TRACEBRIDGE_PG_HOST: undefined,
    TRACEBRIDGE_HTTP_PORT: String(await freePort()),
    TRACEBRIDGE_GRPC_PORT: String(await freePort()),
    TRACEBRIDGE_PG_PORT: String(await freePort()),
    ...env,
  });
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  const ms = Date.now() - started;
  assert.equal(code, 2, `exit code (after ${ms} ms); stderr: ${p.stderr}`);
  const lines = p.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${p.stderr}`);
  assert.doesNotMatch(p.stderr, /\[object Object\]|\n\s+at /);
  return { line: lines[0]!, ms };
}

describe('embedded start errors', () => {
  it('a data directory that cannot be created fails at once', async () => {
    const { line, ms } = await startFails({ TRACEBRIDGE_DATA_DIR: '/proc/nope' });
    assert.match(line, /^tracebridge: TRACEBRIDGE_DATA_DIR: cannot create \/proc\/nope: /);
    assert.ok(ms < 10_000, `${ms} ms`);
  });

  it('a data directory that is a file', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');
    const { line } = await startFails({ TRACEBRIDGE_DATA_DIR: file });
    assert.match(line, /TRACEBRIDGE_DATA_DIR: .*a-file is not a directory/);
  });

  it('a data directory holding an older PGlite store says what to do', async () => {
    const dir = mkdtempSync(join(scratch, 'pglite-'));
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    const { line } = await startFails({ TRACEBRIDGE_DATA_DIR: dir });
    assert.match(line, /TRACEBRIDGE_DATA_DIR: .* holds a PGlite store from an older tracebridge/);
    assert.match(line, /new directory/);
  });

  it('a PostgreSQL port in use names TRACEBRIDGE_PG_PORT and the port', async () => {
    const { line } = await startFails({
      TRACEBRIDGE_DATA_DIR: mkdtempSync(join(scratch, 'port-')),
      TRACEBRIDGE_PG_PORT: String(busyPort),
    });
    assert.match(
      line,
      new RegExp(`TRACEBRIDGE_PG_PORT: port ${busyPort} on 127\\.0\\.0\\.1 is already in use`),
    );
  });

  it('a host that does not resolve names TRACEBRIDGE_PG_HOST', async () => {
    const { line } = await startFails({
      TRACEBRIDGE_DATA_DIR: mkdtempSync(join(scratch, 'host-')),
      TRACEBRIDGE_PG_HOST: 'no-such-host.invalid',
    });
    assert.match(line, /TRACEBRIDGE_PG_HOST: host "no-such-host\.invalid" does not resolve/);
  });

  it('a receiver port in use names TRACEBRIDGE_HTTP_PORT, before the database is started', async () => {
    const dir = mkdtempSync(join(scratch, 'http-'));
    const { line, ms } = await startFails({
      TRACEBRIDGE_DATA_DIR: dir,
      TRACEBRIDGE_HTTP_PORT: String(busyPort),
    });
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.match(
      line,
      new RegExp(`TRACEBRIDGE_HTTP_PORT: port ${busyPort} on 127\\.0\\.0\\.1 is already in use`),
    );
    assert.ok(!existsSync(join(dir, 'postgres')), 'no cluster was created');
    const grpc = await startFails({ TRACEBRIDGE_DATA_DIR: dir, TRACEBRIDGE_GRPC_PORT: String(busyPort) });
    assert.match(
      grpc.line,
      new RegExp(`TRACEBRIDGE_GRPC_PORT: port ${busyPort} on 127\\.0\\.0\\.1 is already in use`),
    );
  });
});
