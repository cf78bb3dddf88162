import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RouteName } from '../../lib/events/catalog.ts';
import { LOCAL_REGION, localCredentials } from './clients.ts';
import { startEmulators } from './emulator-lifecycle.ts';
import { assertJavaAvailable, type RunningEmulator } from './emulators.ts';
import { createGateway, type RequestSummary } from './gateway.ts';
import {
  type HttpHandler,
  handlerPath,
  importHandler,
  type ScheduledHandler,
  setHandlerEnvironment,
} from './handlers.ts';
import type { Poller, PollerStats } from './poller.ts';
import { type QueuePollers, startQueuePollers } from './pollers.ts';
import type { ProvisionedQueue } from './provision.ts';
import { type LocalSource, resolveSources } from './sources.ts';
import { StackStartError } from './start-error.ts';
import {
  acquireDataLock,
  DataFolderInUseError,
  defaultDataDir,
  releaseDataLock,
  removeStackState,
  writeStackState,
} from './state.ts';
import { type SweeperTimer, startSweeperTimer } from './sweeper-timer.ts';

/**
 * The whole pipeline on one machine, exactly as `npm start` runs it (scripts/start.ts is a thin
 * CLI over this): DynamoDB Local + fauxqs (emulator-lifecycle.ts), the stage's table and queues
 * from infra/, an HTTP server that feeds API Gateway v2 events to the real ingest handler
 * (gateway.ts), pollers that feed SQS batches to the real worker handlers like Lambda's event source
 * mapping (pollers.ts), the sweeper on a timer (sweeper-timer.ts) and stack.json for the CLI
 * (state.ts). This module only puts them together, in order, and takes them down in reverse.
 * The e2e tests and the benchmark start it through `startLocalStack` too.
 */

export type { RequestSummary } from './gateway.ts';
export { StackStartError } from './start-error.ts';

export const LOCAL_STAGE = 'local';

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. Default: `PORT` or 3000. */
  port?: number;
  host?: string;
  /** Keep nothing on disk (DynamoDB Local and fauxqs in memory). */
  inMemory?: boolean;
  /** Where data, the demo secret and stack.json live. Default `.data/` at the repo root (or `MHUB_DATA_DIR`). */
  dataDir?: string;
  /** `WEBHOOK_SECRETS` JSON (string or object). Default: the `WEBHOOK_SECRETS` variable, else a demo source. */
  secrets?: string | Record<string, unknown>;
  /** No log lines from the stack itself (handler logs follow POWERTOOLS_LOG_LEVEL, SILENT when quiet). */
  quiet?: boolean;
  /** Override every queue's visibility timeout (seconds) on receive, so retries and DLQ tests run fast. */
  visibilityTimeoutSeconds?: number;
  /** Override every worker's timeout (seconds), to keep it under a shortened visibility timeout. */
  workerTimeoutSeconds?: number;
  /** Pollers per queue. Default 2. */
  pollerConcurrency?: number;
  /** Long-poll wait of an empty receive, seconds. Default 20 (the queues' own setting). */
  pollWaitSeconds?: number;
  /** Spillover sweeper period, ms. Default 5000. */
  sweepIntervalMs?: number;
  /** Write `<dataDir>/stack.json` for the CLI. Default true. */
  writeStateFile?: boolean;
  /** Where stack log lines go. Default stderr. */
  log?: (line: string) => void;
  /** Called once per answered webhook request (`npm start` prints one line each). */
  onRequest?: (request: RequestSummary) => void;
  /**
   * Where the handlers (functions/) reach SQS and DynamoDB, instead of the emulators: the proof
   * suites (scripts/proof/) put a fault proxy here. The pollers and /health keep the emulators.
   */
  handlerEndpoints?: { sqs?: string; dynamodb?: string };
}

export interface LocalStack {
  /** `http://127.0.0.1:3000`. */
  endpoint: string;
  port: number;
  stage: string;
  region: string;
  tableName: string;
  queueUrlPrefix: string;
  queues: ProvisionedQueue[];
  dynamoEndpoint: string;
  sqsEndpoint: string;
  sources: LocalSource[];
  dataDir: string;
  inMemory: boolean;
  /** True when no WEBHOOK_SECRETS was given and the `demo` source was made up. */
  demoSource: boolean;
  /** Routes with no worker handler yet (their queues are not polled). */
  unpolledRoutes: RouteName[];
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  /** Per-route poller counters. */
  pollerStats(): Record<string, PollerStats>;
  /** Pid of the DynamoDB Local JVM (to check nothing is left behind). */
  dynamoPid: number | undefined;
  /** Runs the spillover sweeper once, now. */
  sweep(): Promise<void>;
  /** Resolves when every main queue is empty and no batch is in flight, twice in a row. */
  waitForIdle(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops taking requests, drains in-flight batches, stops the emulators. Idempotent. */
  stop(): Promise<void>;
}

const readPort = (options: LocalStackOptions): number => {
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new StackStartError(`PORT must be a port number, got ${process.env.PORT ?? options.port}`);
  return port;
};

const secretsJson = (secrets: LocalStackOptions['secrets']): string | undefined =>
  secrets === undefined
    ? process.env.WEBHOOK_SECRETS
    : typeof secrets === 'string'
      ? secrets
      : JSON.stringify(secrets);

export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const log = options.quiet
    ? () => undefined
    : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const host = options.host ?? '127.0.0.1';
  const requestedPort = readPort(options);
  const dataDir = options.dataDir ?? defaultDataDir();
  const inMemory = options.inMemory ?? false;

  // Everything that can fail fast does so before Java starts.
  const rawSecrets = secretsJson(options.secrets);
  const { sources, webhookSecretsJson } = resolveSources(rawSecrets, dataDir);
  assertJavaAvailable();

  const gateway = createGateway({ log, onRequest: options.onRequest });
  const port = await gateway.listen(requestedPort, host);
  const endpoint = `http://${host}:${port}`;
  // Two stacks that keep data must never share DynamoDB Local's and fauxqs's files.
  if (!inMemory) {
    try {
      acquireDataLock(dataDir, port);
    } catch (error) {
      await gateway.close();
      if (error instanceof DataFolderInUseError) throw new StackStartError(error.message);
      throw error;
    }
  }

  const emulators: RunningEmulator[] = [];
  const pollers = new Map<RouteName, Poller>();
  let queuePollers: QueuePollers | undefined;
  let sweeper: SweeperTimer | undefined;
  let stopped: Promise<void> | undefined;
  const stopEverything = async (): Promise<void> => {
    sweeper?.stop();
    await gateway.close();
    await Promise.allSettled([...pollers.values()].map((poller) => poller.stop()));
    await Promise.allSettled(emulators.map((emulator) => emulator.stop()));
    if (options.writeStateFile !== false) removeStackState(dataDir, port);
    if (!inMemory) releaseDataLock(dataDir);
  };

  try {
    const { dynamo, sqsEmulator, dynamodb, sqs, provisioned, health } = await startEmulators(
      { dataDir, inMemory, stage: LOCAL_STAGE },
      (emulator) => emulators.push(emulator),
    );
    gateway.setHealthCheck(health);

    setHandlerEnvironment({
      sqsEndpoint: options.handlerEndpoints?.sqs ?? sqsEmulator.endpoint,
      dynamoEndpoint: options.handlerEndpoints?.dynamodb ?? dynamo.endpoint,
      queueUrlPrefix: provisioned.queueUrlPrefix,
      tableName: provisioned.tableName,
      webhookSecretsJson,
      stage: LOCAL_STAGE,
      quiet: options.quiet === true,
    });
    const ingest = await importHandler<HttpHandler>('ingest');
    if (ingest === undefined) throw new StackStartError(`no ingest handler at ${handlerPath('ingest')}`);
    gateway.serve(ingest);
    const sweeperHandler = await importHandler<ScheduledHandler>('spillover-sweeper');

    queuePollers = await startQueuePollers(
      sqs,
      provisioned.queues,
      {
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        workerTimeoutSeconds: options.workerTimeoutSeconds,
        concurrency: options.pollerConcurrency,
        waitSeconds: options.pollWaitSeconds,
      },
      log,
      pollers,
    );
    const { unpolledRoutes } = queuePollers;
    if (unpolledRoutes.length > 0)
      log(`no worker handler yet for: ${unpolledRoutes.join(', ')} (queues not polled)`);
    sweeper = startSweeperTimer(sweeperHandler, options.sweepIntervalMs ?? 5000, log);

    if (options.writeStateFile !== false) {
      writeStackState(dataDir, {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        port,
        endpoint,
        region: LOCAL_REGION,
        credentials: localCredentials,
        stage: LOCAL_STAGE,
        tableName: provisioned.tableName,
        queueUrlPrefix: provisioned.queueUrlPrefix,
        dynamoEndpoint: dynamo.endpoint,
        sqsEndpoint: sqsEmulator.endpoint,
        inMemory,
        dataDir,
        sources,
        unpolledRoutes,
      });
    }

    return {
      endpoint,
      port,
      stage: LOCAL_STAGE,
      region: LOCAL_REGION,
      tableName: provisioned.tableName,
      queueUrlPrefix: provisioned.queueUrlPrefix,
      queues: provisioned.queues,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: sqsEmulator.endpoint,
      sources,
      demoSource: rawSecrets === undefined || rawSecrets.trim() === '',
      dataDir,
      inMemory,
      unpolledRoutes,
      dynamodb,
      sqs,
      dynamoPid: dynamo.pid,
      pollerStats: queuePollers.stats,
      sweep: sweeper.sweep,
      waitForIdle: queuePollers.waitForIdle,
      stop: () => {
        stopped ??= stopEverything();
        return stopped;
      },
    };
  } catch (error) {
    await stopEverything();
    throw error;
  }
};
