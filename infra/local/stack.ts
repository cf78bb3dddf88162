import type { RouteName } from '#contracts/routes.ts';
import { LOCAL_REGION, localCredentials } from './clients.ts';
import { startEmulators } from './emulator-lifecycle.ts';
import { assertJavaAvailable, type RunningEmulator } from './emulators.ts';
import { createGateway } from './gateway.ts';
import {
  type HttpHandler,
  handlerPath,
  importHandler,
  type ScheduledHandler,
  setHandlerEnvironment,
} from './handlers.ts';
import type { Poller } from './poller.ts';
import { type QueuePollers, startQueuePollers } from './pollers.ts';
import { resolveSources } from './sources.ts';
import type { LocalStack, LocalStackOptions } from './stack-types.ts';
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
export type { LocalStack, LocalStackOptions } from './stack-types.ts';
export { StackStartError } from './start-error.ts';

export const LOCAL_STAGE = 'local';

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
