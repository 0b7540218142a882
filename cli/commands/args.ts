/**
 * Flag parsing for the viewer commands. Their own flags are declared per command; the bridge's database flags
 * (--database-url, --data-dir, --pg-port, …) are passed through to loadConfig, which also reads DATABASE_URL and
 * TRACEBRIDGE_* from the environment. Anything else is an error: a typo must not be ignored.
 */
import { SETTING_NAMES } from '../config.js';

export class UsageError extends Error {}

export interface ParsedArgs {
  values: Map<string, string>;
  booleans: Set<string>;
  positionals: string[];
  /** Bridge settings flags, for loadConfig. */
  configArgs: string[];
}

export function parseArgs(argv: string[], spec: { values: string[]; booleans: string[] }): ParsedArgs {
  const out: ParsedArgs = { values: new Map(), booleans: new Set(), positionals: [], configArgs: [] };
  const configFlags = new Set<string>(SETTING_NAMES.map((s) => s.flag));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (spec.booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      out.booleans.add(name);
      continue;
    }
    const isOwn = spec.values.includes(name);
    if (!isOwn && !configFlags.has(name)) throw new UsageError(`unknown option ${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (isOwn) out.values.set(name, value);
    else out.configArgs.push(name, value);
  }
  return out;
}
