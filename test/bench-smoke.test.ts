/**
 * Keeps the benchmark harness (bench/, `npm run bench`) working: `bench/run.ts --smoke` starts its own durable
 * PostgreSQL, the bridge, the load generator and every part of the bench with a tiny load for about a second
 * each. Asserts that it completes and prints its tables — nothing about speed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A bound that stops a hung run, not a speed check: about nine times a normal run on this machine.
const TIMEOUT_MS = 280_000;

describe('bench smoke', () => {
  it('runs bench/run.ts --smoke to completion and prints the results table', {
    timeout: TIMEOUT_MS + 10_000,
  }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // On timeout SIGTERM first: the bench then stops the bridge, the generator and its Postgres itself.
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    assert.equal(code, 0, `bench --smoke exited with ${code}:\n${out.slice(-4000)}`);
    assert.match(out, /## tracebridge bench results/);
    assert.match(out, /\| run \| protocol \| clients \|/);
    for (const run of [
      'http-protobuf c1',
      'http-json c1',
      'grpc c1',
      'half load',
      '2× overload',
      'embedded',
    ]) {
      assert.match(out, new RegExp(`^\\| ${run} \\|`, 'm'), `no row for "${run}" in:\n${out.slice(-4000)}`);
    }
    assert.match(out, /### Ceiling: COPY of the identical rows/);
    assert.match(out, /### Bytes on disk per span/);
    assert.match(out, /### Profile of the bridge/);
  });
});
