import { SQS_ATTEMPT_TIMEOUT_MS, sqsClient } from '#functions/shared/sqs-client.ts';
import { withRetry } from '#lib/delivery/retry.ts';
import { sqsSendMessage } from '#lib/delivery/send.ts';
import type { IngestDeps } from '#lib/ingest/handle-webhook.ts';
import { payloadChecks } from '#lib/ingest/payload-checks.ts';
import {
  fetchParameterViaExtension,
  readIngestSettings,
  SECRETS_LOAD_TIMEOUT_MS,
} from '#lib/ingest/settings.ts';
import { cachedSources } from '#lib/ingest/source-cache.ts';
import { parseSources } from '#lib/ingest/sources.ts';
import { logger } from '#lib/observability.ts';
import { signedSpilloverWriter } from './spillover-writer.ts';

const settings = readIngestSettings(process.env);

// Sources from the environment JSON (local stack, tests) are parsed here, so a broken one fails the
// cold start loudly. On AWS, WEBHOOK_SECRETS_PARAMETER names an SSM SecureString read through the
// AWS Parameters and Secrets Lambda Extension (layer, IAM and env are wired in infra/). The extension
// only answers during INVOKE, not INIT
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html),
// so the parameter is read on the first request and then once per WEBHOOK_SECRETS_TTL_MS.
const secrets = settings.secrets;
const sources: IngestDeps['sources'] =
  secrets.from === 'env'
    ? parseSources(secrets.json)
    : cachedSources({
        read: (signal) =>
          fetchParameterViaExtension(
            secrets.name,
            {
              fetch,
              sessionToken: process.env.AWS_SESSION_TOKEN,
              port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
            },
            signal,
          ),
        ttlMs: settings.secretsTtlMs,
        loadTimeoutMs: SECRETS_LOAD_TIMEOUT_MS,
        onRefreshFailed: (error) =>
          logger.warn('webhook sources could not be refreshed; keeping the last good ones', {
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          }),
      });

// The spillover's one write, signed with the credentials the SQS client already resolved: no
// DynamoDB client in the bundle (see spillover-writer.ts). Retried within its own time budget, each
// attempt aborted at its deadline.
const writeSpillover = signedSpilloverWriter({
  region: () => sqsClient.config.region(),
  credentials: () => sqsClient.config.credentials(),
  endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL,
  tableName: settings.tableName,
});
const spilloverBudget = {
  totalMs: settings.spilloverTimeoutMs,
  baseDelayMs: 25,
  maxDelayMs: 200,
  attemptTimeoutMs: Math.max(300, Math.floor(settings.spilloverTimeoutMs / 2)),
};

/** The ingest's side effects, built once per container; nothing here does I/O at import. */
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
  putSpillover: (record, signal) =>
    withRetry(
      (attemptSignal) => writeSpillover(record, AbortSignal.any([signal, attemptSignal])),
      spilloverBudget,
      undefined,
      'spillover write',
    ),
  checks: payloadChecks,
  now: () => new Date(),
};
