/**
 * The bridge under test, as its own process: the built CLI (`node …/bin/tracebridge.js`, what production
 * runs) or the sources through tsx. Optionally with `--cpu-prof` (the profile is written when it exits).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/pg-server.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC_BIN = fileURLToPath(new URL('../bin/tracebridge.ts', import.meta.url));
/**
 * The bench builds its own copy of the bridge (not dist/, which anyone's `npm run build` may rewrite in the
 * middle of a run): `tsc -p tsconfig.build.json --outDir bench/.tmp/dist`, plus the migrations, which the built
 * store looks for next to itself. The proto files are found by walking up to <root>/proto.
 */
export const BENCH_DIST = join(ROOT, 'bench', '.tmp', 'dist');

/** The node flags `npm start` runs the bridge with (package.json), so the bench measures what ships. */
const START_NODE_FLAGS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(' ')
  .filter((w) => w.startsWith('--'));
const DIST_BIN = join(BENCH_DIST, 'bin', 'tracebridge.js');
const SOURCE_DIRS = ['bin', 'cli', 'ingest', 'mapper', 'metrics', 'pipeline', 'proto', 'store'];

export type BridgeBuild = 'dist' | 'tsx';

/** Builds the bench's copy of the bridge. Returns null on success, else the compiler's output. */
export function buildDist(): string | null {
  rmSync(BENCH_DIST, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BENCH_DIST], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0 || !existsSync(DIST_BIN)) {
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || `exit ${r.status}`;
  }
  cpSync(join(ROOT, 'store', 'migrations'), join(BENCH_DIST, 'store', 'migrations'), { recursive: true });
  return null;
}

/** A short digest of the bridge's sources (the code a run measured; the tree may change between runs). */
export function sourceDigest(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|sql|proto)$/.test(name)) h.update(p.slice(ROOT.length)).update(readFileSync(p));
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(ROOT, d))) walk(join(ROOT, d));
  return h.digest('hex').slice(0, 12);
}

export interface BridgeOptions {
  build: BridgeBuild;
  /** DATABASE_URL; null = the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | null;
  dataDir?: string;
  /** Extra TRACEBRIDGE_* settings. */
  env?: Record<string, string>;
  cpuProfDir?: string;
  /** Called with the child process as soon as it is spawned (before it is ready). */
  onSpawn?: (child: ChildProcess) => void;
  /** Ports to listen on (free ones are picked when omitted). */
  ports?: { http: number; grpc: number; pg: number };
}

export async function freePorts(): Promise<{ http: number; grpc: number; pg: number }> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [http, grpc, pg] = [...ports] as [number, number, number];
  return { http, grpc, pg };
}

export interface BridgeProcess {
  pid: number;
  httpPort: number;
  grpcPort: number;
  /** Embedded mode: the wire-protocol port. */
  pgPort: number | null;
  child: ChildProcess;
  /** The last log lines (stdout and stderr), for failure messages. */
  tail(): string;
  /** SIGTERM, wait for the graceful exit (SIGKILL after the timeout); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startBridgeProcess(opts: BridgeOptions): Promise<BridgeProcess> {
  const ports = opts.ports ?? (await freePorts());
  const [httpPort, grpcPort, pgPort] = [ports.http, ports.grpc, ports.pg];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('TRACEBRIDGE_') && k !== 'DATABASE_URL' && !k.startsWith('NODE_OPTIONS')) env[k] = v;
  }
  Object.assign(env, {
    TRACEBRIDGE_HOST: '127.0.0.1',
    TRACEBRIDGE_HTTP_PORT: String(httpPort),
    TRACEBRIDGE_GRPC_PORT: String(grpcPort),
    TRACEBRIDGE_LOG_LEVEL: 'info',
    ...opts.env,
  });
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else {
    env.TRACEBRIDGE_DATA_DIR = opts.dataDir!;
    env.TRACEBRIDGE_PG_PORT = String(pgPort);
  }
  const nodeArgs = [...START_NODE_FLAGS];
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir);
  const args =
    opts.build === 'dist'
      ? [...nodeArgs, DIST_BIN, 'serve']
      : [...nodeArgs, '--import', 'tsx', SRC_BIN, 'serve'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  opts.onSpawn?.(child);
  const lines: string[] = [];
  let listening = false;
  const onData = (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (line.includes('tracebridge listening')) listening = true;
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const tail = () => lines.slice(-30).join('\n');

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`bridge exited (${exitCode}) before it was ready:\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bridge not ready after 90 s:\n${tail()}`);
    }
    if (listening) {
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    pid: child.pid!,
    httpPort,
    grpcPort,
    pgPort: opts.databaseUrl ? null : pgPort,
    child,
    tail,
    async stop(timeoutMs = 60_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
