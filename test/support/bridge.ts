/** Starts the real bridge in-process on ephemeral 127.0.0.1 ports. */
import { pino } from 'pino';
import { type RunningBridge, startBridge } from '../../cli/bridge.js';
import { type Config, loadConfig } from '../../cli/config.js';

export async function startTestBridge(overrides: Partial<Config> = {}): Promise<RunningBridge> {
  const config: Config = {
    ...loadConfig([], {}),
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    pgPort: 0,
    batchLingerMs: 2,
    ...overrides,
  };
  return startBridge(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
}

export async function postOtlp(
  port: number,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
