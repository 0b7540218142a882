/**
 * The id argument of the viewer commands that open one thing (`trace`, `run`): 32 hex characters or a unique
 * prefix of at least 4, as `tracebridge traces` prints them, resolved to one trace id.
 */
import type { Queryable } from '../../store/db.js';
import { findTraceIds } from '../../store/queries.js';
import { UsageError } from './args.js';
import type { CommandIO } from './viewer-command.js';

/** The single id positional, lowercased; `missing` is the usage error without it, `noun` names it in others. */
export function idPrefixArgument(positionals: string[], missing: string, noun: string): string {
  const [raw, extra] = positionals;
  if (raw === undefined) throw new UsageError(missing);
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  const prefix = raw.trim().toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(prefix)) {
    throw new UsageError(
      `${noun} is 32 hex characters (or a prefix of at least 4), got ${JSON.stringify(raw)}`,
    );
  }
  return prefix;
}

/** The one trace id starting with `prefix`, or null after telling the user there is none (`none`) or several. */
export async function uniqueTraceId(
  db: Queryable,
  prefix: string,
  io: CommandIO,
  command: string,
  none: string,
): Promise<string | null> {
  const ids = await findTraceIds(db, prefix);
  if (ids.length === 1) return ids[0]!;
  io.stderr.write(
    ids.length === 0
      ? `tracebridge ${command}: ${none} ${prefix}\n`
      : `tracebridge ${command}: ${prefix} is ambiguous (${ids.join(', ')}, …): give more characters\n`,
  );
  return null;
}
