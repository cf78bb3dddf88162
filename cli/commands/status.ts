import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type CommandSpec, expectPositionals, json, withTarget } from '#cli/args.ts';
import { type AwsCaller, awsJson } from '#cli/aws.ts';
import type { Io } from '#cli/io.ts';
import type { Target } from '#cli/target.ts';
import { printStatus } from '#cli/views/status.ts';
import { type RouteName, routeNames } from '#contracts/routes.ts';
import { keys } from '#contracts/table.ts';
import { parseSources } from '#lib/ingest/sources.ts';
import { SPILLOVER_SHARDS, spilloverPartition } from '#lib/store/spillover.ts';
import { listDeadLetters } from './dlq.ts';

/**
 * `mhub status`: what an operator checks first. The endpoint, the sources (names and auth modes,
 * never a secret), per queue its depth, in-flight count and DLQ depth with the age of the oldest
 * dead letter, the spillover's records, and the last hour's events by outcome.
 */

export interface SourceSummary {
  name: string;
  /** `signature` (n secrets), `url-token`, or both. */
  auth: string[];
  secrets: number;
  account_id: number | null;
}

export interface QueueStatus {
  queue: RouteName;
  visible: number;
  in_flight: number;
  delayed: number;
  dlq: number;
  /** Seconds since the oldest dead letter was first sent; null when the DLQ is empty. */
  dlq_oldest_age_s: number | null;
}

export interface StatusReport {
  mode: 'local' | 'stage';
  stage: string;
  region: string;
  endpoint: string | null;
  table: string;
  sources: SourceSummary[] | { error: string };
  queues: QueueStatus[];
  spillover: { records: number; oldest: string | null };
  last_hour: { since: string; total: number; by_outcome: Record<string, number> };
}

export const summarizeSources = (
  sources: Iterable<{
    name: string;
    secrets: readonly string[];
    tokens: readonly string[];
    accountId: number | null;
  }>,
): SourceSummary[] =>
  [...sources].map((source) => ({
    name: source.name,
    auth: [
      ...(source.secrets.length > 0 ? ['signature'] : []),
      ...(source.tokens.length > 0 ? ['url-token'] : []),
    ],
    secrets: source.secrets.length,
    account_id: source.accountId,
  }));

export const stageCaller = (target: Target): AwsCaller => ({
  region: target.region,
  credentials: async () => {
    const provider = target.dynamodb.config.credentials;
    return await provider();
  },
});

/** The stage's SSM parameter of sources, parsed; names and modes only leave this function. */
export const stageSources = async (target: Target): Promise<SourceSummary[]> => {
  const name = `/messagehub-webhooks/${target.stage}/webhook-secrets`;
  const answer = await awsJson(stageCaller(target), 'ssm', 'AmazonSSM.GetParameter', {
    Name: name,
    WithDecryption: true,
  });
  const value = (answer.Parameter as { Value?: string } | undefined)?.Value ?? '';
  return summarizeSources([...parseSources(value)].map(([source, config]) => ({ name: source, ...config })));
};

const queueDepths = async (target: Target, url: string) => {
  const response = await target.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const value = (name: string): number =>
    Number((response.Attributes as Record<string, string> | undefined)?.[name] ?? 0);
  return {
    visible: value('ApproximateNumberOfMessages'),
    inFlight: value('ApproximateNumberOfMessagesNotVisible'),
    delayed: value('ApproximateNumberOfMessagesDelayed'),
  };
};

export const queueStatuses = async (target: Target, io?: Io): Promise<QueueStatus[]> =>
  Promise.all(
    routeNames.map(async (route) => {
      const [main, dead] = await Promise.all([
        queueDepths(target, await target.queueUrl(route)),
        queueDepths(target, await target.deadLetterQueueUrl(route)),
      ]);
      const dlq = dead.visible + dead.inFlight + dead.delayed;
      let oldest: number | null = null;
      if (dlq > 0) {
        // The dead letters' own send times: a non-destructive peek (see dlq.ts).
        const entries = await listDeadLetters(target, { queue: route, limit: 100 }, io);
        const times = entries.map((entry) => Date.parse(entry.sent_at ?? '')).filter(Number.isFinite);
        if (times.length > 0) oldest = Math.round((Date.now() - Math.min(...times)) / 1000);
      }
      return {
        queue: route,
        visible: main.visible,
        in_flight: main.inFlight,
        delayed: main.delayed,
        dlq,
        dlq_oldest_age_s: oldest,
      };
    }),
  );

/** Spillover records waiting for the sweeper, over every shard, and the oldest one's receive time. */
export const spilloverStatus = async (
  target: Target,
): Promise<{ records: number; oldest: string | null }> => {
  let records = 0;
  let oldest: string | null = null;
  for (let shard = 0; shard < SPILLOVER_SHARDS; shard++) {
    let startKey: Record<string, never> | undefined;
    do {
      const page = await target.dynamodb.send(
        new QueryCommand({
          TableName: target.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': keys.partition, '#sk': keys.sort },
          ExpressionAttributeValues: { ':pk': { S: spilloverPartition(shard) } },
          ProjectionExpression: '#sk',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        records += 1;
        const received = (item[keys.sort]?.S ?? '').split('#')[0] ?? '';
        if (oldest === null || received < oldest) oldest = received;
      }
      startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (startKey !== undefined);
  }
  return { records, oldest };
};

/** Raw events received since `since`, by outcome (a filtered scan of the raw events' summaries). */
export const eventsByOutcome = async (
  target: Target,
  since: string,
): Promise<{ since: string; total: number; by_outcome: Record<string, number> }> => {
  const counts: Record<string, number> = {};
  let total = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const page = await target.dynamodb.send(
      new ScanCommand({
        TableName: target.tableName,
        FilterExpression: '#entity = :entity AND #received >= :since',
        ExpressionAttributeNames: { '#entity': 'entity', '#received': 'received_at', '#outcome': 'outcome' },
        ExpressionAttributeValues: { ':entity': { S: 'raw_event' }, ':since': { S: since } },
        ProjectionExpression: '#outcome',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const outcome = item.outcome?.S ?? 'unknown';
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      total += 1;
    }
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey !== undefined);
  return { since, total, by_outcome: counts };
};

export const status = async (target: Target, io: Io, now: Date = new Date()): Promise<StatusReport> => {
  let sources: StatusReport['sources'];
  if (target.mode === 'local') sources = summarizeSources(target.sources);
  else sources = await stageSources(target).catch((error: unknown) => ({ error: (error as Error).message }));
  const [queues, spillover, lastHour] = await Promise.all([
    queueStatuses(target, io),
    spilloverStatus(target),
    eventsByOutcome(target, new Date(now.getTime() - 3600_000).toISOString()),
  ]);
  return {
    mode: target.mode,
    stage: target.stage,
    region: target.region,
    endpoint: target.endpoint === undefined ? null : `${target.endpoint}/webhooks/{source}`,
    table: target.tableName,
    sources,
    queues,
    spillover,
    last_hour: lastHour,
  };
};

export const statusCommand: CommandSpec = {
  usage: ['status'],
  summary: 'endpoint, sources, queues with DLQ depths, spillover, the last hour by outcome',
  options: {},
  run: async (values, positionals, io) => {
    expectPositionals(statusCommand, positionals, 0);
    const report = await withTarget(values, io, (target) => status(target, io));
    printStatus(io, report, json(values));
    return 0;
  },
};
