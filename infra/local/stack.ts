import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { RouteName } from '../../lib/events/catalog.ts';
import { routeTuning, visibilityTimeoutSeconds } from '../queues.ts';
import { LOCAL_REGION, localCredentials, localDynamoDbClient } from './clients.ts';
import { assertJavaAvailable, type RunningEmulator, startDynamoDbLocal } from './emulators.ts';
import { startSqsEmulatorThread } from './fauxqs-thread.ts';
import {
  answerClientError,
  fromHandlerResult,
  lambdaContext,
  matchWebhookPath,
  PayloadTooLargeError,
  readRequest,
  toApiGatewayEvent,
  writeJson,
  writeResult,
} from './http-adapter.ts';
import { type Poller, type PollerStats, type SqsHandler, startPoller } from './poller.ts';
import { type ProvisionedQueue, provisionStack } from './provision.ts';
import { type LocalSource, resolveSources } from './sources.ts';
import {
  acquireDataLock,
  DataFolderInUseError,
  defaultDataDir,
  releaseDataLock,
  removeStackState,
  repoRoot,
  writeStackState,
} from './state.ts';

/**
 * The whole pipeline on one machine, exactly as `npm start` runs it (scripts/start.ts is a thin
 * CLI over this): DynamoDB Local + fauxqs, the stage's table and queues from infra/, an HTTP server
 * that feeds API Gateway v2 events to the real ingest handler, and pollers that feed SQS batches to
 * the real worker handlers like Lambda's event source mapping. The e2e tests and the benchmark
 * start it through `startLocalStack` too.
 */

export const LOCAL_STAGE = 'local';
/** API Gateway HTTP APIs refuse payloads over 10 MB before any function runs. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

export class StackStartError extends Error {
  override name = 'StackStartError';
}

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

/** One answered request to `/webhooks/{source}`, for the `stripe listen`-style log. */
export interface RequestSummary {
  method: string;
  source: string | null;
  status: number;
  /** The answer's `status` field (`accepted`, `archived`, `quarantined`, `error`), when JSON. */
  outcome: string | null;
  event: string | null;
  /** The answer's `error.code`, for refusals. */
  error: string | null;
  ms: number;
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

type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2<unknown>>;
type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

const functionsDir = join(repoRoot, 'functions');
const handlerPath = (name: string): string => join(functionsDir, name, 'handler.ts');

const importHandler = async <T>(name: string): Promise<T | undefined> => {
  const file = handlerPath(name);
  if (!existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { handler?: T };
  if (typeof module.handler !== 'function') throw new StackStartError(`${file} exports no handler function`);
  return module.handler;
};

/** Handlers read their settings at module scope, so a process can host one stack's endpoints only. */
let loadedFor: string | undefined;

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new StackStartError(`port ${port} on ${host} is already in use: stop what runs there or set PORT`),
        );
      else if (error.code === 'EACCES')
        reject(
          new StackStartError(`port ${port} on ${host} is not allowed for this user: set PORT above 1023`),
        );
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const log = options.quiet
    ? () => undefined
    : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000);
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535)
    throw new StackStartError(`PORT must be a port number, got ${process.env.PORT ?? options.port}`);
  const dataDir = options.dataDir ?? defaultDataDir();
  const inMemory = options.inMemory ?? false;

  // Everything that can fail fast does so before Java starts.
  const rawSecrets =
    options.secrets === undefined
      ? process.env.WEBHOOK_SECRETS
      : typeof options.secrets === 'string'
        ? options.secrets
        : JSON.stringify(options.secrets);
  const { sources, webhookSecretsJson } = resolveSources(rawSecrets, dataDir);
  assertJavaAvailable();

  let ingest: HttpHandler | undefined;
  let accepting = true;
  const inFlightRequests = new Set<Promise<void>>();
  const report = (
    method: string,
    path: string,
    status: number,
    body: Buffer | undefined,
    started: number,
  ) => {
    if (options.onRequest === undefined) return;
    let answer: { status?: unknown; event?: unknown; error?: { code?: unknown } } = {};
    try {
      answer = body === undefined ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      // not JSON: no outcome to show
    }
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    options.onRequest({
      method,
      source: matchWebhookPath(path),
      status,
      outcome: text(answer.status),
      event: text(answer.event),
      error: text(answer.error?.code),
      ms: Date.now() - started,
    });
  };
  const server = createServer((request, response) => {
    const started = Date.now();
    const work = (async () => {
      try {
        const raw = await readRequest(request, API_GATEWAY_MAX_BODY);
        const path = raw.url.split('?')[0] ?? '/';
        if (path === '/health' && (raw.method === 'GET' || raw.method === 'HEAD')) {
          const health = await checkHealth();
          writeJson(response, health.ok ? 200 : 503, health.body);
          return;
        }
        if (matchWebhookPath(path) === null) {
          writeJson(response, 404, {
            status: 'error',
            error: { code: 'not_found', message: `no route for ${path}` },
          });
          return;
        }
        if (ingest === undefined || !accepting) {
          writeJson(
            response,
            503,
            { status: 'error', error: { code: 'unavailable', message: 'the local stack is not ready' } },
            { 'retry-after': '1' },
          );
          return;
        }
        const event = toApiGatewayEvent(raw);
        let result: APIGatewayProxyResultV2<unknown>;
        try {
          result = await ingest(event, lambdaContext('ingest', 10));
        } catch (error) {
          // What API Gateway answers when the integration throws.
          log(`ingest: unhandled error: ${describe(error)}`);
          writeJson(response, 500, { message: 'Internal Server Error' });
          report(raw.method, path, 500, undefined, started);
          return;
        }
        const answer = fromHandlerResult(result);
        writeResult(response, answer);
        report(raw.method, path, answer.statusCode, answer.body, started);
      } catch (error) {
        if (error instanceof PayloadTooLargeError)
          writeJson(response, 413, { message: 'Request Entity Too Large' });
        else if (!response.headersSent) writeJson(response, 500, { message: 'Internal Server Error' });
      }
    })();
    inFlightRequests.add(work);
    void work.finally(() => inFlightRequests.delete(work));
  });

  // Oversized headers and unparsable requests get a JSON answer, not Node's bare 431/400.
  server.on('clientError', answerClientError);
  const port = await listen(server, requestedPort, host);
  const endpoint = `http://${host}:${port}`;
  // Two stacks that keep data must never share DynamoDB Local's and fauxqs's files.
  if (!inMemory) {
    try {
      acquireDataLock(dataDir, port);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (error instanceof DataFolderInUseError) throw new StackStartError(error.message);
      throw error;
    }
  }

  let dynamo: RunningEmulator | undefined;
  let sqsEmulator: RunningEmulator | undefined;
  const pollers = new Map<RouteName, Poller>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  const stopEverything = async (): Promise<void> => {
    accepting = false;
    if (sweepTimer) clearInterval(sweepTimer);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await Promise.allSettled(inFlightRequests);
    await Promise.allSettled([...pollers.values()].map((poller) => poller.stop()));
    await Promise.allSettled([sqsEmulator?.stop(), dynamo?.stop()]);
    if (options.writeStateFile !== false) removeStackState(dataDir, port);
    if (!inMemory) releaseDataLock(dataDir);
  };

  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let checkHealth: () => Promise<{ ok: boolean; body: unknown }> = async () => ({
    ok: false,
    body: { status: 'starting' },
  });

  try {
    [dynamo, sqsEmulator] = await Promise.all([
      startDynamoDbLocal(inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') }),
      // fauxqs on its own thread: its HTTP server and queue work leave this event loop to the
      // ingest, the pollers and the workers.
      startSqsEmulatorThread(inMemory ? {} : { dataDir: join(dataDir, 'sqs') }),
    ]);
    dynamodb = localDynamoDbClient(dynamo.endpoint);
    // Many long polls at once: give the pollers' client more sockets than the SDK's default 50.
    sqs = new SQSClient({
      endpoint: sqsEmulator.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 512 }) },
    });
    // fauxqs names its queues `http://sqs.<region>.localhost:<port>/...`, and the SDK sends to a
    // QueueUrl's own host unless the client was built with an explicit endpoint (the functions'
    // clients take theirs from AWS_ENDPOINT_URL_SQS, which does not count). Not every resolver
    // knows `*.localhost`, so every URL handed out points at the emulator's address instead.
    const sqsEndpoint = sqsEmulator.endpoint;
    const onEmulator = (url: string): string => `${sqsEndpoint}${new URL(url).pathname}`;
    const created = await provisionStack({ dynamodb, sqs }, LOCAL_STAGE);
    const provisioned = {
      ...created,
      queueUrlPrefix: onEmulator(created.queueUrlPrefix),
      queues: created.queues.map((queue) => ({
        ...queue,
        url: onEmulator(queue.url),
        deadLetterUrl: onEmulator(queue.deadLetterUrl),
      })),
    };
    const firstQueue = provisioned.queues[0]?.url ?? '';

    checkHealth = async () => {
      const [queue, store] = await Promise.allSettled([
        withTimeout(
          sqs.send(new GetQueueAttributesCommand({ QueueUrl: firstQueue, AttributeNames: ['QueueArn'] })),
          2000,
        ),
        withTimeout(dynamodb.send(new DescribeTableCommand({ TableName: provisioned.tableName })), 2000),
      ]);
      const ok = queue.status === 'fulfilled' && store.status === 'fulfilled';
      return {
        ok,
        body: {
          status: ok ? 'ok' : 'unavailable',
          queue: queue.status === 'fulfilled' ? 'ok' : describe(queue.reason),
          store: store.status === 'fulfilled' ? 'ok' : describe(store.reason),
        },
      };
    };

    // The handlers' settings, as serverless.yml gives them on AWS. Set before they are imported.
    const handlerSqs = options.handlerEndpoints?.sqs ?? sqsEmulator.endpoint;
    const handlerDynamo = options.handlerEndpoints?.dynamodb ?? dynamo.endpoint;
    const handlerEnvKey = `${handlerDynamo} ${handlerSqs} ${provisioned.tableName} ${webhookSecretsJson}`;
    if (loadedFor !== undefined && loadedFor !== handlerEnvKey)
      throw new StackStartError(
        'one local stack per process: its handlers are already loaded for another stack',
      );
    loadedFor = handlerEnvKey;
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: handlerSqs,
      AWS_ENDPOINT_URL_DYNAMODB: handlerDynamo,
      QUEUE_URL_PREFIX: provisioned.queueUrlPrefix,
      TABLE_NAME: provisioned.tableName,
      WEBHOOK_SECRETS: webhookSecretsJson,
      STAGE: LOCAL_STAGE,
    });
    process.env.POWERTOOLS_SERVICE_NAME ??= 'messagehub-webhooks';
    process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'MessageHubWebhooks';
    // EMF metric blobs on stdout are noise on a laptop; warnings and errors still show.
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    if (options.quiet) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    else process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

    ingest = await importHandler<HttpHandler>('ingest');
    if (ingest === undefined) throw new StackStartError(`no ingest handler at ${handlerPath('ingest')}`);
    const sweeper = await importHandler<ScheduledHandler>('spillover-sweeper');

    const unpolledRoutes: RouteName[] = [];
    for (const queue of provisioned.queues) {
      const worker = await importHandler<SqsHandler>(join('workers', queue.route));
      if (worker === undefined) {
        unpolledRoutes.push(queue.route);
        continue;
      }
      const arn = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
      );
      const tuning = routeTuning(queue.route);
      pollers.set(
        queue.route,
        startPoller({
          sqs,
          queueUrl: queue.url,
          queueArn: arn.Attributes?.QueueArn ?? '',
          region: LOCAL_REGION,
          functionName: `worker-${queue.route}`,
          handler: worker,
          batchSize: tuning.batchSize,
          maximumBatchingWindowSeconds: tuning.maximumBatchingWindowSeconds,
          timeoutSeconds: options.workerTimeoutSeconds ?? tuning.workerTimeoutSeconds,
          visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? visibilityTimeoutSeconds(queue.route),
          concurrency: options.pollerConcurrency ?? 2,
          waitTimeSeconds: options.pollWaitSeconds ?? 20,
          onError: (message, error) => log(`${message}: ${describe(error)}`),
        }),
      );
    }
    if (unpolledRoutes.length > 0)
      log(`no worker handler yet for: ${unpolledRoutes.join(', ')} (queues not polled)`);

    let sweeping: Promise<void> | undefined;
    const sweep = (): Promise<void> => {
      if (sweeper === undefined) return Promise.resolve();
      sweeping ??= (async () => {
        try {
          await sweeper(scheduledEvent(), lambdaContext('spillover-sweeper', 60));
        } catch (error) {
          log(`spillover-sweeper failed: ${describe(error)}`);
        } finally {
          sweeping = undefined;
        }
      })();
      return sweeping;
    };
    if (sweeper !== undefined) {
      sweepTimer = setInterval(() => void sweep(), options.sweepIntervalMs ?? 5000);
      sweepTimer.unref();
    }

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

    const waitForIdle = async ({ timeoutMs = 30_000 } = {}): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      let quietRounds = 0;
      while (Date.now() < deadline) {
        const depths = await Promise.all(
          provisioned.queues.map(async (queue) => {
            const response = await sqs.send(
              new GetQueueAttributesCommand({
                QueueUrl: queue.url,
                AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
              }),
            );
            return (
              Number(response.Attributes?.ApproximateNumberOfMessages ?? 0) +
              Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
            );
          }),
        );
        const busy = [...pollers.values()].some((poller) => poller.stats.inFlight > 0);
        quietRounds = depths.every((depth) => depth === 0) && !busy ? quietRounds + 1 : 0;
        if (quietRounds >= 2) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the local stack did not go idle within ${timeoutMs} ms`);
    };

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
      pollerStats: () =>
        Object.fromEntries([...pollers].map(([route, poller]) => [route, { ...poller.stats }])),
      sweep,
      waitForIdle,
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

/** The EventBridge scheduled event that triggers the sweeper on AWS. */
const scheduledEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: LOCAL_REGION,
  resources: [`arn:aws:events:${LOCAL_REGION}:000000000000:rule/spillover-sweeper`],
  detail: {},
});
