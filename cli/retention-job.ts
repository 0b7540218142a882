/** Runs retention in the background: once shortly after start, then every interval, never two passes at once. */
import type { Logger } from 'pino';
import type { Database } from '../store/db.js';
import { deleteExpired } from '../store/retention.js';

export interface RetentionOptions {
  db: Database;
  days: number;
  log: Logger;
  intervalMs?: number;
  onDeleted?: (traces: number) => void;
}

export function startRetention(opts: RetentionOptions): { stop(): Promise<void> } {
  let stopping = false;
  let busy = false;
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    if (busy || stopping) return;
    busy = true;
    running = deleteExpired(opts.db, opts.days, () => stopping)
      .then(
        (n) => {
          if (n > 0) {
            opts.onDeleted?.(n);
            opts.log.info({ traces: n, days: opts.days }, 'retention deleted old traces');
          }
        },
        (err: unknown) => opts.log.warn({ err: (err as Error).message }, 'retention pass failed; will retry'),
      )
      .finally(() => {
        busy = false;
      });
  };
  const first = setTimeout(pass, 1000);
  const timer = setInterval(pass, opts.intervalMs ?? 60_000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
