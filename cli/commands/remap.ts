/** `tracebridge remap [--experiment NAME] [--all] [--batch N] [database options]`. */
import { pino } from 'pino';
import { EmbeddedStartError } from '../../store/embedded/errors.js';
import { migrate } from '../../store/migrate.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../database.js';
import { remap } from '../remap.js';

export async function remapCommand(argv: string[]): Promise<number> {
  let experiment: string | undefined;
  let all = false;
  let batchSize = 1000;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--all') all = true;
    else if (a === '--experiment' || a.startsWith('--experiment=')) {
      experiment = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!experiment) return usageError('--experiment needs a name');
    } else if (a === '--batch' || a.startsWith('--batch=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      batchSize = Number(v);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
        return usageError('--batch must be an integer from 1 to 100000');
      }
    } else rest.push(a);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(rest, process.env);
  } catch (err) {
    if (err instanceof ConfigError) return usageError(err.message);
    throw err;
  }
  const log = pino({ level: config.logLevel, base: { service: 'tracebridge' } });
  // Embedded mode: the running bridge's server, or one started for this command.
  let opened: Awaited<ReturnType<typeof openDatabase>>;
  try {
    opened = await openDatabase(config, log, { shared: true });
  } catch (err) {
    if (err instanceof EmbeddedStartError) return usageError(err.message);
    throw err;
  }
  const { db } = opened;
  try {
    await migrate(db);
    await remap(
      db,
      { experiment, all, batchSize, progress: (line) => process.stderr.write(`${line}\n`) },
      log,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`tracebridge remap: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await opened.close();
  }
}

function usageError(message: string): number {
  process.stderr.write(`tracebridge remap: ${message}\n`);
  return 2;
}
