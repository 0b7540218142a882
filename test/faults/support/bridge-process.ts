/** The real CLI as a child process on fixed ports, so it can be killed and started again on the same ones. */
import { type BridgeProcess, spawnBridge, waitForLog } from '../../support/process.js';

export interface BridgePorts {
  httpPort: number;
  grpcPort: number;
}

/** Spawns `tracebridge serve` and waits (bounded) for its "listening" line. */
export async function startBridgeProcess(
  databaseUrl: string,
  ports: BridgePorts,
  env: Record<string, string> = {},
): Promise<BridgeProcess> {
  const p = spawnBridge(['serve'], {
    DATABASE_URL: databaseUrl,
    TRACEBRIDGE_HTTP_PORT: String(ports.httpPort),
    TRACEBRIDGE_GRPC_PORT: String(ports.grpcPort),
    TRACEBRIDGE_LOG_LEVEL: 'info',
    ...env,
  });
  try {
    await waitForLog(p, /tracebridge listening/, 30_000);
  } catch (err) {
    p.child.kill('SIGKILL');
    throw err;
  }
  return p;
}

export function isRunning(p: BridgeProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** SIGKILL and wait for the exit. */
export async function killHard(p: BridgeProcess): Promise<void> {
  if (!isRunning(p)) return;
  p.child.kill('SIGKILL');
  await p.exited;
}

/** Cleanup: SIGTERM, then SIGKILL if it has not exited within graceMs. */
export async function stopProcess(p: BridgeProcess | null | undefined, graceMs = 10_000): Promise<void> {
  if (!p || !isRunning(p)) return;
  p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    p.exited.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) await killHard(p);
}

/** The bridge's warn/error log lines and stderr, for assertion messages. */
export function problems(p: BridgeProcess, max = 20): string {
  const lines = p.logs
    .filter((l) => typeof l.level === 'number' && l.level >= 40)
    .map((l) => {
      const err = l.err as { message?: string; code?: string } | string | undefined;
      const what = typeof err === 'string' ? err : err ? `${err.code ?? ''} ${err.message ?? ''}` : '';
      return `[${l.level}] ${l.msg} ${what}`.slice(0, 300);
    });
  const shown = lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
  return `${shown.join('\n')}\nstderr: ${p.stderr.slice(-4000)}`;
}
