/** Runs the real CLI (bin/tracebridge.ts) as a child process, the way users and the container start it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tracebridge.ts', import.meta.url));

export interface BridgeProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  stderr: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function spawnBridge(args: string[], env: Record<string, string | undefined>): BridgeProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: BridgeProcess = {
    child,
    logs: [],
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        proc.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        proc.logs.push({ msg: line });
      }
      nl = buf.indexOf('\n');
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    proc.stderr += d.toString();
  });
  return proc;
}

/** Waits for a log line whose msg matches, failing if the process exits first or time runs out. */
export async function waitForLog(
  proc: BridgeProcess,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const hit = proc.logs.find((l) => typeof l.msg === 'string' && pattern.test(l.msg));
    if (hit) return hit;
    if (exited) throw new Error(`bridge exited before logging ${pattern}: ${proc.stderr}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${pattern}; logs: ${JSON.stringify(proc.logs)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
