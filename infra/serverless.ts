import { type RouteName, routeNames } from '../lib/events/catalog.ts';
import { DEFAULT_GZIP_THRESHOLD_BYTES } from '../lib/events/envelope.ts';
import {
  deadLetterQueueName,
  functionName,
  queueName,
  queueNamePrefix,
  serviceName,
  tableName,
} from './naming.ts';
import { deadLetterQueueAttributes, queueAttributes, routeTuning } from './queues.ts';
import {
  type Cfn,
  type CfnResources,
  deadLetterQueueLogicalId,
  getAtt,
  httpApiLogicalId,
  queueLogicalId,
  ref,
  roleLogicalId,
  sub,
  tableLogicalId,
} from './serverless/cfn.ts';
import { bundleDirectory, type LambdaSpec, lambdaSpecs } from './serverless/functions.ts';
import { roleResources } from './serverless/iam.ts';
import { parametersSecretsExtensionLayerArn } from './serverless/layers.ts';
import { alarmResources, dashboardResource } from './serverless/observability.ts';
import { tableProperties } from './table.ts';

/**
 * The deployed resources, built once from the project's single sources of truth (the event catalog,
 * infra/table.ts, infra/queues.ts, infra/naming.ts). serverless.yml pulls `functions` and `resources`
 * from here through infra/serverless.cjs; tests call `serverlessConfig()` directly.
 */

export interface DeploySettings {
  stage: string;
  region: string;
  /** Optional e-mail subscribed to the alarm topic ('' for none). */
  alarmEmail: string;
  /** SSM SecureString parameter holding the WEBHOOK_SECRETS JSON. Its name only, never its value. */
  webhookSecretsParameter: string;
  /** Override of the Parameters and Secrets Extension layer ARN ('' = AWS's published one for the region). */
  parametersSecretsExtensionLayerArn: string;
  /** TTL of raw archived events. */
  rawEventTtlDays: number;
  logLevel: string;
}

export const defaultSettings = (stage = 'dev', region = 'us-east-1'): DeploySettings => ({
  stage,
  region,
  alarmEmail: '',
  webhookSecretsParameter: `/${serviceName}/${stage}/webhook-secrets`,
  parametersSecretsExtensionLayerArn: '',
  rawEventTtlDays: 90,
  logLevel: 'INFO',
});

/**
 * Spillover items (lib/spillover/store.ts) have partition keys `SPILLOVER#<shard>` and
 * `SPILLOVER#<receivedAt>#<eventId>`; the ingest and the sweeper are confined to them.
 */
export const spilloverPartitionKeyPattern = 'SPILLOVER#*';
export const metricsNamespace = 'MessageHubWebhooks';
/** Bodies larger than this get 413: once base64-encoded by API Gateway it stays under Lambda's 6 MB. */
export const maxBodyBytes = 4 * 1024 * 1024;

const ingestTuning = { timeoutSeconds: 8, memoryMb: 1024 };
const sweeperTuning = { timeoutSeconds: 60, memoryMb: 512, schedule: 'rate(1 minute)' };

export const queueUrlPrefix = (stage: string): Cfn =>
  sub(`https://sqs.\${AWS::Region}.\${AWS::URLSuffix}/\${AWS::AccountId}/${queueNamePrefix(stage)}`);

const commonEnvironment = (settings: DeploySettings) => ({
  POWERTOOLS_SERVICE_NAME: `${serviceName}-${settings.stage}`,
  POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
  POWERTOOLS_LOG_LEVEL: settings.logLevel,
  NODE_OPTIONS: '--enable-source-maps',
  TABLE_NAME: tableName(settings.stage),
});

const functionDefinition = (spec: LambdaSpec, settings: DeploySettings): Cfn => {
  const base = {
    name: functionName(settings.stage, spec.nameSuffix),
    handler: `${bundleDirectory(spec)}/index.handler`,
    role: roleLogicalId(spec),
    // The bundle, its lazily loaded chunks and their source maps; not the build metafile.
    package: { patterns: [`${bundleDirectory(spec)}/**/*.mjs`, `${bundleDirectory(spec)}/**/*.mjs.map`] },
  };
  const environment = commonEnvironment(settings);
  switch (spec.kind) {
    case 'ingest':
      return {
        ...base,
        description: 'Authenticates, validates and enqueues MessageHub webhooks',
        timeout: ingestTuning.timeoutSeconds,
        memorySize: ingestTuning.memoryMb,
        layers: [
          parametersSecretsExtensionLayerArn(settings.region, settings.parametersSecretsExtensionLayerArn),
        ],
        environment: {
          ...environment,
          QUEUE_URL_PREFIX: queueUrlPrefix(settings.stage),
          WEBHOOK_SECRETS_PARAMETER: settings.webhookSecretsParameter,
          GZIP_THRESHOLD_BYTES: String(DEFAULT_GZIP_THRESHOLD_BYTES),
          MAX_BODY_BYTES: String(maxBodyBytes),
          PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
        },
        events: [{ httpApi: { method: '*', path: '/webhooks/{source}' } }],
      };
    case 'sweeper':
      return {
        ...base,
        description: 'Moves spillover records onto their queues',
        timeout: sweeperTuning.timeoutSeconds,
        memorySize: sweeperTuning.memoryMb,
        environment: { ...environment, QUEUE_URL_PREFIX: queueUrlPrefix(settings.stage) },
        events: [{ schedule: { rate: [sweeperTuning.schedule] } }],
      };
    case 'worker': {
      const route = spec.route as RouteName;
      const tuning = routeTuning(route);
      return {
        ...base,
        description: `Stores ${route} events`,
        timeout: tuning.workerTimeoutSeconds,
        memorySize: tuning.workerMemoryMb,
        environment: { ...environment, RAW_EVENT_TTL_DAYS: String(settings.rawEventTtlDays) },
        events: [
          {
            sqs: {
              arn: getAtt(queueLogicalId(route), 'Arn'),
              batchSize: tuning.batchSize,
              maximumBatchingWindow: tuning.maximumBatchingWindowSeconds,
              functionResponseType: 'ReportBatchItemFailures',
            },
          },
        ],
      };
    }
  }
};

const queueResources = (stage: string, route: RouteName): CfnResources => ({
  [deadLetterQueueLogicalId(route)]: {
    Type: 'AWS::SQS::Queue',
    Properties: { QueueName: deadLetterQueueName(stage, route), ...deadLetterQueueAttributes() },
  },
  [queueLogicalId(route)]: {
    Type: 'AWS::SQS::Queue',
    Properties: {
      QueueName: queueName(stage, route),
      ...queueAttributes(route),
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(deadLetterQueueLogicalId(route), 'Arn'),
        maxReceiveCount: routeTuning(route).maxReceiveCount,
      },
    },
  },
});

export interface ServerlessFragments {
  functions: Record<string, Cfn>;
  resources: { Resources: CfnResources; Outputs: CfnResources };
}

/** AWS limits: Lambda names up to 64 characters (we keep them under 64), SQS queue names < 81. Fail at package time, not deploy time. */
export const assertNameLimits = (stage: string, specs: LambdaSpec[]): void => {
  for (const spec of specs) {
    const name = functionName(stage, spec.nameSuffix);
    if (name.length >= 64)
      throw new Error(`function name ${name} reaches 64 characters: use a shorter stage`);
  }
  for (const route of routeNames) {
    const name = deadLetterQueueName(stage, route);
    if (name.length > 80) throw new Error(`queue name ${name} exceeds 80 characters: use a shorter stage`);
  }
};

export const serverlessConfig = (settings: DeploySettings): ServerlessFragments => {
  const specs = lambdaSpecs();
  const { stage } = settings;
  assertNameLimits(stage, specs);
  const observability = {
    stage,
    alarmEmail: settings.alarmEmail,
    metricsNamespace,
    metricsService: commonEnvironment(settings).POWERTOOLS_SERVICE_NAME,
  };
  return {
    functions: Object.fromEntries(specs.map((spec) => [spec.key, functionDefinition(spec, settings)])),
    resources: {
      Resources: {
        [tableLogicalId]: {
          Type: 'AWS::DynamoDB::Table',
          // The table is the system of record: a stack removal or replacement must not delete it.
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: { TableName: tableName(stage), ...tableProperties },
        },
        ...Object.assign({}, ...routeNames.map((route) => queueResources(stage, route))),
        ...roleResources(specs, {
          stage,
          webhookSecretsParameter: settings.webhookSecretsParameter,
          spilloverPartitionKeyPattern,
        }),
        ...alarmResources(specs, observability),
        ...dashboardResource(specs, observability),
      },
      Outputs: {
        WebhookBaseUrl: {
          Description: 'Point MessageHub webhooks at <this>/<source>',
          Value: { 'Fn::Join': ['', [getAtt(httpApiLogicalId, 'ApiEndpoint'), '/webhooks/']] },
        },
        TableName: { Description: 'The DynamoDB table', Value: ref(tableLogicalId) },
        QueueUrlPrefix: {
          Description: 'QUEUE_URL_PREFIX: append a route name for its queue URL',
          Value: queueUrlPrefix(stage),
        },
        AlarmTopicArn: { Description: 'SNS topic of every alarm', Value: ref('AlarmTopic') },
      },
    },
  };
};

/** What the Serverless Framework's `${file(...)}` resolver hands an exported function. */
interface ResolverContext {
  resolveVariable: (variable: string) => Promise<unknown>;
}

/**
 * Errors must propagate: `param:` resolves only once the framework instance exists, and the resolver
 * retries a property whose dependency is not ready yet (MISSING_VARIABLE_DEPENDENCY).
 */
const text = async (context: ResolverContext, variable: string, fallback: string): Promise<string> => {
  const value = await context.resolveVariable(`${variable}, ${JSON.stringify(fallback)}`);
  return value === undefined || value === null ? fallback : String(value);
};

/** Reads stage, region and `params` through the framework, so `--stage`, `--region` and `--param` apply. */
export const settingsFromFramework = async (context: ResolverContext): Promise<DeploySettings> => {
  const stage = await text(context, 'sls:stage', 'dev');
  const region = await text(context, 'self:provider.region', 'us-east-1');
  const defaults = defaultSettings(stage, region);
  const ttl = Number(await text(context, 'param:rawEventTtlDays', String(defaults.rawEventTtlDays)));
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error(`rawEventTtlDays must be a positive integer`);
  return {
    stage,
    region,
    alarmEmail: await text(context, 'param:alarmEmail', defaults.alarmEmail),
    webhookSecretsParameter: await text(
      context,
      'param:webhookSecretsParameter',
      defaults.webhookSecretsParameter,
    ),
    parametersSecretsExtensionLayerArn: await text(context, 'param:parametersSecretsExtensionLayerArn', ''),
    rawEventTtlDays: ttl,
    logLevel: await text(context, 'param:logLevel', defaults.logLevel),
  };
};

export const functions = async (context: ResolverContext) =>
  serverlessConfig(await settingsFromFramework(context)).functions;
export const resources = async (context: ResolverContext) =>
  serverlessConfig(await settingsFromFramework(context)).resources;
