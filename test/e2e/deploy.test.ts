/**
 * deploy/ without a Docker engine: the compose file is validated with `docker-compose config`, and the bridge is
 * started exactly as the image's CMD does — `npm run build` output laid out as the Dockerfile's runtime stage
 * copies it, the Dockerfile's ENV (only TRACEBRIDGE_HOST is 127.0.0.1 instead of 0.0.0.0), a real Postgres — then
 * /healthz, /readyz, the image's HEALTHCHECK command and an OTLP export are checked; and, without DATABASE_URL, the
 * embedded PostgreSQL running as the image's non-root user with its data in the /data stand-in.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { hexId, protobufRequest } from '../support/otlp.js';
import { freePort } from '../support/pg-server.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');

// ---- the Dockerfile, read as data so the test follows it ----

interface Stage {
  name: string | null;
  workdir: string;
  env: Record<string, string>;
  copies: { from: string | null; sources: string[]; dest: string }[];
  cmd: string[] | null;
  healthcheck: string[] | null;
  expose: string[];
  user: string | null;
}

/** Instructions with line continuations joined and comments dropped. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(cur + line);
    cur = '';
  }
  return out;
}

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    const [keyword, ...rest] = ins.split(/\s+/);
    const args = rest.join(' ');
    const kw = keyword!.toUpperCase();
    if (kw === 'FROM') {
      stages.push({
        name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? null,
        workdir: '/',
        env: {},
        copies: [],
        cmd: null,
        healthcheck: null,
        expose: [],
        user: null,
      });
      continue;
    }
    const stage = stages.at(-1);
    assert.ok(stage, `${kw} before FROM`);
    if (kw === 'WORKDIR') stage.workdir = args;
    else if (kw === 'USER') stage.user = args;
    else if (kw === 'EXPOSE') stage.expose.push(...rest);
    else if (kw === 'ENV') {
      const m = /^(\w+)=(\S*)$/.exec(args);
      assert.ok(m, `ENV KEY=value, one per line: ${ins}`);
      stage.env[m[1]!] = m[2]!;
    } else if (kw === 'COPY') {
      const from = /^--from=(\S+)/.exec(rest[0] ?? '')?.[1] ?? null;
      const paths = rest.filter((p) => !p.startsWith('--'));
      stage.copies.push({ from, sources: paths.slice(0, -1), dest: paths.at(-1)! });
    } else if (kw === 'CMD') stage.cmd = JSON.parse(args);
    else if (kw === 'HEALTHCHECK') {
      const at = args.indexOf('CMD ');
      stage.healthcheck = JSON.parse(args.slice(at + 4));
    }
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const build = dockerfile.find((s) => s.name !== null && s !== runtime)!;

/** A container path under a stage's WORKDIR, as a path relative to it. */
function relativeTo(workdir: string, p: string): string {
  const prefix = workdir.endsWith('/') ? workdir : `${workdir}/`;
  if (p.startsWith(prefix)) return p.slice(prefix.length);
  assert.ok(!p.startsWith('/'), `${p} is under ${workdir}`);
  return p.replace(/^\.\//, '').replace(/^\.$/, '');
}

// ---- running a command and waiting for HTTP ----

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8' });
}

async function waitForStatus(url: string, status: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null)
      assert.fail(`the bridge exited (${child.exitCode}) before ${url}:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) assert.fail(`${url} never answered ${status} (last: ${last}):\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- tests ----

describe('deploy/docker-compose.yml', () => {
  const hasCompose = run('sh', ['-c', 'command -v docker-compose']).status === 0;
  const compose = (args: string[]) =>
    // A clean environment, so variables of the machine running the test do not change the result.
    run('docker-compose', ['-f', 'deploy/docker-compose.yml', ...args, 'config'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });

  it('is valid for `docker-compose config`, with defaults and with .env.example', {
    skip: hasCompose ? false : 'docker-compose is not installed (apt-get install docker-compose)',
  }, () => {
    // An empty env file: a developer's deploy/.env must not change what the defaults are.
    const empty = join(mkdtempSync(join(tmpdir(), 'tracebridge-compose-')), 'empty.env');
    writeFileSync(empty, '');
    const defaults = compose(['--env-file', empty]);
    rmSync(dirname(empty), { recursive: true, force: true });
    assert.equal(defaults.status, 0, defaults.stderr);
    const out = defaults.stdout;
    assert.match(out, /image: postgres:17/);
    assert.match(out, /pgdata:\/var\/lib\/postgresql\/data/);
    assert.match(out, /pg_isready/);
    assert.match(out, /condition: service_healthy/);
    assert.match(out, /dockerfile: deploy\/Dockerfile/);
    assert.match(out, /DATABASE_URL: postgres:\/\/tracebridge:tracebridge@postgres:5432\/tracebridge/);
    assert.match(out, /127\.0\.0\.1:4317:4317/);
    assert.match(out, /127\.0\.0\.1:4318:4318/);

    const withExample = compose(['--env-file', 'deploy/.env.example']);
    assert.equal(withExample.status, 0, withExample.stderr);
    assert.match(
      withExample.stdout,
      /DATABASE_URL: postgres:\/\/tracebridge:change-me@postgres:5432\/tracebridge/,
    );

    // The collector profile: the collector in front, its queue on a volume it can write.
    const withCollector = compose(['--env-file', 'deploy/.env.example', '--profile', 'collector']);
    assert.equal(withCollector.status, 0, withCollector.stderr);
    assert.match(withCollector.stdout, /otel-collector:/);
    assert.match(withCollector.stdout, /image: otel\/opentelemetry-collector-contrib:/);
    assert.match(withCollector.stdout, /otel-collector\.yaml:\/etc\/otelcol-contrib\/config\.yaml:ro/);
    assert.match(withCollector.stdout, /collector-queue:\/var\/lib\/otelcol\/file_storage:rw/);
    assert.match(withCollector.stdout, /condition: service_completed_successfully/);
    assert.match(withCollector.stdout, /127\.0\.0\.1:14317:4317/);
  });

  it('publishes the ports the image exposes, and the collector config forwards to them', () => {
    assert.deepEqual(runtime.expose.sort(), ['4317', '4318']);
    const composeText = readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8');
    assert.match(composeText, /:4317"/);
    assert.match(composeText, /:4318"/);
    const collector = readFileSync(join(DEPLOY, 'otel-collector.yaml'), 'utf8');
    assert.match(collector, /^ {2}otlp\/tracebridge:\n {4}endpoint: tracebridge:4317$/m);
    assert.match(collector, /^ {2}otlphttp\/tracebridge:\n {4}endpoint: http:\/\/tracebridge:4318$/m);
    assert.match(collector, /^ {4}traces:\n(?: {6}.*\n)*? {6}exporters: \[otlp\/tracebridge\]$/m);
    assert.match(collector, /^ {4}logs:\n(?: {6}.*\n)*? {6}exporters: \[otlphttp\/tracebridge\]$/m);
    // Long outages: both exporters queue on disk (file_storage) and never give up on a batch.
    assert.match(collector, /^ {2}file_storage\/queue:\n {4}directory: \/var\/lib\/otelcol\/file_storage$/m);
    assert.match(collector, /^ {2}extensions: \[file_storage\/queue\]$/m);
    assert.equal(collector.match(/^ {6}storage: file_storage\/queue$/gm)?.length, 2);
    assert.equal(collector.match(/^ {6}max_elapsed_time: 0$/gm)?.length, 2);
  });
});

describe('the container command against a real Postgres', () => {
  const stageDir = mkdtempSync(join(tmpdir(), 'tracebridge-image-'));
  let tdb: TestDatabase;

  before(async () => {
    // The build stage's `npm run build`, written straight into the runtime layout.
    const built = run('npm', ['run', 'build', '--silent', '--', '--outDir', join(stageDir, 'dist')]);
    assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}\n${built.stderr}`);
    // Then every other COPY of the runtime stage, from the build context (the repository root).
    for (const copy of runtime.copies) {
      if (copy.from !== null) {
        assert.equal(copy.from, build.name, 'runtime copies only from the build stage');
        for (const src of copy.sources) {
          assert.equal(relativeTo(build.workdir, src), 'dist', 'from the build stage only dist/ is copied');
        }
        continue;
      }
      const dest = join(stageDir, relativeTo(runtime.workdir, copy.dest));
      for (const src of copy.sources) {
        const target = copy.dest.endsWith('/') ? join(dest, src.split('/').at(-1)!) : dest;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(ROOT, src), target, { recursive: true });
      }
    }
    // `npm ci --omit=dev` cannot run offline; the repository's node_modules stands in, and the test below checks
    // that the compiled code imports production dependencies only.
    symlinkSync(join(ROOT, 'node_modules'), join(stageDir, 'node_modules'), 'dir');
    tdb = await freshDatabase({ migrated: false });
  });
  after(async () => {
    await tdb?.drop();
    rmSync(stageDir, { recursive: true, force: true });
  });

  it('the image runs as a non-root user, listens on 0.0.0.0 and runs `serve`', () => {
    assert.ok(runtime.user && runtime.user !== 'root' && runtime.user !== '0', 'USER is not root');
    assert.equal(runtime.env.TRACEBRIDGE_HOST, '0.0.0.0');
    assert.deepEqual(runtime.cmd, ['node', '--max-semi-space-size=4', 'dist/bin/tracebridge.js', 'serve']);
    // The same command as `npm start`, node flags included.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    assert.deepEqual(runtime.cmd, pkg.scripts.start.split(' '));
    assert.ok(runtime.healthcheck, 'HEALTHCHECK is set');
  });

  it('the compiled code imports only production dependencies (the image has no dev dependencies)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (entry.name.endsWith('.js')) {
          const src = readFileSync(p, 'utf8');
          for (const m of src.matchAll(/(?:from\s*|import\s*\(?\s*)['"]([^'"]+)['"]/g)) {
            const spec = m[1]!;
            if (spec.startsWith('.') || spec.startsWith('node:')) continue;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk(join(stageDir, 'dist'));
    assert.ok(imported.size > 0);
    for (const name of imported) assert.ok(name in pkg.dependencies, `${name} is a production dependency`);
  });

  /**
   * Starts the image's CMD in the runtime layout with the image's ENV (plus `extra`; an empty value unsets), as
   * `user` when given; stop() sends SIGTERM.
   */
  async function startImage(extra: Record<string, string> = {}, user?: { uid: number; gid: number }) {
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    Object.assign(env, runtime.env, {
      // The one change from the image: tests listen on loopback only.
      TRACEBRIDGE_HOST: '127.0.0.1',
      DATABASE_URL: tdb.url,
      TRACEBRIDGE_HTTP_PORT: String(httpPort),
      TRACEBRIDGE_GRPC_PORT: String(grpcPort),
      ...extra,
    });
    for (const [k, v] of Object.entries(env)) if (v === '') delete env[k];
    const [cmd, ...args] = runtime.cmd!;
    assert.equal(cmd, 'node');
    const child = spawn(process.execPath, args, {
      cwd: stageDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ?? {}),
    });
    let output = '';
    const collect = (d: Buffer) => {
      output += d.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      env,
      httpPort,
      child,
      output: () => output,
      async stop(): Promise<number | null> {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      },
    };
  }

  /** Runs the image's HEALTHCHECK command with `env`; returns its exit code. */
  function healthcheck(env: NodeJS.ProcessEnv): number | null {
    const [cmd, ...args] = runtime.healthcheck!;
    assert.equal(cmd, 'node');
    return spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 10_000 }).status;
  }

  it('starts as the CMD does, answers /healthz, /readyz and the HEALTHCHECK, stores an export, stops on SIGTERM', async () => {
    const image = await startImage();
    try {
      const base = `http://127.0.0.1:${image.httpPort}`;
      await waitForStatus(`${base}/healthz`, 200, image.child, image.output);
      await waitForStatus(`${base}/readyz`, 200, image.child, image.output);

      assert.equal(healthcheck(image.env), 0, 'HEALTHCHECK passes');
      const nobody = { ...image.env, TRACEBRIDGE_HTTP_PORT: String(await freePort()) };
      assert.equal(healthcheck(nobody), 1, 'HEALTHCHECK fails when nothing answers');

      const traceId = hexId(16);
      const res = await fetch(`${base}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: protobufRequest([
          {
            resource: { 'service.name': 'container' },
            spans: [
              { traceId, spanId: hexId(8), name: 'deployed', start: 1_000_000_000n, end: 2_000_000_000n },
            ],
          },
        ]),
      });
      assert.equal(res.status, 200, await res.text());
      const rows = await tdb.db.query<{ name: string; experiment: string }>(
        `SELECT t.name, e.name AS experiment FROM traces t JOIN experiments e USING (experiment_id)
         WHERE t.trace_id = $1`,
        [traceId],
      );
      assert.deepEqual(rows.rows, [{ name: 'deployed', experiment: 'container' }]);

      assert.equal(await image.stop(), 0, image.output());
    } finally {
      if (image.child.exitCode === null) image.child.kill('SIGKILL');
    }
  });

  it('without DATABASE_URL runs the embedded PostgreSQL as the non-root user, data in the /data volume', async (t) => {
    assert.equal(runtime.env.TRACEBRIDGE_DATA_DIR, '/data');
    // /data as the image makes it (owned by its USER, 0700); as root here, `nobody` stands in for that user — when
    // it can reach this checkout's node and node_modules (not under a private /root): else root runs the CMD and
    // the server runs as `postgres`, the image's behaviour when started as root.
    const volume = mkdtempSync(join(tmpdir(), 'tracebridge-image-data-'));
    const asRoot = process.getuid?.() === 0;
    const nobody = { uid: 65534, gid: 65534 };
    const reachable =
      asRoot &&
      spawnSync(
        'sh',
        [
          '-c',
          'test -x "$0" && test -r "$1"',
          process.execPath,
          join(ROOT, 'node_modules', 'pg', 'package.json'),
        ],
        nobody,
      ).status === 0;
    const user = reachable ? nobody : undefined;
    if (asRoot && !reachable) t.diagnostic('the checkout is closed to other users: the CMD ran as root');
    if (user) {
      chownSync(volume, user.uid, user.gid);
      chmodSync(stageDir, 0o755);
    }
    const image = await startImage(
      { DATABASE_URL: '', TRACEBRIDGE_DATA_DIR: volume, TRACEBRIDGE_PG_PORT: String(await freePort()) },
      user,
    );
    try {
      const base = `http://127.0.0.1:${image.httpPort}`;
      await waitForStatus(`${base}/readyz`, 200, image.child, image.output);
      assert.match(image.output(), /embedded PostgreSQL 17 in /);
      const traceId = hexId(16);
      const res = await fetch(`${base}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: protobufRequest([
          {
            resource: { 'service.name': 'container' },
            spans: [
              { traceId, spanId: hexId(8), name: 'embedded', start: 1_000_000_000n, end: 2_000_000_000n },
            ],
          },
        ]),
      });
      assert.equal(res.status, 200, await res.text());
      assert.equal(await image.stop(), 0, image.output());
      // The cluster and its credentials belong to the image's user, in the volume.
      const cluster = statSync(join(volume, 'postgres'));
      const creds = statSync(join(volume, 'credentials.json'));
      if (user) {
        assert.equal(cluster.uid, user.uid);
        assert.equal(creds.uid, user.uid);
      } else assert.notEqual(cluster.uid, 0, 'PostgreSQL never runs as root');
      assert.equal(creds.mode & 0o777, 0o600);
    } finally {
      if (image.child.exitCode === null) image.child.kill('SIGKILL');
      rmSync(volume, { recursive: true, force: true });
    }
  });

  it('the HEALTHCHECK follows the port to HTTPS when TLS is configured', async (t) => {
    if (run('sh', ['-c', 'command -v openssl']).status !== 0) return t.skip('openssl is not installed');
    const certDir = mkdtempSync(join(tmpdir(), 'tracebridge-image-tls-'));
    const [cert, key] = [join(certDir, 'cert.pem'), join(certDir, 'key.pem')];
    const made = run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    assert.equal(made.status, 0, made.stderr);
    const image = await startImage({ TRACEBRIDGE_TLS_CERT: cert, TRACEBRIDGE_TLS_KEY: key });
    try {
      const deadline = Date.now() + 60_000;
      while (healthcheck(image.env) !== 0) {
        assert.ok(image.child.exitCode === null, `the bridge exited:\n${image.output()}`);
        assert.ok(Date.now() < deadline, `HEALTHCHECK never passed over HTTPS:\n${image.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(await image.stop(), 0, image.output());
    } finally {
      if (image.child.exitCode === null) image.child.kill('SIGKILL');
      rmSync(certDir, { recursive: true, force: true });
    }
  });
});
