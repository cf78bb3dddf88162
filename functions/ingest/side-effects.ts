import type { IngestDeps } from '../../lib/ingest/handle-webhook.ts';
import { payloadChecks } from '../../lib/ingest/payload-checks.ts';
import { sqsSendMessage } from '../../lib/ingest/queue.ts';
import { withRetry } from '../../lib/ingest/retry.ts';
import { loadSources, readIngestSettings } from '../../lib/ingest/settings.ts';
import { SQS_ATTEMPT_TIMEOUT_MS, sqsClient } from '../shared/sqs-client.ts';
import { signedSpilloverWriter } from './spillover-writer.ts';

const settings = readIngestSettings(process.env);

// On AWS, WEBHOOK_SECRETS_PARAMETER names an SSM SecureString read once here through the AWS
// Parameters and Secrets Lambda Extension (layer, IAM and env are wired in serverless.yml).
const sources = await loadSources(settings, {
  fetch,
  sessionToken: process.env.AWS_SESSION_TOKEN,
  port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
});

// The spillover's one write, signed with the credentials the SQS client already resolved: no
// DynamoDB client in the bundle (see spillover-writer.ts). Retried within its own time budget.
const writeSpillover = signedSpilloverWriter({
  region: () => sqsClient.config.region(),
  credentials: () => sqsClient.config.credentials(),
  endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL,
  tableName: settings.tableName,
});
const spilloverBudget = { totalMs: settings.spilloverTimeoutMs, baseDelayMs: 25, maxDelayMs: 200 };

/** The ingest's side effects, built once per container. */
export const ingestDeps: IngestDeps = {
  sources,
  queueUrlPrefix: settings.queueUrlPrefix,
  gzipThresholdBytes: settings.gzipThresholdBytes,
  maxBodyBytes: settings.maxBodyBytes,
  sqsRetryBudget: {
    totalMs: settings.sqsRetryBudgetMs,
    baseDelayMs: 25,
    maxDelayMs: 400,
    attemptTimeoutMs: SQS_ATTEMPT_TIMEOUT_MS,
  },
  spilloverTimeoutMs: settings.spilloverTimeoutMs,
  sendMessage: sqsSendMessage(sqsClient),
  putSpillover: (record, signal) => withRetry(() => writeSpillover(record, signal), spilloverBudget),
  checks: payloadChecks,
  now: () => new Date(),
};
