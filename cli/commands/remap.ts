/** `tracebridge remap [--experiment NAME] [--all] [--batch N] [database options]`. */
import { pino } from 'pino';
import { EmbeddedStartError } from '../../store/embedded/errors.js';
import { migrate } from '../../store/migrate.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../database.js';
import { remap } from '../remap.js';
import { parseArgs, UsageError } from './args.js';

export const REMAP_USAGE = `usage: tracebridge remap [--experiment NAME] [--all] [--batch N] [database options]
  --experiment  only the traces of this experiment
  --all         every span, not only those mapped by another mapper version
  --batch       spans per transaction (default 1000)`;

export async function remapCommand(argv: string[]): Promise<number> {
  let experiment: string | undefined;
  let all: boolean;
  let batchSize = 1000;
  let config: ReturnType<typeof loadConfig>;
  try {
    const args = parseArgs(argv, { values: ['--experiment', '--batch'], booleans: ['--all'] });
    if (args.positionals.length) {
      throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    }
    experiment = args.values.get('--experiment');
    if (experiment === '') throw new UsageError('--experiment needs a name');
    all = args.booleans.has('--all');
    const batch = args.values.get('--batch');
    if (batch !== undefined) {
      batchSize = Number(batch);
      if (!/^\d+$/.test(batch) || batchSize < 1 || batchSize > 100_000) {
        throw new UsageError('--batch must be an integer from 1 to 100000');
      }
    }
    config = loadConfig(args.configArgs, process.env);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) return usageError(err.message);
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
