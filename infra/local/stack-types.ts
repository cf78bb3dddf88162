import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RouteName } from '#contracts/routes.ts';
import type { RequestSummary } from './gateway.ts';
import type { PollerStats } from './poller.ts';
import type { ProvisionedQueue } from './provision.ts';
import type { LocalSource } from './sources.ts';

/** What `startLocalStack` (stack.ts) takes and gives back. */

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
