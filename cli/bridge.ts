/**
 * The composition root: wires ingest → pipeline → mapper / store, starts the receivers and background jobs, and
 * stops everything in order (stop accepting, let in-flight requests finish, commit what was accepted, close the
 * database).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Admission } from '../ingest/admission.js';
import { type ApiKeyEntry, ApiKeys, parseApiKeysEnv, parseApiKeysFile } from '../ingest/auth.js';
import { fileCapture } from '../ingest/capture.js';
import { startGrpcReceiver } from '../ingest/grpc-server.js';
import { startHttpReceiver } from '../ingest/http-server.js';
import { Receiver, type TransportDeps } from '../ingest/receive.js';
import type { TlsFiles } from '../ingest/receiver.js';
import { BridgeMetrics } from '../metrics/metrics.js';
import { inThreadMapper } from '../pipeline/decode-and-map.js';
import { LogsPipeline } from '../pipeline/logs-pipeline.js';
import { MapWorkers } from '../pipeline/map-workers.js';
import { joinEvents } from '../pipeline/raw-span.js';
import { TracePipeline } from '../pipeline/trace-pipeline.js';
import { BatchWriter } from '../store/batch-writer.js';
import { EmbeddedStartError } from '../store/embedded/errors.js';
import { LockedError, lockHolder } from '../store/embedded/lock.js';
import { Experiments } from '../store/experiments.js';
import { isMigrated, migrate } from '../store/migrate.js';
import { isRetryableDbError } from '../store/write-errors.js';
import { type Config, ConfigError } from './config.js';
import { openDatabase } from './database.js';
import { startRetention } from './retention-job.js';

export interface RunningBridge {
  httpPort: number;
  grpcPort: number;
  pgPort: number | null;
  metrics: BridgeMetrics;
  /** Stop accepting, flush and commit what was accepted, close the database. */
  stop(): Promise<void>;
}

const MIGRATE_RETRY_MS = 2000;

/** Reads the files the config names, failing with the setting's name (before anything is started). */
function loadSecrets(config: Config): { apiKeys: ApiKeys; tls: TlsFiles | undefined } {
  const read = (path: string, setting: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${setting}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const entries: ApiKeyEntry[] = [
    ...(config.apiKeys ? parseApiKeysEnv(config.apiKeys) : []),
    ...(config.apiKeysFile
      ? parseApiKeysFile(read(config.apiKeysFile, 'TRACEBRIDGE_API_KEYS_FILE').toString('utf8'))
      : []),
  ];
  if ((config.apiKeys || config.apiKeysFile) && entries.length === 0) {
    throw new ConfigError('TRACEBRIDGE_API_KEYS / TRACEBRIDGE_API_KEYS_FILE is set but names no key');
  }
  const tls =
    config.tlsCert && config.tlsKey
      ? {
          cert: read(config.tlsCert, 'TRACEBRIDGE_TLS_CERT'),
          key: read(config.tlsKey, 'TRACEBRIDGE_TLS_KEY'),
        }
      : undefined;
  return { apiKeys: new ApiKeys(entries), tls };
}

/** A receiver that cannot listen: one line naming the setting (grpc-js words it differently from node:net). */
function listenFailure(err: unknown, setting: string, host: string, port: number): unknown {
  const text = `${(err as Error)?.message ?? err} ${(err as { code?: string })?.code ?? ''}`;
  if (/EADDRINUSE|address already in use/i.test(text)) {
    return new ConfigError(`${setting}: port ${port} on ${host} is already in use`);
  }
  if (/EACCES|permission denied/i.test(text)) {
    return new ConfigError(
      `${setting}: no permission to listen on port ${port} (ports below 1024 need privileges)`,
    );
  }
  if (/ENOTFOUND|EAI_AGAIN|name resolution|DNS resolution/i.test(text)) {
    return new ConfigError(`TRACEBRIDGE_HOST: host ${JSON.stringify(host)} does not resolve`);
  }
  if (/EADDRNOTAVAIL|cannot assign requested address/i.test(text)) {
    return new ConfigError(`TRACEBRIDGE_HOST: ${host} is not an address of this machine`);
  }
  return err;
}

/** Fails before the database starts (seconds, for the embedded one) when a receiver's port cannot be had. */
async function checkPortFree(setting: string, host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenFailure(err, setting, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function startBridge(config: Config, log: Logger): Promise<RunningBridge> {
  const { apiKeys, tls } = loadSecrets(config);
  // A second bridge on the same data directory (and so, usually, the same ports) is told about the directory.
  if (!config.databaseUrl) {
    const dataDir = resolve(config.dataDir);
    const holder = lockHolder(dataDir);
    if (holder !== null)
      throw new EmbeddedStartError('TRACEBRIDGE_DATA_DIR', new LockedError(dataDir, holder).message);
  }
  await checkPortFree('TRACEBRIDGE_HTTP_PORT', config.host, config.httpPort);
  await checkPortFree('TRACEBRIDGE_GRPC_PORT', config.host, config.grpcPort);
  const database = await openDatabase(config, log);
  const { db, description } = database;
  const metrics = new BridgeMetrics();

  // A database that is down at start must not keep the receivers down: they answer 503 until it is migrated.
  let migrated = false;
  let migrateTimer: NodeJS.Timeout | null = null;
  const tryMigrate = async (): Promise<void> => {
    try {
      const applied = await migrate(db);
      migrated = true;
      if (applied.length) log.info({ applied }, 'migrations applied');
    } catch (err) {
      if (!isRetryableDbError(err)) throw err;
      log.warn({ err: (err as Error).message }, `database not reachable, retrying in ${MIGRATE_RETRY_MS} ms`);
      migrateTimer = setTimeout(
        () => void tryMigrate().catch((e) => log.error({ err: e }, 'migration failed')),
        MIGRATE_RETRY_MS,
      );
    }
  };
  try {
    await tryMigrate();
  } catch (err) {
    await database.close();
    throw err;
  }

  const lifecycle = { stopping: false };
  const writer = new BatchWriter(db, {
    maxBatchSpans: config.batchMaxSpans,
    lingerMs: config.batchLingerMs,
    concurrency: config.writers,
    onCommit: (info) => {
      metrics.batchSpans.observe(info.spans);
      metrics.commitSeconds.observe(info.ms / 1000);
    },
    onError: (err, info) => log.warn({ err: (err as Error).message, ...info }, 'batch failed'),
    join: joinEvents,
  });
  const experiments = new Experiments(db);
  // 0 maps on the event loop (in slices); otherwise on that many worker threads.
  const mapWorkers =
    config.mapWorkers > 0 ? new MapWorkers(config.mapWorkers, config.maxAttributeLength, log) : null;
  const pipeline = new TracePipeline({
    experiments,
    writer,
    mapRequest: mapWorkers ? mapWorkers.map : inThreadMapper(config.maxAttributeLength),
    retryAfterMs: config.retryAfterMs,
    metrics,
  });
  const logsPipeline = new LogsPipeline({
    db,
    experiments,
    retryAfterMs: config.retryAfterMs,
    maxAttributeLength: config.maxAttributeLength,
    metrics,
  });
  const readiness = {
    async ready() {
      return migrated && (await isMigrated(db));
    },
  };
  const receiver = new Receiver({
    traces: pipeline,
    logs: logsPipeline,
    lifecycle,
    admission: new Admission(config.maxPendingBytes, (n) => metrics.pendingBytes.set(n)),
    apiKeys,
    retryAfterMs: config.retryAfterMs,
    capture: config.captureDir ? fileCapture(config.captureDir) : undefined,
  });
  const deps: TransportDeps = {
    host: config.host,
    maxBodyBytes: config.maxBodyBytes,
    receiver,
    metrics,
    tls,
  };

  // grpc-js writes its own errors to stderr (a failed bind is a second line after ours): into our log instead.
  grpc.setLogger({
    error: (...args: unknown[]) => log.debug({ grpc: args.map(String).join(' ') }, 'grpc-js'),
  });
  let http: { server: Server; port: number } | undefined;
  let grpcServer: { server: grpc.Server; port: number };
  try {
    http = await startHttpReceiver({ ...deps, port: config.httpPort, readiness, lifecycle, log });
    grpcServer = await startGrpcReceiver({ ...deps, port: config.grpcPort, log });
  } catch (err) {
    http?.server.close();
    await mapWorkers?.close();
    await database.close();
    throw http
      ? listenFailure(err, 'TRACEBRIDGE_GRPC_PORT', config.host, config.grpcPort)
      : listenFailure(err, 'TRACEBRIDGE_HTTP_PORT', config.host, config.httpPort);
  }
  const retention =
    config.retentionDays > 0
      ? startRetention({
          db,
          days: config.retentionDays,
          log,
          onDeleted: (n) => metrics.retentionDeleted.inc(n),
        })
      : null;

  const scheme = tls ? 'https' : 'http';
  log.info(
    {
      http: `${config.host}:${http.port}`,
      grpc: `${config.host}:${grpcServer.port}`,
      database: description,
      tls: Boolean(tls),
      auth: apiKeys.enabled,
    },
    `tracebridge listening on ${scheme}://${config.host}:${http.port} (OTLP/HTTP) and ${config.host}:${grpcServer.port} (OTLP/gRPC${tls ? ', TLS' : ''}), storing to ${description}`,
  );

  let stopped: Promise<void> | null = null;
  return {
    httpPort: http.port,
    grpcPort: grpcServer.port,
    pgPort: database.pgPort,
    metrics,
    stop() {
      stopped ??= (async () => {
        lifecycle.stopping = true;
        if (migrateTimer) clearTimeout(migrateTimer);
        const httpClosed = new Promise<void>((resolve) => http.server.close(() => resolve()));
        // Keep-alive connections busy when the signal came become idle once answered: close them then, instead of
        // waiting out the keep-alive timeout.
        http.server.closeIdleConnections();
        const idleCloser = setInterval(() => http.server.closeIdleConnections(), 50);
        void httpClosed.then(() => clearInterval(idleCloser));
        const grpcClosed = new Promise<void>((resolve) => grpcServer.server.tryShutdown(() => resolve()));
        await Promise.all([httpClosed, grpcClosed, retention?.stop()]);
        await writer.drain();
        await mapWorkers?.close();
        // Closes the pool, then (embedded) stops the server with a fast shutdown: nothing is left listening.
        await database.close();
        log.info('tracebridge stopped');
      })();
      return stopped;
    },
  };
}
