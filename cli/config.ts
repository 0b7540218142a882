/**
 * Configuration from flags and environment (flags win), validated at start: a bad value stops the process with
 * a message naming the setting. One table (SETTINGS) declares each setting's key, environment variable, flag,
 * parser and default; the Config type is derived from it. Every setting is listed in README.md (a test checks).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export class ConfigError extends Error {}

interface Setting {
  key: string;
  env: string;
  flag: `--${string}`;
  parse: (raw: string, name: string) => unknown;
  fallback: unknown;
}

const MiB = 1024 * 1024;

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    const n = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
}

function text(raw: string, name: string): string {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
}

function databaseUrl(raw: string, name: string): string | null {
  const v = raw.trim();
  if (v === '') return null;
  if (!/^postgres(ql)?:\/\//.test(v)) {
    throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL`);
  }
  try {
    new URL(v);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  return v;
}

function logLevel(raw: string, name: string): string {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(raw.trim())) throw new ConfigError(`${name} must be one of ${levels.join(', ')}`);
  return raw.trim();
}

const port = integer(0, 65535);

const SETTINGS = [
  { key: 'databaseUrl', env: 'DATABASE_URL', flag: '--database-url', parse: databaseUrl, fallback: null },
  { key: 'host', env: 'TRACEBRIDGE_HOST', flag: '--host', parse: text, fallback: '127.0.0.1' },
  { key: 'httpPort', env: 'TRACEBRIDGE_HTTP_PORT', flag: '--http-port', parse: port, fallback: 4318 },
  { key: 'grpcPort', env: 'TRACEBRIDGE_GRPC_PORT', flag: '--grpc-port', parse: port, fallback: 4317 },
  {
    key: 'dataDir',
    env: 'TRACEBRIDGE_DATA_DIR',
    flag: '--data-dir',
    parse: text,
    fallback: './.tracebridge',
  },
  { key: 'pgHost', env: 'TRACEBRIDGE_PG_HOST', flag: '--pg-host', parse: text, fallback: '127.0.0.1' },
  { key: 'pgPort', env: 'TRACEBRIDGE_PG_PORT', flag: '--pg-port', parse: port, fallback: 5433 },
  {
    key: 'maxBodyBytes',
    env: 'TRACEBRIDGE_MAX_BODY_BYTES',
    flag: '--max-body-bytes',
    parse: integer(1024, 1024 * MiB),
    fallback: 64 * MiB,
  },
  {
    key: 'batchMaxSpans',
    env: 'TRACEBRIDGE_BATCH_MAX_SPANS',
    flag: '--batch-max-spans',
    parse: integer(1, 100_000),
    fallback: 4096,
  },
  {
    key: 'batchLingerMs',
    env: 'TRACEBRIDGE_BATCH_LINGER_MS',
    flag: '--batch-linger-ms',
    parse: integer(0, 10_000),
    fallback: 5,
  },
  { key: 'writers', env: 'TRACEBRIDGE_WRITERS', flag: '--writers', parse: integer(1, 64), fallback: 2 },
  {
    key: 'mapWorkers',
    env: 'TRACEBRIDGE_MAP_WORKERS',
    flag: '--map-workers',
    parse: integer(0, 64),
    fallback: 1,
  },
  {
    key: 'retryAfterMs',
    env: 'TRACEBRIDGE_RETRY_AFTER_MS',
    flag: '--retry-after-ms',
    parse: integer(0, 600_000),
    fallback: 1000,
  },
  { key: 'logLevel', env: 'TRACEBRIDGE_LOG_LEVEL', flag: '--log-level', parse: logLevel, fallback: 'info' },
  { key: 'captureDir', env: 'TRACEBRIDGE_CAPTURE_DIR', flag: '--capture-dir', parse: text, fallback: null },
  {
    key: 'maxPendingBytes',
    env: 'TRACEBRIDGE_MAX_PENDING_BYTES',
    flag: '--max-pending-bytes',
    parse: integer(1024, 64 * 1024 * MiB),
    fallback: 8 * MiB,
  },
  {
    key: 'maxAttributeLength',
    env: 'TRACEBRIDGE_MAX_ATTRIBUTE_LENGTH',
    flag: '--max-attribute-length',
    parse: integer(64, 1024 * MiB),
    fallback: MiB,
  },
  { key: 'apiKeys', env: 'TRACEBRIDGE_API_KEYS', flag: '--api-keys', parse: text, fallback: null },
  {
    key: 'apiKeysFile',
    env: 'TRACEBRIDGE_API_KEYS_FILE',
    flag: '--api-keys-file',
    parse: text,
    fallback: null,
  },
  { key: 'tlsCert', env: 'TRACEBRIDGE_TLS_CERT', flag: '--tls-cert', parse: text, fallback: null },
  { key: 'tlsKey', env: 'TRACEBRIDGE_TLS_KEY', flag: '--tls-key', parse: text, fallback: null },
  {
    key: 'retentionDays',
    env: 'TRACEBRIDGE_RETENTION_DAYS',
    flag: '--retention-days',
    parse: integer(0, 100_000),
    fallback: 0,
  },
] as const satisfies readonly Setting[];

type SettingRow = (typeof SETTINGS)[number];

/** The validated settings: each key of SETTINGS with what its parser returns, or its default. */
export type Config = {
  -readonly [S in SettingRow as S['key']]: ReturnType<S['parse']> | S['fallback'];
};

export const SETTING_NAMES = SETTINGS.map((s) => ({ env: s.env, flag: s.flag }));

/** The settings as `node:util` parseArgs options (`--http-port` → `http-port`), for every command that takes them. */
export const SETTING_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  SETTINGS.map((s) => [s.flag.slice(2), { type: 'string' }]),
);

/**
 * node:util parseArgs (strict) with its errors as `error` instances carrying a short message: `unknown option
 * --x`, `--x needs a value`, `unexpected argument "y"`.
 */
export function parseStrict<E extends Error>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  allowPositionals: boolean,
  error: new (message: string) => E,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals, tokens: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === undefined || !code.startsWith('ERR_PARSE_ARGS')) throw err;
    const message = (err as Error).message;
    const name = /'(--?[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && name) throw new error(`unknown option ${name}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new error(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name && /argument missing/.test(message)) {
      throw new error(`${name} needs a value`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name && /does not take an argument/.test(message)) {
      throw new error(`${name} takes no value`);
    }
    throw new error(message);
  }
}

/** Parses `--flag value` / `--flag=value` pairs; unknown flags are an error (a typo must not be ignored). */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseStrict(argv, SETTING_OPTIONS, false, ConfigError);
  const flags = values as Record<string, string | undefined>;
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = flags[s.flag.slice(2)];
    const fromEnv = env[s.env];
    if (fromFlag !== undefined) config[s.key] = s.parse(fromFlag, s.flag);
    else if (fromEnv !== undefined && !(s.key === 'databaseUrl' && fromEnv === ''))
      config[s.key] = s.parse(fromEnv, s.env);
    else config[s.key] = s.fallback;
  }
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError('TRACEBRIDGE_TLS_CERT and TRACEBRIDGE_TLS_KEY must be set together');
  }
  return config as Config;
}

/** The database URL with its password masked, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}
