import {
  GZIP_THRESHOLD_BYTES,
  MAX_BODY_BYTES,
  POWERTOOLS_LOG_LEVEL,
  POWERTOOLS_METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
  QUEUE_URL_PREFIX,
  RAW_EVENT_TTL_DAYS,
  TABLE_NAME,
  WEBHOOK_SECRETS_PARAMETER,
  WEBHOOK_SECRETS_TTL_MS,
} from '#contracts/env.ts';
import {
  DEFAULT_GZIP_THRESHOLD_BYTES,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RAW_EVENT_TTL_DAYS,
  DEFAULT_SECRETS_TTL_MS,
} from '#contracts/limits.ts';
import { DEFAULT_METRICS_NAMESPACE } from '#contracts/metrics.ts';
import {
  deadLetterQueueName,
  functionName,
  queueName,
  queueNamePrefix,
  serviceName,
  tableName,
} from '#contracts/naming.ts';
import { type RouteName, routeNames } from '#contracts/routes.ts';
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
import { accessLogGroupResource, httpApiStageExtension } from './serverless/http-api.ts';
import { roleResources } from './serverless/iam.ts';
import { parametersSecretsExtensionLayerArn } from './serverless/layers.ts';
import { alarmResources, dashboardResource } from './serverless/observability.ts';
import { queryDefinitionResources } from './serverless/queries.ts';
import { tableProperties, tableProtection } from './table.ts';

/**
 * The deployed resources, built once from the project's single sources of truth (the event catalog,
 * infra/table.ts, infra/queues.ts, lib/contracts/naming.ts). serverless.yml pulls `functions` and `resources`
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
  /**
   * How long the ingest keeps the sources it read from SSM, seconds: a rotated or added secret takes
   * effect within this time, without a redeploy (lib/ingest/source-cache.ts).
   */
  secretsCacheTtlSeconds: number;
  /** TTL of raw archived events. */
  rawEventTtlDays: number;
  logLevel: string;
  /**
   * `ScalingConfig.MaximumConcurrency` of every SQS event source mapping (2-1000). Caps each worker
   * so a backlog cannot take the account's whole Lambda concurrency from the ingest, whose
   * throttling would lose webhooks (the sender never retries).
   */
  workerMaximumConcurrency: number;
  /** HTTP API stage throttling: a ceiling on cost and abuse, far above the expected peak. */
  httpApiBurstLimit: number;
  httpApiRateLimit: number;
  /** `TracingConfig: Active` on every function (Lambda's own segments; no tracing SDK is bundled). */
  tracing: boolean;
  /** Reserved concurrency for the ingest; null = none (it shares the account's unreserved pool). */
  ingestReservedConcurrency: number | null;
  /** Table deletion protection + Retain policies; default: on for every stage that is not dev-like. */
  protectTable: boolean;
  /** The reconciler's EventBridge schedule is enabled (off by default: it needs sources with `api`). */
  reconcilerEnabled: boolean;
  /** Its schedule expression. */
  reconcilerSchedule: string;
}

/** Stages whose table may be deleted with the stack: `dev`, `test`, `ci`, `sandbox`, `tmp`, `pr-42`, `dev-alice`… */
export const devLikeStagePattern = /^(dev|test|ci|sandbox|tmp|preview|pr\d*)(-.*)?$/;
export const isDevLikeStage = (stage: string): boolean => devLikeStagePattern.test(stage);

/** Log retention of every log group (functions through serverless.yml's provider.logRetentionInDays, and the access log). */
export const logRetentionInDays = 30;

export const defaultSettings = (stage = 'dev', region = 'us-east-1'): DeploySettings => ({
  stage,
  region,
  alarmEmail: '',
  webhookSecretsParameter: `/${serviceName}/${stage}/webhook-secrets`,
  parametersSecretsExtensionLayerArn: '',
  secretsCacheTtlSeconds: DEFAULT_SECRETS_TTL_MS / 1000,
  rawEventTtlDays: DEFAULT_RAW_EVENT_TTL_DAYS,
  logLevel: 'INFO',
  workerMaximumConcurrency: 5,
  httpApiBurstLimit: 1000,
  httpApiRateLimit: 500,
  tracing: true,
  ingestReservedConcurrency: null,
  protectTable: !isDevLikeStage(stage),
  reconcilerEnabled: false,
  reconcilerSchedule: 'rate(1 hour)',
});

/**
 * Spillover items (lib/store/spillover-record.ts) have partition keys `SPILLOVER#<shard>` and
 * `SPILLOVER#<receivedAt>#<eventId>`; the ingest and the sweeper are confined to them.
 */
export const spilloverPartitionKeyPattern = 'SPILLOVER#*';
export const metricsNamespace = DEFAULT_METRICS_NAMESPACE;
/** Bodies larger than this get 413: once base64-encoded by API Gateway it stays under Lambda's 6 MB. */
export const maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

const ingestTuning = { timeoutSeconds: 8, memoryMb: 1024 };
const sweeperTuning = { timeoutSeconds: 60, memoryMb: 512, schedule: 'rate(1 minute)' };
const reconcilerTuning = { timeoutSeconds: 600, memoryMb: 512 };

export const queueUrlPrefix = (stage: string): Cfn =>
  sub(`https://sqs.\${AWS::Region}.\${AWS::URLSuffix}/\${AWS::AccountId}/${queueNamePrefix(stage)}`);

const commonEnvironment = (settings: DeploySettings) => ({
  [POWERTOOLS_SERVICE_NAME]: `${serviceName}-${settings.stage}`,
  [POWERTOOLS_METRICS_NAMESPACE]: metricsNamespace,
  [POWERTOOLS_LOG_LEVEL]: settings.logLevel,
  NODE_OPTIONS: '--enable-source-maps',
  [TABLE_NAME]: tableName(settings.stage),
});

const functionDefinition = (spec: LambdaSpec, settings: DeploySettings): Cfn => {
  const base = {
    name: functionName(settings.stage, spec.nameSuffix),
    handler: `${bundleDirectory(spec)}/index.handler`,
    role: roleLogicalId(spec),
    // Lambda's own segments only (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html);
    // the role gets the upload permissions in infra/serverless/iam.ts.
    tracing: settings.tracing ? 'Active' : 'PassThrough',
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
        ...(settings.ingestReservedConcurrency === null
          ? {}
          : { reservedConcurrency: settings.ingestReservedConcurrency }),
        layers: [
          parametersSecretsExtensionLayerArn(settings.region, settings.parametersSecretsExtensionLayerArn),
        ],
        environment: {
          ...environment,
          [QUEUE_URL_PREFIX]: queueUrlPrefix(settings.stage),
          [WEBHOOK_SECRETS_PARAMETER]: settings.webhookSecretsParameter,
          [GZIP_THRESHOLD_BYTES]: String(DEFAULT_GZIP_THRESHOLD_BYTES),
          [MAX_BODY_BYTES]: String(maxBodyBytes),
          [WEBHOOK_SECRETS_TTL_MS]: String(settings.secretsCacheTtlSeconds * 1000),
          PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
          // The ingest caches the sources itself (above); a second cache in the extension would
          // only add its own TTL to a rotation. 0 turns the extension's Parameter Store cache off:
          // https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
          // (SSM_PARAMETER_STORE_TTL, 0 to 300 s; 0 = no caching).
          SSM_PARAMETER_STORE_TTL: '0',
        },
        events: [{ httpApi: { method: '*', path: '/webhooks/{source}' } }],
      };
    case 'sweeper':
      return {
        ...base,
        description: 'Moves spillover records onto their queues',
        timeout: sweeperTuning.timeoutSeconds,
        memorySize: sweeperTuning.memoryMb,
        environment: { ...environment, [QUEUE_URL_PREFIX]: queueUrlPrefix(settings.stage) },
        events: [{ schedule: { rate: [sweeperTuning.schedule] } }],
      };
    case 'reconciler':
      return {
        ...base,
        description: 'Repairs what lost webhooks left out, from the Chatwoot API (docs/reconcile.md)',
        timeout: reconcilerTuning.timeoutSeconds,
        memorySize: reconcilerTuning.memoryMb,
        layers: [
          parametersSecretsExtensionLayerArn(settings.region, settings.parametersSecretsExtensionLayerArn),
        ],
        environment: {
          ...environment,
          WEBHOOK_SECRETS_PARAMETER: settings.webhookSecretsParameter,
          PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
        },
        events: [{ schedule: { rate: [settings.reconcilerSchedule], enabled: settings.reconcilerEnabled } }],
      };
    case 'worker': {
      const route = spec.route as RouteName;
      const tuning = routeTuning(route);
      return {
        ...base,
        description: `Stores ${route} events`,
        timeout: tuning.workerTimeoutSeconds,
        memorySize: tuning.workerMemoryMb,
        environment: { ...environment, [RAW_EVENT_TTL_DAYS]: String(settings.rawEventTtlDays) },
        events: [
          {
            sqs: {
              arn: getAtt(queueLogicalId(route), 'Arn'),
              batchSize: tuning.batchSize,
              maximumBatchingWindow: tuning.maximumBatchingWindowSeconds,
              functionResponseType: 'ReportBatchItemFailures',
              // ScalingConfig.MaximumConcurrency, 2 to 1000:
              // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-scalingconfig.html
              maximumConcurrency: settings.workerMaximumConcurrency,
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
  /** `extensions` are merged into resources the framework generates (the HTTP API stage). */
  resources: { Resources: CfnResources; Outputs: CfnResources; extensions: CfnResources };
}

/** The longest stage whose every function name stays under Lambda's 64 characters (15 today). */
export const maxStageLength = (specs: LambdaSpec[] = lambdaSpecs()): number =>
  63 - Math.max(...specs.map((spec) => functionName('', spec.nameSuffix).length));

/** AWS limits: Lambda names up to 64 characters (we keep them under 64), SQS queue names < 81. Fail at package time, not deploy time. */
export const assertNameLimits = (stage: string, specs: LambdaSpec[]): void => {
  for (const spec of specs) {
    const name = functionName(stage, spec.nameSuffix);
    if (name.length >= 64)
      throw new Error(
        `function name ${name} reaches 64 characters: use a stage of at most ${maxStageLength(specs)} characters`,
      );
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
  const httpApiControls = {
    stage,
    throttlingBurstLimit: settings.httpApiBurstLimit,
    throttlingRateLimit: settings.httpApiRateLimit,
    logRetentionInDays,
  };
  const protection = tableProtection(settings.protectTable);
  return {
    functions: Object.fromEntries(specs.map((spec) => [spec.key, functionDefinition(spec, settings)])),
    resources: {
      Resources: {
        [tableLogicalId]: {
          Type: 'AWS::DynamoDB::Table',
          // The table is the system of record: outside dev-like stages neither a stack removal, a
          // replacement nor a stray DeleteTable may delete it.
          DeletionPolicy: protection.DeletionPolicy,
          UpdateReplacePolicy: protection.UpdateReplacePolicy,
          Properties: {
            TableName: tableName(stage),
            ...tableProperties,
            DeletionProtectionEnabled: protection.DeletionProtectionEnabled,
          },
        },
        ...Object.assign({}, ...routeNames.map((route) => queueResources(stage, route))),
        ...roleResources(specs, {
          stage,
          webhookSecretsParameter: settings.webhookSecretsParameter,
          spilloverPartitionKeyPattern,
          tracing: settings.tracing,
        }),
        ...accessLogGroupResource(httpApiControls),
        ...queryDefinitionResources(specs, stage),
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
      extensions: httpApiStageExtension(httpApiControls),
    },
  };
};

/** What the Serverless Framework's `${file(...)}` resolver hands an exported function. */
export interface ResolverContext {
  resolveVariable: (variable: string) => Promise<unknown>;
}

/**
 * Every value infra/serverless.ts reads from the framework: `variable` is resolved with `fallback`
 * (`${variable, "fallback"}`), so `--stage`, `--region` and `--param="name=value"` apply. An empty
 * fallback means "the default of defaultSettings()" (some depend on the stage). infra/serverless.cjs
 * resolves exactly this list when it has to build the config in a child process (old Node).
 */
export const frameworkVariables = [
  { key: 'stage', variable: 'sls:stage', fallback: 'dev' },
  { key: 'region', variable: 'self:provider.region', fallback: 'us-east-1' },
  ...(
    [
      'alarmEmail',
      'webhookSecretsParameter',
      'parametersSecretsExtensionLayerArn',
      'secretsCacheTtlSeconds',
      'rawEventTtlDays',
      'logLevel',
      'workerMaximumConcurrency',
      'httpApiBurstLimit',
      'httpApiRateLimit',
      'tracing',
      'ingestReservedConcurrency',
      'protectTable',
      'reconcilerEnabled',
      'reconcilerSchedule',
    ] as const
  ).map((key) => ({ key, variable: `param:${key}`, fallback: '' })),
] as const;

export type FrameworkValues = Partial<Record<(typeof frameworkVariables)[number]['key'], string>>;

const integer = (name: string, raw: string, min: number, max: number): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
};

const flag = (name: string, raw: string): boolean => {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
};

/** Resolved framework values → validated settings; '' or absent takes the default. */
export const settingsFromValues = (values: FrameworkValues): DeploySettings => {
  const given = (key: keyof FrameworkValues): string | undefined => {
    const value = values[key];
    return value === undefined || value === '' ? undefined : value;
  };
  const stage = given('stage') ?? 'dev';
  const defaults = defaultSettings(stage, given('region') ?? 'us-east-1');
  const text = (key: keyof FrameworkValues & keyof DeploySettings): string =>
    given(key) ?? String(defaults[key] ?? '');
  const reserved = given('ingestReservedConcurrency');
  const protectTable = given('protectTable');
  const tracing = given('tracing');
  const reconcilerEnabled = given('reconcilerEnabled');
  return {
    ...defaults,
    alarmEmail: text('alarmEmail'),
    webhookSecretsParameter: text('webhookSecretsParameter'),
    parametersSecretsExtensionLayerArn: text('parametersSecretsExtensionLayerArn'),
    secretsCacheTtlSeconds: integer('secretsCacheTtlSeconds', text('secretsCacheTtlSeconds'), 0, 86_400),
    rawEventTtlDays: integer('rawEventTtlDays', text('rawEventTtlDays'), 1, 36_500),
    logLevel: text('logLevel'),
    // Lambda's documented range for SQS mappings.
    workerMaximumConcurrency: integer('workerMaximumConcurrency', text('workerMaximumConcurrency'), 2, 1000),
    httpApiBurstLimit: integer('httpApiBurstLimit', text('httpApiBurstLimit'), 1, 1_000_000),
    httpApiRateLimit: integer('httpApiRateLimit', text('httpApiRateLimit'), 1, 1_000_000),
    tracing: tracing === undefined ? defaults.tracing : flag('tracing', tracing),
    ingestReservedConcurrency:
      reserved === undefined ? null : integer('ingestReservedConcurrency', reserved, 1, 100_000),
    protectTable: protectTable === undefined ? defaults.protectTable : flag('protectTable', protectTable),
    reconcilerEnabled:
      reconcilerEnabled === undefined
        ? defaults.reconcilerEnabled
        : flag('reconcilerEnabled', reconcilerEnabled),
    reconcilerSchedule: text('reconcilerSchedule'),
  };
};

/**
 * Errors must propagate: `param:` resolves only once the framework instance exists, and the resolver
 * retries a property whose dependency is not ready yet (MISSING_VARIABLE_DEPENDENCY).
 */
export const resolveFrameworkValues = async (context: ResolverContext): Promise<FrameworkValues> => {
  const values: FrameworkValues = {};
  for (const { key, variable, fallback } of frameworkVariables) {
    const value = await context.resolveVariable(`${variable}, ${JSON.stringify(fallback)}`);
    values[key] = value === undefined || value === null ? fallback : String(value);
  }
  return values;
};

/** Reads stage, region and `params` through the framework, so `--stage`, `--region` and `--param` apply. */
export const settingsFromFramework = async (context: ResolverContext): Promise<DeploySettings> =>
  settingsFromValues(await resolveFrameworkValues(context));

export const functions = async (context: ResolverContext) =>
  serverlessConfig(await settingsFromFramework(context)).functions;
export const resources = async (context: ResolverContext) =>
  serverlessConfig(await settingsFromFramework(context)).resources;
