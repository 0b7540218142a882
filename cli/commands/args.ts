/**
 * Flag parsing for the viewer and maintenance commands, on node:util parseArgs (strict). Their own flags are
 * declared per command; the bridge's settings flags (--database-url, --data-dir, --pg-port, …) are passed through
 * to loadConfig, which also reads DATABASE_URL and TRACEBRIDGE_* from the environment. Anything else is an error:
 * a typo must not be ignored.
 */
import type { ParseArgsConfig } from 'node:util';
import { parseStrict, SETTING_OPTIONS } from '../config.js';

export class UsageError extends Error {}

export interface ParsedArgs {
  values: Map<string, string>;
  booleans: Set<string>;
  positionals: string[];
  /** Bridge settings flags, for loadConfig. */
  configArgs: string[];
}

/** `spec` names the command's own flags with their dashes (`--limit`): those taking a value, and switches. */
export function parseArgs(argv: string[], spec: { values: string[]; booleans: string[] }): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = { ...SETTING_OPTIONS };
  for (const flag of spec.values) options[flag.slice(2)] = { type: 'string' };
  for (const flag of spec.booleans) options[flag.slice(2)] = { type: 'boolean' };
  const { tokens } = parseStrict(argv, options, true, UsageError);
  const out: ParsedArgs = { values: new Map(), booleans: new Set(), positionals: [], configArgs: [] };
  for (const t of tokens ?? []) {
    if (t.kind === 'positional') out.positionals.push(t.value);
    if (t.kind !== 'option') continue;
    if (spec.booleans.includes(t.rawName)) out.booleans.add(t.rawName);
    else if (spec.values.includes(t.rawName)) out.values.set(t.rawName, t.value ?? '');
    else out.configArgs.push(`${t.rawName}=${t.value ?? ''}`);
  }
  return out;
}
