/** `tracebridge [serve|migrate|remap|traces|trace|run|db-url] [--flags]`: parses the command line, validates config, runs the command. */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { EmbeddedStartError } from '../store/embedded/errors.js';
import { migrate } from '../store/migrate.js';
import { startBridge } from './bridge.js';
import { DB_URL_USAGE, dbUrlCommand } from './commands/db-url.js';
import { REMAP_USAGE, remapCommand } from './commands/remap.js';
import { RUN_USAGE, runCommand } from './commands/run.js';
import { TRACE_USAGE, traceCommand } from './commands/trace.js';
import { TRACES_USAGE, tracesCommand } from './commands/traces.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './database.js';

const USAGE = `usage: tracebridge [serve|migrate|remap|traces|trace|run|db-url] [options]
  serve     run the OTLP receivers (default)
  migrate   apply database migrations and exit
  remap     recompute mapped columns and trace rows after a mapper upgrade
            [--experiment NAME] [--all] [--batch N]
  traces    list recent traces, or runs with --runs (tracebridge traces --help)
  trace     show one trace as a span tree (tracebridge trace --help)
  run       show a run (traces joined by span links) as one span tree (tracebridge run --help)
  db-url    print the embedded database's connection URL [--read-only]
Options (or environment variables): see README.md, "Configuration".`;

const USAGES: Record<string, string> = {
  serve: USAGE,
  migrate: USAGE,
  help: USAGE,
  remap: REMAP_USAGE,
  traces: TRACES_USAGE,
  trace: TRACE_USAGE,
  run: RUN_USAGE,
  'db-url': DB_URL_USAGE,
};

/** Start failures the user can fix: one line naming the setting, exit code 2, no stack. */
function startFailure(err: unknown): number | null {
  if (err instanceof ConfigError) {
    process.stderr.write(`tracebridge: invalid configuration: ${err.message}\n`);
    return 2;
  }
  if (err instanceof EmbeddedStartError) {
    process.stderr.write(`tracebridge: ${err.message}\n`);
    return 2;
  }
  return null;
}

/** Whether `--help` is among the options (read by node:util parseArgs, so `--x=--help` is not a request for help). */
function asksForHelp(args: string[]): boolean {
  const { tokens } = parseArgs({ args, strict: false, tokens: true });
  return tokens.some((t) => t.kind === 'option' && t.name === 'help');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first && !first.startsWith('--') ? first : 'serve';
  const args = first && !first.startsWith('--') ? rest : argv;
  if (command === 'help' || asksForHelp(args)) {
    process.stdout.write(`${USAGES[command] ?? USAGE}\n`);
    return 0;
  }
  if (command === 'traces') return tracesCommand(args);
  if (command === 'trace') return traceCommand(args);
  if (command === 'run') return runCommand(args);
  if (command === 'remap') return remapCommand(args);
  if (command === 'db-url') return dbUrlCommand(args);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(args, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tracebridge: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = pino({ level: config.logLevel, base: { service: 'tracebridge' } });

  if (command === 'migrate') {
    let opened: Awaited<ReturnType<typeof openDatabase>>;
    try {
      opened = await openDatabase(config, log, { shared: true });
    } catch (err) {
      const code = startFailure(err);
      if (code !== null) return code;
      throw err;
    }
    try {
      const applied = await migrate(opened.db);
      log.info(
        { applied, database: opened.description },
        applied.length ? 'migrations applied' : 'schema is up to date',
      );
    } finally {
      await opened.close();
    }
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`tracebridge: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
    return 2;
  }

  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config, log);
  } catch (err) {
    const code = startFailure(err);
    if (code !== null) return code;
    throw err;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stopping: no new requests, committing what was accepted');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await bridge.stop();
  return 0;
}
