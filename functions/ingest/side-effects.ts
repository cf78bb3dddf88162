import type { IngestDeps } from '../../lib/ingest/handle-webhook.ts';
import { payloadChecks } from '../../lib/ingest/payload-checks.ts';
import { sqsSendMessage } from '../../lib/ingest/queue.ts';
import { loadSources, readIngestSettings } from '../../lib/ingest/settings.ts';
import type { SpilloverRecord } from '../../lib/spillover/store.ts';
import { sqsClient } from '../shared/sqs-client.ts';

const settings = readIngestSettings(process.env);

// On AWS, WEBHOOK_SECRETS_PARAMETER names an SSM SecureString read once here through the AWS
// Parameters and Secrets Lambda Extension (layer, IAM and env are wired in serverless.yml).
const sources = await loadSources(settings, {
  fetch,
  sessionToken: process.env.AWS_SESSION_TOKEN,
  port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
});

type PutSpillover = (record: SpilloverRecord, signal: AbortSignal) => Promise<'stored' | 'duplicate'>;

// DynamoDB is needed only when SQS refuses an event: load its client on first use, off the cold start.
let spilloverWriter: Promise<PutSpillover> | undefined;
const loadSpilloverWriter = async (): Promise<PutSpillover> => {
  const [{ dynamoDbClient }, { putSpillover }] = await Promise.all([
    import('../shared/dynamodb-client.ts'),
    import('../../lib/spillover/store.ts'),
  ]);
  const store = { dynamodb: dynamoDbClient, tableName: settings.tableName };
  return (record, signal) => putSpillover(store, record, signal);
};

/** The ingest's side effects, built once per container. */
export const ingestDeps: IngestDeps = {
  sources,
  queueUrlPrefix: settings.queueUrlPrefix,
  gzipThresholdBytes: settings.gzipThresholdBytes,
  maxBodyBytes: settings.maxBodyBytes,
  sqsRetryBudget: { totalMs: settings.sqsRetryBudgetMs, baseDelayMs: 25, maxDelayMs: 400 },
  spilloverTimeoutMs: settings.spilloverTimeoutMs,
  sendMessage: sqsSendMessage(sqsClient),
  putSpillover: async (record, signal) => {
    spilloverWriter ??= loadSpilloverWriter().catch((error: unknown) => {
      spilloverWriter = undefined;
      throw error;
    });
    return (await spilloverWriter)(record, signal);
  },
  checks: payloadChecks,
  now: () => new Date(),
};
