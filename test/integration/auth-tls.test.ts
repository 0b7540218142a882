/**
 * Access control and transport security on both receivers: API keys (Bearer or x-api-key, optionally limited to
 * experiments) and TLS with a self-signed certificate made here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { RunningBridge } from '../../cli/bridge.js';
import { postOtlp, startTestBridge } from '../support/bridge.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';

const PB = { 'content-type': 'application/x-protobuf' };
const dir = mkdtempSync(join(tmpdir(), 'tracebridge-auth-'));
let tdb: TestDatabase;
let bridge: RunningBridge;

before(async () => {
  tdb = await freshDatabase();
  const keysFile = join(dir, 'keys');
  writeFileSync(keysFile, '# ops key, any experiment\nk-file-ops\nk-file-team team-a team-b\n');
  bridge = await startTestBridge({
    databaseUrl: tdb.url,
    apiKeys: 'k-env,k-limited=limited-exp',
    apiKeysFile: keysFile,
  });
});
after(async () => {
  await bridge.stop();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

function payload(resource: Record<string, string> = { 'service.name': 'auth' }) {
  const traceId = hexId(16);
  return {
    traceId,
    body: protobufRequest([
      { resource, spans: [{ traceId, spanId: hexId(8), name: 'op', start: 1n, end: 2n }] },
    ]),
  };
}

function grpcExport(
  port: number,
  body: Uint8Array,
  md: grpc.Metadata,
  creds = grpc.credentials.createInsecure(),
) {
  const c = new grpc.Client(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost' });
  return new Promise<grpc.ServiceError | null>((resolve) =>
    c.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      md,
      (err) => {
        c.close();
        resolve(err);
      },
    ),
  );
}

describe('API keys', () => {
  it('HTTP: 401 without a key or with a wrong one', async () => {
    const none = await postOtlp(bridge.httpPort, '/v1/traces', payload().body, PB);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const wrong = await postOtlp(bridge.httpPort, '/v1/traces', payload().body, {
      ...PB,
      authorization: 'Bearer nope',
    });
    assert.equal(wrong.status, 401);
    const prefix = await postOtlp(bridge.httpPort, '/v1/traces', payload().body, {
      ...PB,
      'x-api-key': 'k-en',
    });
    assert.equal(prefix.status, 401);
  });

  it('HTTP: Bearer and x-api-key keys from the env and the keys file are accepted', async () => {
    const variants: Record<string, string>[] = [
      { authorization: 'Bearer k-env' },
      { 'x-api-key': 'k-env' },
      { authorization: 'bearer k-file-ops' },
    ];
    for (const headers of variants) {
      const { traceId, body } = payload();
      const res = await postOtlp(bridge.httpPort, '/v1/traces', body, { ...PB, ...headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
      const r = await tdb.db.query('SELECT 1 FROM spans WHERE trace_id = $1', [traceId]);
      assert.equal(r.rows.length, 1);
    }
  });

  it('HTTP: a key limited to experiments gets 403 elsewhere, and cannot create experiments', async () => {
    const ok = await postOtlp(bridge.httpPort, '/v1/traces', payload().body, {
      ...PB,
      'x-api-key': 'k-limited',
      'x-tracebridge-experiment': 'limited-exp',
    });
    assert.equal(ok.status, 200);
    const team = await postOtlp(bridge.httpPort, '/v1/traces', payload({ 'service.name': 'team-b' }).body, {
      ...PB,
      'x-api-key': 'k-file-team',
    });
    assert.equal(team.status, 200);
    const denied = await postOtlp(bridge.httpPort, '/v1/traces', payload({ 'service.name': 'other' }).body, {
      ...PB,
      'x-api-key': 'k-limited',
    });
    assert.equal(denied.status, 403);
    const created = await tdb.db.query("SELECT 1 FROM experiments WHERE name = 'other'");
    assert.equal(created.rows.length, 0);
    // By id: the Default experiment (0) is not among the key's experiments either.
    const byId = await postOtlp(bridge.httpPort, '/v1/traces', payload().body, {
      ...PB,
      'x-api-key': 'k-limited',
      'x-mlflow-experiment-id': '0',
    });
    assert.equal(byId.status, 403);
  });

  it('health, readiness and metrics need no key', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await postOtlp(bridge.httpPort, path, '', {}, 'GET');
      assert.equal(res.status, 200, path);
    }
  });

  it('gRPC: UNAUTHENTICATED without a key, PERMISSION_DENIED for another experiment, OK with one', async () => {
    const none = await grpcExport(bridge.grpcPort, payload().body, new grpc.Metadata());
    assert.equal(none?.code, grpc.status.UNAUTHENTICATED);
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer k-env');
    assert.equal(await grpcExport(bridge.grpcPort, payload().body, md), null);
    const limited = new grpc.Metadata();
    limited.set('x-api-key', 'k-limited');
    const denied = await grpcExport(bridge.grpcPort, payload({ 'service.name': 'elsewhere' }).body, limited);
    assert.equal(denied?.code, grpc.status.PERMISSION_DENIED);
  });
});

describe('TLS', () => {
  let tls: RunningBridge;
  let cert: Buffer;
  before(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    tls = await startTestBridge({
      databaseUrl: tdb.url,
      tlsCert: join(dir, 'cert.pem'),
      tlsKey: join(dir, 'key.pem'),
    });
  });
  after(async () => {
    await tls.stop();
  });

  it('serves OTLP/HTTP over TLS', async () => {
    const { traceId, body } = payload();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: tls.httpPort, path: '/v1/traces', method: 'POST', headers: PB, ca: cert },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(Buffer.from(body));
    });
    assert.equal(status, 200);
    const r = await tdb.db.query('SELECT 1 FROM spans WHERE trace_id = $1', [traceId]);
    assert.equal(r.rows.length, 1);
    // Plain HTTP to the TLS port fails.
    await assert.rejects(fetch(`http://127.0.0.1:${tls.httpPort}/healthz`));
  });

  it('serves OTLP/gRPC over TLS', async () => {
    const { traceId, body } = payload();
    const err = await grpcExport(tls.grpcPort, body, new grpc.Metadata(), grpc.credentials.createSsl(cert));
    assert.equal(err, null);
    const r = await tdb.db.query('SELECT 1 FROM spans WHERE trace_id = $1', [traceId]);
    assert.equal(r.rows.length, 1);
    const plain = await grpcExport(tls.grpcPort, body, new grpc.Metadata());
    assert.equal(plain?.code, grpc.status.UNAVAILABLE);
  });
});
