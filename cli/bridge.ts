/**
 * The composition root: wires ingest → pipeline → mapper / store, starts the receivers, and stops everything in
 * order (stop accepting, let in-flight requests finish, commit what was accepted, close the database).
 */
import type { Server } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { fileCapture } from '../ingest/capture.js';
import { startGrpcReceiver } from '../ingest/grpc-server.js';
import { startHttpReceiver } from '../ingest/http-server.js';
import { TracePipeline } from '../pipeline/trace-pipeline.js';
import { BatchWriter } from '../store/batch-writer.js';
import { Experiments } from '../store/experiments.js';
import { isMigrated, migrate } from '../store/migrate.js';
import { isRetryableDbError } from '../store/write-errors.js';
import type { Config } from './config.js';
import { openDatabase } from './database.js';

export interface RunningBridge {
  httpPort: number;
  grpcPort: number;
  pgPort: number | null;
  /** Stop accepting, flush and commit what was accepted, close the database. */
  stop(): Promise<void>;
}

const MIGRATE_RETRY_MS = 2000;

export async function startBridge(config: Config, log: Logger): Promise<RunningBridge> {
  const { db, description, wirePort } = await openDatabase(config, log);

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
  await tryMigrate();

  const lifecycle = { stopping: false };
  const writer = new BatchWriter(db, {
    maxBatchSpans: config.batchMaxSpans,
    lingerMs: config.batchLingerMs,
    concurrency: db.kind === 'pglite' ? 1 : config.writers,
    onCommit: (info) => log.debug(info, 'batch committed'),
    onError: (err, info) => log.warn({ err: (err as Error).message, ...info }, 'batch failed'),
  });
  const pipeline = new TracePipeline({
    experiments: new Experiments(db),
    writer,
    retryAfterMs: config.retryAfterMs,
  });
  const readiness = {
    async ready() {
      return migrated && (await isMigrated(db));
    },
  };

  const capture = config.captureDir ? fileCapture(config.captureDir) : undefined;
  let http: { server: Server; port: number };
  let grpcServer: { server: grpc.Server; port: number };
  try {
    http = await startHttpReceiver({
      host: config.host,
      port: config.httpPort,
      maxBodyBytes: config.maxBodyBytes,
      traces: pipeline,
      readiness,
      lifecycle,
      log,
      capture,
    });
    grpcServer = await startGrpcReceiver({
      host: config.host,
      port: config.grpcPort,
      maxMessageBytes: config.maxBodyBytes,
      traces: pipeline,
      lifecycle,
      log,
      capture,
    });
  } catch (err) {
    await db.close();
    throw err;
  }

  log.info(
    { http: `${config.host}:${http.port}`, grpc: `${config.host}:${grpcServer.port}`, database: description },
    `tracebridge listening on http://${config.host}:${http.port} (OTLP/HTTP) and ${config.host}:${grpcServer.port} (OTLP/gRPC), storing to ${description}`,
  );

  let stopped: Promise<void> | null = null;
  return {
    httpPort: http.port,
    grpcPort: grpcServer.port,
    pgPort: wirePort,
    stop() {
      stopped ??= (async () => {
        lifecycle.stopping = true;
        if (migrateTimer) clearTimeout(migrateTimer);
        const httpClosed = new Promise<void>((resolve) => http.server.close(() => resolve()));
        http.server.closeIdleConnections();
        const grpcClosed = new Promise<void>((resolve) => grpcServer.server.tryShutdown(() => resolve()));
        await Promise.all([httpClosed, grpcClosed]);
        await writer.drain();
        await db.close();
        log.info('tracebridge stopped');
      })();
      return stopped;
    },
  };
}
