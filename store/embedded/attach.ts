/**
 * For the one-shot commands (migrate, remap, traces, trace): use the embedded server a running bridge serves, or,
 * when none runs, start one for the command, holding the same lock (so a bridge started meanwhile is refused
 * rather than opening the directory twice).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGDATA } from './cluster.js';
import { type Credentials, connectionUrl, readCredentials } from './credentials.js';
import { EmbeddedStartError } from './errors.js';
import { lockHolder } from './lock.js';
import { connectHost, type EmbeddedServerOptions, startEmbeddedServer } from './server.js';

export interface EmbeddedConnection {
  ownerUrl: string;
  readerUrl: string;
  /** For messages: whose server this is. */
  description: string;
  /** Stops the server when this command started it; nothing when a bridge serves it. */
  close(): Promise<void>;
}

const WAIT_MS = 120_000;

interface Postmaster {
  port: number;
  host: string;
  ready: boolean;
}

/** postmaster.pid: pid, data directory, start time, port, socket directory, listen address, shmem key, status. */
export function readPostmaster(dataDir: string): Postmaster | null {
  try {
    const lines = readFileSync(join(dataDir, PGDATA, 'postmaster.pid'), 'utf8').split('\n');
    const port = Number(lines[3]);
    if (!Number.isInteger(port) || port <= 0) return null;
    const host = (lines[5] ?? '').trim().split(',')[0]?.trim() || '127.0.0.1';
    return { port, host, ready: (lines[7] ?? '').trim() === 'ready' };
  } catch {
    return null;
  }
}

export async function useEmbedded(opts: EmbeddedServerOptions): Promise<EmbeddedConnection> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const holder = lockHolder(opts.dataDir);
    if (holder === null) {
      try {
        const server = await startEmbeddedServer(opts);
        return {
          ownerUrl: server.ownerUrl,
          readerUrl: server.readerUrl,
          description: `embedded PostgreSQL in ${opts.dataDir} (started for this command)`,
          close: () => server.stop(),
        };
      } catch (err) {
        // A bridge took the lock between our look and our start: use its server instead.
        if (!(err instanceof EmbeddedStartError) || lockHolder(opts.dataDir) === null) throw err;
        continue;
      }
    }
    // The holder may still be creating the cluster or starting the server: wait for it to be ready.
    const creds: Credentials | null = readCredentials(opts.dataDir);
    const pm = readPostmaster(opts.dataDir);
    if (creds && pm?.ready) {
      const at = { host: connectHost(pm.host), port: pm.port };
      return {
        ownerUrl: connectionUrl(creds.owner, at),
        readerUrl: connectionUrl(creds.reader, at),
        description: `the embedded PostgreSQL of process ${holder} at ${connectionUrl(creds.owner, at, { password: false })}`,
        close: async () => {},
      };
    }
    if (Date.now() > deadline) {
      throw new EmbeddedStartError(
        'TRACEBRIDGE_DATA_DIR',
        `data directory ${opts.dataDir} is in use by process ${holder}, whose server did not become ready`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
