/** The CLI as users run it: config validation, `migrate` (also several at once), graceful shutdown. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';
import { freePort } from '../support/pg-server.mjs';
import { spawnBridge, waitForLog } from '../support/process.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await freshDatabase({ migrated: false });
});
after(async () => {
  await tdb.drop();
});

describe('tracebridge CLI', () => {
  for (const [env, setting] of [
    [{ TRACEBRIDGE_HTTP_PORT: 'eighty' }, 'TRACEBRIDGE_HTTP_PORT'],
    [{ TRACEBRIDGE_GRPC_PORT: '70000' }, 'TRACEBRIDGE_GRPC_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TRACEBRIDGE_PG_PORT: '-1' }, 'TRACEBRIDGE_PG_PORT'],
  ] as const) {
    it(`refuses to start with a bad ${setting}, naming it`, async () => {
      const p = spawnBridge(['serve'], env);
      assert.equal(await p.exited, 2);
      assert.match(p.stderr, new RegExp(setting));
    });
  }

  it('rejects unknown flags and names a bad flag value', async () => {
    const p = spawnBridge(['serve', '--http-prot', '1'], {});
    assert.equal(await p.exited, 2);
    assert.match(p.stderr, /unknown option --http-prot/);
    const q = spawnBridge(['--http-port', 'x'], {});
    assert.equal(await q.exited, 2);
    assert.match(q.stderr, /--http-port/);
  });

  it('`migrate` run by three processes at once applies each migration exactly once', async () => {
    const procs = [1, 2, 3].map(() => spawnBridge(['migrate'], { DATABASE_URL: tdb.url }));
    const codes = await Promise.all(procs.map((p) => p.exited));
    assert.deepEqual(codes, [0, 0, 0], procs.map((p) => p.stderr).join('\n'));
    const applied = await tdb.db.query<{ version: number }>(
      'SELECT version FROM tracebridge_migrations ORDER BY version',
    );
    const versions = applied.rows.map((r) => r.version);
    assert.deepEqual(versions, [...new Set(versions)]);
    assert.ok(versions.length >= 1);
    const appliers = procs.filter((p) => p.logs.some((l) => l.msg === 'migrations applied'));
    assert.equal(appliers.length, 1, 'exactly one process applied the migrations');
  });

  it('on SIGTERM it stops accepting, commits every accepted span and exits 0', async () => {
    const httpPort = await freePort();
    const p = spawnBridge(['serve'], {
      DATABASE_URL: tdb.url,
      TRACEBRIDGE_HTTP_PORT: String(httpPort),
      TRACEBRIDGE_GRPC_PORT: String(await freePort()),
      // A long linger keeps requests waiting for their batch when the signal arrives.
      TRACEBRIDGE_BATCH_LINGER_MS: '300',
      TRACEBRIDGE_BATCH_MAX_SPANS: '100000',
    });
    await waitForLog(p, /tracebridge listening/);
    const traceIds: string[] = [];
    const requests = Array.from({ length: 20 }, () => {
      const traceId = hexId(16);
      traceIds.push(traceId);
      const spans = Array.from({ length: 10 }, (_, i) => ({
        traceId,
        spanId: hexId(8),
        name: `s${i}`,
        start: 1n,
        end: 2n,
      }));
      return fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: protobufRequest([{ resource: { 'service.name': 'sigterm' }, spans }]),
      }).then((r) => r.status);
    });
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill('SIGTERM');
    const statuses = await Promise.all(requests.map((r) => r.catch(() => 0)));
    assert.equal(await p.exited, 0);
    const ok = traceIds.filter((_, i) => statuses[i] === 200);
    assert.ok(ok.length > 0, `some requests were accepted: ${statuses.join(',')}`);
    const counts = await tdb.db.query<{ trace_id: string; n: number }>(
      'SELECT trace_id, count(*)::int AS n FROM spans WHERE trace_id = ANY($1) GROUP BY trace_id',
      [ok],
    );
    assert.equal(counts.rows.length, ok.length, 'every answered request is committed');
    for (const r of counts.rows) assert.equal(r.n, 10);
    assert.ok(p.logs.some((l) => l.msg === 'tracebridge stopped'));
  });
});
