/**
 * `tracebridge db-url [--read-only]`: the connection URL of the embedded database (with its password), for psql or
 * any client: `psql "$(npx tracebridge db-url --read-only)"`. The address is the running server's when one runs on
 * the data directory, else the configured TRACEBRIDGE_PG_HOST / TRACEBRIDGE_PG_PORT.
 */
import { resolve } from 'node:path';
import { readPostmaster } from '../../store/embedded/attach.js';
import { connectionUrl, readCredentials } from '../../store/embedded/credentials.js';
import { lockHolder } from '../../store/embedded/lock.js';
import { connectHost } from '../../store/embedded/server.js';
import { ConfigError, loadConfig } from '../config.js';
import { parseArgs, UsageError } from './args.js';

export const DB_URL_USAGE = `usage: tracebridge db-url [--read-only] [--data-dir DIR] [--pg-host HOST] [--pg-port PORT]
  Prints the embedded database's connection URL with its password: the owner's, or with --read-only the
  read-only role's (member of tracebridge_reader). With DATABASE_URL set, prints that URL.`;

export function dbUrlCommand(argv: string[], out = process.stdout, err = process.stderr): number {
  let readOnly: boolean;
  let config: ReturnType<typeof loadConfig>;
  try {
    const args = parseArgs(argv, { values: [], booleans: ['--read-only'] });
    if (args.positionals.length) {
      throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    }
    readOnly = args.booleans.has('--read-only');
    config = loadConfig(args.configArgs, process.env);
  } catch (e) {
    if (!(e instanceof ConfigError || e instanceof UsageError)) throw e;
    err.write(`tracebridge db-url: ${e.message}\n${DB_URL_USAGE}\n`);
    return 2;
  }
  if (config.databaseUrl) {
    if (readOnly) {
      err.write(
        'tracebridge db-url: DATABASE_URL is set and no read-only URL is known for that server: ' +
          'create a login role in tracebridge_reader (docs/operations.md, "Read-only access")\n',
      );
      return 2;
    }
    out.write(`${config.databaseUrl}\n`);
    return 0;
  }
  const dataDir = resolve(config.dataDir);
  let creds: ReturnType<typeof readCredentials>;
  try {
    creds = readCredentials(dataDir);
  } catch (e) {
    err.write(`tracebridge db-url: cannot read the credentials in ${dataDir}: ${(e as Error).message}\n`);
    return 1;
  }
  if (!creds) {
    err.write(
      `tracebridge db-url: ${dataDir} holds no embedded database yet: start the bridge once (npm start), or set TRACEBRIDGE_DATA_DIR\n`,
    );
    return 1;
  }
  const running = lockHolder(dataDir) !== null ? readPostmaster(dataDir) : null;
  const at = running
    ? { host: connectHost(running.host), port: running.port }
    : { host: connectHost(config.pgHost), port: config.pgPort };
  out.write(`${connectionUrl(readOnly ? creds.reader : creds.owner, at)}\n`);
  return 0;
}
