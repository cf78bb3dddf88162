import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueName, queueName, tableName } from '#contracts/naming.ts';
import type { RouteName } from '#contracts/routes.ts';
import { localDynamoDbClient, localSqsClient } from '#infra/local/clients.ts';
import type { LocalSource } from '#infra/local/sources.ts';
import { defaultDataDir, liveStacks, type StackState } from '#infra/local/state.ts';
import type { StoreDeps } from '#lib/store/write.ts';
import { CliError } from './errors.ts';

/**
 * Where the CLI's commands act: the running local stack (found through `.data/stack.json`), or a
 * deployed stage reached with the standard AWS credential chain. The CLI is an edge like a Lambda
 * handler, so this is the one place it builds SDK clients; every command receives them from here.
 */
export interface Target {
  mode: 'local' | 'stage';
  stage: string;
  region: string;
  tableName: string;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  store: StoreDeps;
  /** The local stack's base URL (`http://127.0.0.1:3000`); undefined for a deployed stage. */
  endpoint: string | undefined;
  /** The local stack's sources with their secrets; empty for a deployed stage (secrets live in SSM). */
  sources: LocalSource[];
  /** The local stack's state file; undefined for a deployed stage. */
  local: StackState | undefined;
  queueUrl(route: RouteName): Promise<string>;
  deadLetterQueueUrl(route: RouteName): Promise<string>;
  close(): void;
}

export interface TargetOptions {
  stage?: string | undefined;
  region?: string | undefined;
  /** The local stack's HTTP port, when several run. */
  port?: number | undefined;
  env?: NodeJS.ProcessEnv;
}

export const NOT_RUNNING =
  'the local stack is not running: start it with `npm start` (or pass --stage for a deployed stage)';

/**
 * The local stack's recorded state: the one on `port`, else the only one running; a CliError that
 * says what to do otherwise.
 */
export const localState = (env: NodeJS.ProcessEnv = process.env, port?: number): StackState => {
  const dataDir = defaultDataDir(env);
  const live = liveStacks(dataDir);
  if (port !== undefined) {
    const found = live.find((state) => state.port === port);
    if (found !== undefined) return found;
    throw new CliError(
      live.length === 0
        ? `no local stack runs on port ${port}: start it with \`npm start -- --port ${port}\``
        : `no local stack runs on port ${port}: running on ${live.map((state) => state.port).join(', ')}`,
    );
  }
  if (live.length === 1) return live[0]!;
  if (live.length === 0) throw new CliError(NOT_RUNNING);
  throw new CliError(
    `${live.length} local stacks are running (ports ${live.map((state) => state.port).join(', ')}): pass --port <n>`,
  );
};

export const resolveTarget = (options: TargetOptions = {}): Target => {
  const env = options.env ?? process.env;
  if (options.stage !== undefined && options.port !== undefined)
    throw new CliError('--port picks a local stack: it does not go with --stage');
  if (options.stage === undefined) {
    if (options.region !== undefined)
      throw new CliError('--region needs --stage (the local stack has no region)');
    const state = localState(env, options.port);
    const dynamodb = localDynamoDbClient(state.dynamoEndpoint);
    const sqs = localSqsClient(state.sqsEndpoint);
    // Local queue URLs are `${prefix}${name}`: the prefix ends with the stage's name prefix.
    const base = state.queueUrlPrefix.slice(0, state.queueUrlPrefix.lastIndexOf('/') + 1);
    return {
      mode: 'local',
      stage: state.stage,
      region: state.region,
      tableName: state.tableName,
      dynamodb,
      sqs,
      store: { dynamodb, tableName: state.tableName },
      endpoint: state.endpoint,
      sources: state.sources,
      local: state,
      queueUrl: async (route) => `${base}${queueName(state.stage, route)}`,
      deadLetterQueueUrl: async (route) => `${base}${deadLetterQueueName(state.stage, route)}`,
      close: () => {
        dynamodb.destroy();
        sqs.destroy();
      },
    };
  }
  const stage = options.stage;
  if (!/^[A-Za-z0-9-]{1,32}$/.test(stage))
    throw new CliError(`--stage must be letters, digits or "-", got ${stage}`);
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '')
    throw new CliError('--stage needs a region: pass --region or set AWS_REGION');
  const dynamodb = new DynamoDBClient({ region });
  const sqs = new SQSClient({ region });
  const urls = new Map<string, Promise<string>>();
  const lookUp = (name: string): Promise<string> => {
    let url = urls.get(name);
    if (url === undefined) {
      url = sqs.send(new GetQueueUrlCommand({ QueueName: name })).then(
        (response) => response.QueueUrl ?? '',
        (error: unknown) => {
          if (error instanceof QueueDoesNotExist)
            throw new CliError(
              `queue ${name} does not exist in ${region}: is stage ${stage} deployed there?`,
            );
          throw error;
        },
      );
      urls.set(name, url);
    }
    return url;
  };
  return {
    mode: 'stage',
    stage,
    region,
    tableName: tableName(stage),
    dynamodb,
    sqs,
    store: { dynamodb, tableName: tableName(stage) },
    endpoint: undefined,
    sources: [],
    local: undefined,
    queueUrl: (route) => lookUp(queueName(stage, route)),
    deadLetterQueueUrl: (route) => lookUp(deadLetterQueueName(stage, route)),
    close: () => {
      dynamodb.destroy();
      sqs.destroy();
    },
  };
};
