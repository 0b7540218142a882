/**
 * What the viewer commands share: their output streams, opening the database from the bridge's own settings,
 * and turning failures into a message and an exit code (2 for usage, 1 for everything else).
 */
import type { Queryable } from '../../store/db.js';
import { ConfigError, loadConfig } from '../config.js';
import { openViewerDatabase, ViewerDatabaseError } from '../viewer-database.js';
import { UsageError } from './args.js';

export interface CommandIO {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

export const processIO = (): CommandIO => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

const UNDEFINED_TABLE = '42P01';

export async function runViewerCommand(
  name: string,
  usage: string,
  io: CommandIO,
  /** Parses the command line (throwing UsageError) into the settings to open the database with and the work. */
  prepare: () => { configArgs: string[]; run: (db: Queryable) => Promise<number> },
): Promise<number> {
  let opened: Awaited<ReturnType<typeof openViewerDatabase>> | undefined;
  try {
    const { configArgs, run } = prepare();
    opened = await openViewerDatabase(loadConfig(configArgs, io.env));
    return await run(opened.db);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`tracebridge ${name}: ${err.message}\n${usage}\n`);
      return 2;
    }
    if (err instanceof ViewerDatabaseError) {
      io.stderr.write(`tracebridge ${name}: ${err.message}\n`);
      return 1;
    }
    if ((err as { code?: unknown }).code === UNDEFINED_TABLE) {
      io.stderr.write(
        `tracebridge ${name}: ${(err as Error).message} in ${opened?.description ?? 'the database'}: ` +
          'the schema is missing or out of date; run `tracebridge migrate` (or start the bridge once)\n',
      );
      return 1;
    }
    throw err;
  } finally {
    await opened?.close();
  }
}
