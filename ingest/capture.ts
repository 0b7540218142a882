/**
 * Debug capture: with TRACEBRIDGE_CAPTURE_DIR set, every decoded-from-compression request body is written to that
 * directory as received (`000001-traces.pb`, `000002-traces.json`, …). Used to turn what real clients send into
 * mapper fixtures; off by default, never on in production.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Capture = (
  signal: 'traces' | 'logs' | 'metrics',
  format: 'protobuf' | 'json',
  body: Uint8Array,
) => void;

export function fileCapture(dir: string): Capture {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return (signal, format, body) => {
    n++;
    const name = `${String(n).padStart(6, '0')}-${signal}.${format === 'protobuf' ? 'pb' : 'json'}`;
    writeFileSync(join(dir, name), body);
  };
}
