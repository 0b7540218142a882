/** The bench's command-line options (node:util parseArgs, strict); run.ts's header lists them. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { BridgeBuild } from './bridge-proc.js';
import type { Protocol } from './loadgen.js';

export const PROTOCOLS: Protocol[] = ['http-protobuf', 'http-json', 'grpc'];

export interface Options {
  protocols: Protocol[];
  clients: number[];
  seconds: number;
  warmup: number;
  messageKb: number[];
  embeddedOnly: boolean;
  smoke: boolean;
  build: BridgeBuild;
  ceiling: boolean;
  ceilingOnly: boolean;
  mlflow: boolean;
  /** Ceiling variants to measure (keys of CEILING_VARIANTS); null = the default set. */
  variants: string[] | null;
  half: boolean;
  overload: boolean;
  embedded: boolean;
  sizes: boolean;
  profile: boolean;
  ceilingRequests: number;
  ceilingWriters: number;
  poolMb: number;
  drainSeconds: number;
  bridgeEnv: Record<string, string>;
  /** The bridge connects through Postgres's Unix socket (the generator and the counter stay on TCP). */
  unixSocket: boolean;
  pgConf: string[];
  out: string | null;
  /** Before each run, wait up to this long for the rest of the machine to go quiet; repeat noisy runs. */
  quietWait: number;
  retryNoisy: number;
}

/** Flags that take a value (`--clients 1,4` or `--clients=1,4`); the rest are switches. */
const VALUE_FLAGS = [
  'protocol',
  'clients',
  'seconds',
  'warmup',
  'message-kb',
  'bridge',
  'bridge-env',
  'pg-conf',
  'variants',
  'ceiling-requests',
  'ceiling-writers',
  'pool-mb',
  'drain-seconds',
  'out',
  'quiet-wait',
  'retry-noisy',
] as const;
const SWITCHES = [
  'smoke',
  'embedded',
  'unix-socket',
  'no-ceiling',
  'no-mlflow',
  'ceiling-only',
  'no-half',
  'no-overload',
  'no-embedded',
  'no-sizes',
  'profile',
  'no-profile',
] as const;

const OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries([
  ...VALUE_FLAGS.map(
    (f) => [f, { type: 'string', multiple: f === 'bridge-env' || f === 'pg-conf' }] as const,
  ),
  ...SWITCHES.map((f) => [f, { type: 'boolean' }] as const),
]);

export function parseOptions(argv: string[]): Options {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    throw new Error(`${(err as Error).message} (see the header of bench/run.ts)`);
  }
  const flags = parsed.values as Partial<Record<(typeof SWITCHES)[number], boolean>> &
    Partial<Record<(typeof VALUE_FLAGS)[number], string>> & { 'bridge-env'?: string[]; 'pg-conf'?: string[] };
  const smoke = flags.smoke === true;
  const o: Options = {
    protocols: PROTOCOLS,
    clients: smoke ? [1] : [1, 4, 16],
    seconds: smoke ? 1 : 10,
    warmup: smoke ? 0.5 : 3,
    messageKb: smoke ? [1] : [1, 10],
    embeddedOnly: false,
    smoke,
    build: smoke ? 'tsx' : 'dist',
    ceiling: true,
    ceilingOnly: false,
    mlflow: !smoke,
    variants: null,
    half: true,
    overload: true,
    embedded: true,
    sizes: true,
    profile: !smoke,
    ceilingRequests: smoke ? 16 : 400,
    ceilingWriters: 2,
    poolMb: smoke ? 64 : 1024,
    drainSeconds: smoke ? 30 : 120,
    bridgeEnv: {},
    unixSocket: false,
    pgConf: [],
    out: null,
    quietWait: smoke ? 0 : 300,
    retryNoisy: smoke ? 0 : 2,
  };
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const num = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--${flag} needs a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  if (flags.protocol !== undefined) {
    const v = list(flags.protocol);
    o.protocols = v.includes('all') ? PROTOCOLS : (v as Protocol[]);
    for (const p of o.protocols) if (!PROTOCOLS.includes(p)) throw new Error(`unknown protocol ${p}`);
  }
  if (flags.clients !== undefined) o.clients = list(flags.clients).map((v) => Math.round(num(v, 'clients')));
  if (flags.seconds !== undefined) o.seconds = num(flags.seconds, 'seconds');
  if (flags.warmup !== undefined) o.warmup = Number(flags.warmup);
  if (flags['message-kb'] !== undefined)
    o.messageKb = list(flags['message-kb']).map((v) => num(v, 'message-kb'));
  if (flags.embedded) o.embeddedOnly = true;
  if (flags.bridge !== undefined) {
    if (flags.bridge !== 'dist' && flags.bridge !== 'tsx') throw new Error('--bridge is dist or tsx');
    o.build = flags.bridge;
  }
  for (const kv of flags['bridge-env'] ?? []) {
    const [k, v] = kv.split(/=(.*)/s, 2);
    if (!k || v === undefined) throw new Error('--bridge-env takes KEY=VALUE');
    o.bridgeEnv[k] = v;
  }
  for (const v of flags['pg-conf'] ?? []) {
    if (!/^[a-z_.]+=.+$/.test(v)) throw new Error('--pg-conf takes name=value');
    o.pgConf.push(v);
  }
  if (flags['unix-socket']) o.unixSocket = true;
  if (flags['no-ceiling']) o.ceiling = false;
  if (flags['no-mlflow']) o.mlflow = false;
  if (flags['ceiling-only']) {
    o.ceilingOnly = true;
    o.sizes = o.half = o.overload = o.embedded = o.profile = o.mlflow = false;
  }
  if (flags.variants !== undefined) o.variants = list(flags.variants);
  if (flags['no-half']) o.half = false;
  if (flags['no-overload']) o.overload = false;
  if (flags['no-embedded']) o.embedded = false;
  if (flags['no-sizes']) o.sizes = false;
  if (flags.profile) o.profile = true;
  if (flags['no-profile']) o.profile = false;
  if (flags['ceiling-requests'] !== undefined) {
    o.ceilingRequests = Math.round(num(flags['ceiling-requests'], 'ceiling-requests'));
  }
  if (flags['ceiling-writers'] !== undefined) {
    o.ceilingWriters = Math.round(num(flags['ceiling-writers'], 'ceiling-writers'));
  }
  if (flags['pool-mb'] !== undefined) o.poolMb = num(flags['pool-mb'], 'pool-mb');
  if (flags['drain-seconds'] !== undefined) o.drainSeconds = num(flags['drain-seconds'], 'drain-seconds');
  if (flags.out !== undefined) o.out = flags.out;
  if (flags['quiet-wait'] !== undefined) o.quietWait = Number(flags['quiet-wait']);
  if (flags['retry-noisy'] !== undefined) o.retryNoisy = Math.round(Number(flags['retry-noisy']));
  return o;
}
