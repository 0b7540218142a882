/**
 * The load generator: its own process (spawned by bench/run.ts with an IPC channel), so its CPU is not the
 * bridge's. It pre-builds a pool of distinct requests before the timed phase (bench/workload.ts: a template with
 * fresh ids patched in), then sends them over OTLP/HTTP protobuf, OTLP/HTTP JSON or OTLP/gRPC.
 *
 *   closed loop (default): `clients` concurrent exporters, each sending its next request when the previous one
 *                          is acknowledged (what an SDK's batch processor does);
 *   open loop (`rate`):    requests arrive at `rate` spans/s whatever the answers, at most `clients` attempts
 *                          in flight (arrivals beyond that wait in a backlog).
 *
 * Retryable answers (HTTP 429 / 503, gRPC UNAVAILABLE) are retried after the delay the bridge asks for
 * (Retry-After, google.rpc.RetryInfo; plus up to 20 % jitter), as OTel exporters do, until acknowledged: a run ends with every request it
 * started acknowledged or counted as lost.
 *
 * IPC: parent → {type:'start'} | {type:'mark'} | {type:'stop', window:[t0,t1]}; child → {type:'ready'} |
 * {type:'backpressure'} (the first retryable answer) | {type:'result'}.
 */

import http from 'node:http';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { RETRY_INFO_TYPE_URL, RetryInfo, RpcStatus } from '../proto/otlp.js';
import { buildTemplate, type Encoding, type IdScheme, instantiate } from './workload.js';

export type Protocol = 'http-protobuf' | 'http-json' | 'grpc';

export interface LoadgenConfig {
  protocol: Protocol;
  /** Closed loop: concurrent exporters. Open loop: the most attempts in flight. */
  clients: number;
  /** Open loop: offered spans per second. */
  rate?: number;
  messageKb: number;
  spansPerRequest: number;
  httpPort: number;
  grpcPort: number;
  ids: IdScheme;
  /** Decimal string (bigint ns). */
  baseShiftNs: string;
  /** Requests to pre-build before the timed phase (capped by poolMb). */
  poolRequests: number;
  poolMb: number;
  /** After stop: how long to keep retrying what was started. */
  drainSeconds: number;
  /** OTLP/HTTP: the request path (default `/v1/traces`). */
  httpPath?: string;
  /** OTLP/HTTP: extra request headers, e.g. `x-mlflow-experiment-id` for MLflow's endpoint (bench/mlflow.ts). */
  headers?: Record<string, string>;
}

export interface WindowStats {
  requests: number;
  spans: number;
  bytes: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  retryableAnswers: number;
  cpuSeconds: number;
  /** Open loop: arrivals in the window. */
  offered: number;
}

export interface LoadgenResult {
  type: 'result';
  window: WindowStats;
  totals: {
    /** Distinct requests started / acknowledged / given up (non-retryable answer or drain timeout). */
    started: number;
    acked: number;
    lost: number;
    ackedSpans: number;
    /** Attempts answered 429 / 503 / UNAVAILABLE, and retries sent. */
    retryableAnswers: number;
    retries: number;
    errors: Record<string, number>;
    partialSuccess: number;
    poolRequests: number;
    poolMisses: number;
    maxBacklog: number;
    cpuSeconds: number;
  };
  requestBytes: number;
}

interface Answer {
  ok: boolean;
  retryable: boolean;
  retryAfterMs: number;
  code: string;
  partial: boolean;
}

interface Sender {
  send(body: Buffer, client: number): Promise<Answer>;
  close(): void;
}

const DEFAULT_RETRY_MS = 1000;

function httpSender(cfg: LoadgenConfig, encoding: Encoding): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.clients, maxFreeSockets: cfg.clients });
  const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  return {
    send(body) {
      return new Promise((resolve) => {
        const req = http.request(
          {
            agent,
            host: '127.0.0.1',
            port: cfg.httpPort,
            path: cfg.httpPath ?? '/v1/traces',
            method: 'POST',
            headers: { ...cfg.headers, 'content-type': contentType, 'content-length': body.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              const text = Buffer.concat(chunks);
              const retryAfter = Number(res.headers['retry-after']);
              resolve({
                ok: status === 200,
                retryable: status === 429 || status === 502 || status === 503 || status === 504,
                retryAfterMs:
                  Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : DEFAULT_RETRY_MS,
                code: String(status),
                partial:
                  status === 200 && text.length > 0 && !(encoding === 'json' && text.toString() === '{}'),
              });
            });
            res.on('error', (err) =>
              resolve({
                ok: false,
                retryable: true,
                retryAfterMs: DEFAULT_RETRY_MS,
                code: err.message,
                partial: false,
              }),
            );
          },
        );
        req.on('error', (err) =>
          resolve({
            ok: false,
            retryable: true,
            retryAfterMs: DEFAULT_RETRY_MS,
            code: err.message,
            partial: false,
          }),
        );
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

function grpcRetryDelayMs(metadata: grpc.Metadata | undefined): number {
  const details = metadata?.get('grpc-status-details-bin')[0];
  if (!details || typeof details === 'string') return DEFAULT_RETRY_MS;
  try {
    const status = RpcStatus.decode(details) as unknown as {
      details: { typeUrl: string; value: Uint8Array }[];
    };
    const any = status.details.find((d) => d.typeUrl === RETRY_INFO_TYPE_URL);
    if (!any) return DEFAULT_RETRY_MS;
    const info = RetryInfo.decode(any.value) as unknown as {
      retryDelay?: { seconds?: number | { toNumber(): number }; nanos?: number };
    };
    const s = info.retryDelay?.seconds ?? 0;
    return (typeof s === 'number' ? s : s.toNumber()) * 1000 + (info.retryDelay?.nanos ?? 0) / 1e6;
  } catch {
    return DEFAULT_RETRY_MS;
  }
}

function grpcSender(cfg: LoadgenConfig): Sender {
  const identity = (b: Buffer) => b;
  // Closed loop: one channel (one HTTP/2 connection) per exporter. Open loop: a few, calls multiplexed.
  const channels = Array.from(
    { length: cfg.rate ? Math.min(cfg.clients, 8) : cfg.clients },
    () =>
      new grpc.Client(`127.0.0.1:${cfg.grpcPort}`, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': 256 * 1024 * 1024,
        'grpc.max_receive_message_length': 16 * 1024 * 1024,
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
  return {
    send(body, client) {
      const channel = channels[client % channels.length]!;
      return new Promise((resolve) => {
        channel.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          identity,
          identity,
          body,
          new grpc.Metadata(),
          { deadline: Date.now() + 120_000 },
          (err: grpc.ServiceError | null, res?: Buffer) => {
            if (!err) {
              resolve({
                ok: true,
                retryable: false,
                retryAfterMs: 0,
                code: 'OK',
                partial: (res?.length ?? 0) > 0,
              });
              return;
            }
            resolve({
              ok: false,
              retryable: err.code === grpc.status.UNAVAILABLE,
              retryAfterMs: grpcRetryDelayMs(err.metadata),
              code: grpc.status[err.code] ?? String(err.code),
              partial: false,
            });
          },
        );
      });
    },
    close() {
      for (const c of channels) c.close();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  // The configuration is the one argument run.ts passes (scenario.ts startLoadgen).
  const { positionals } = parseArgs({ allowPositionals: true, strict: true });
  const cfg = JSON.parse(positionals[0]!) as LoadgenConfig;
  const send = (m: unknown) => process.send!(m);
  const encoding: Encoding = cfg.protocol === 'http-json' ? 'json' : 'protobuf';
  const template = buildTemplate(cfg.messageKb, cfg.spansPerRequest);
  const shift = BigInt(cfg.baseShiftNs);
  const requestBytes = (encoding === 'json' ? template.json : template.protobuf).length;

  // The pool: distinct requests built before the timed phase.
  const poolSize = Math.max(
    1,
    Math.min(cfg.poolRequests, Math.floor((cfg.poolMb * 1024 * 1024) / requestBytes)),
  );
  const prepStart = performance.now();
  const pool: (Buffer | null)[] = [];
  for (let seq = 0; seq < poolSize; seq++) pool.push(instantiate(template, encoding, cfg.ids, seq, shift));
  let nextSeq = 0;
  let poolMisses = 0;
  const nextPayload = (): Buffer => {
    const seq = nextSeq++;
    if (seq < pool.length) {
      const b = pool[seq]!;
      pool[seq] = null;
      return b;
    }
    poolMisses++;
    return instantiate(template, encoding, cfg.ids, seq, shift);
  };

  const sender = cfg.protocol === 'grpc' ? grpcSender(cfg) : httpSender(cfg, encoding);

  // Per successful attempt: completion time (epoch ms), latency, bytes. Per retryable answer: its time.
  const okAt: number[] = [];
  const okLatency: number[] = [];
  const retryAt: number[] = [];
  const arrivals: number[] = [];
  let started = 0;
  let acked = 0;
  let lost = 0;
  let retries = 0;
  let partialSuccess = 0;
  const errors: Record<string, number> = {};
  let stopping = false;
  let drainDeadline = Number.POSITIVE_INFINITY;

  // Attempt slots (open loop: the in-flight cap; closed loop: one per client, never contended).
  let free = cfg.clients;
  const backlog: (() => void)[] = [];
  let maxBacklog = 0;
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      backlog.push(resolve);
      maxBacklog = Math.max(maxBacklog, backlog.length);
    });
  };
  const release = () => {
    const next = backlog.shift();
    if (next) next();
    else free++;
  };

  let clientCounter = 0;
  const deliver = async (body: Buffer, client: number): Promise<void> => {
    started++;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) retries++;
      await acquire();
      const t = performance.now();
      let a: Answer;
      try {
        a = await sender.send(body, client);
      } finally {
        release();
      }
      const now = Date.now();
      if (a.ok) {
        okAt.push(now);
        okLatency.push(performance.now() - t);
        if (a.partial) partialSuccess++;
        acked++;
        return;
      }
      errors[a.code] = (errors[a.code] ?? 0) + 1;
      if (!a.retryable) {
        lost++;
        return;
      }
      if (retryAt.length === 0) send({ type: 'backpressure' });
      retryAt.push(now);
      if (now + a.retryAfterMs > drainDeadline) {
        lost++;
        return;
      }
      // The delay the bridge asked for, plus up to 20 % jitter so retries of a burst don't arrive in lockstep.
      await sleep(a.retryAfterMs * (1 + Math.random() * 0.2));
    }
  };

  let cpuMarks: NodeJS.CpuUsage[] = [];
  const cpu0 = process.cpuUsage();
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const run = () => {
    if (cfg.rate) {
      // Open loop: arrivals on a fixed schedule, drift-corrected.
      const intervalMs = (cfg.spansPerRequest / cfg.rate) * 1000;
      const t0 = performance.now();
      let k = 0;
      const tick = () => {
        if (stopping) return;
        const due = Math.floor((performance.now() - t0) / intervalMs) + 1;
        for (; k < due; k++) {
          arrivals.push(Date.now());
          track(deliver(nextPayload(), clientCounter++));
        }
        setTimeout(tick, Math.max(0, t0 + k * intervalMs - performance.now()));
      };
      tick();
    } else {
      for (let c = 0; c < cfg.clients; c++) {
        track(
          (async () => {
            while (!stopping) await deliver(nextPayload(), c);
          })(),
        );
      }
    }
  };

  process.on('message', (m: { type: string; window?: [number, number] }) => {
    if (m.type === 'start') run();
    else if (m.type === 'mark') cpuMarks.push(process.cpuUsage());
    else if (m.type === 'stop') {
      void (async () => {
        stopping = true;
        drainDeadline = Date.now() + cfg.drainSeconds * 1000;
        while (inFlight.size > 0) await Promise.race([...inFlight]);
        sender.close();
        const [w0, w1] = m.window!;
        const inWindow = (t: number) => t >= w0 && t < w1;
        const lat: number[] = [];
        let requests = 0;
        okAt.forEach((t, i) => {
          if (inWindow(t)) {
            requests++;
            lat.push(okLatency[i]!);
          }
        });
        lat.sort((a, b) => a - b);
        const cpuSec = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
        if (cpuMarks.length < 2) cpuMarks = [cpu0, process.cpuUsage()];
        const result: LoadgenResult = {
          type: 'result',
          window: {
            requests,
            spans: requests * template.spans,
            bytes: requests * requestBytes,
            latencyMs: {
              p50: percentile(lat, 50),
              p90: percentile(lat, 90),
              p99: percentile(lat, 99),
              max: lat.length ? lat[lat.length - 1]! : 0,
              mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : 0,
            },
            retryableAnswers: retryAt.filter(inWindow).length,
            cpuSeconds: cpuSec(cpuMarks[1]!) - cpuSec(cpuMarks[0]!),
            offered: arrivals.filter(inWindow).length,
          },
          totals: {
            started,
            acked,
            lost,
            ackedSpans: acked * template.spans,
            retryableAnswers: retryAt.length,
            retries,
            errors,
            partialSuccess,
            poolRequests: poolSize,
            poolMisses,
            maxBacklog,
            cpuSeconds: cpuSec(process.cpuUsage()) - cpuSec(cpu0),
          },
          requestBytes,
        };
        process.send!(result, () => process.exit(0));
      })();
    }
  });
  send({ type: 'ready', poolRequests: poolSize, requestBytes, prepMs: performance.now() - prepStart });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
