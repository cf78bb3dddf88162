import { metricDimensions, metricNames, quarantinedOutcome } from '#contracts/metrics.ts';
import { deadLetterQueueName, functionName, queueName, serviceName } from '#contracts/naming.ts';
import { type RouteName, routeNames } from '#contracts/routes.ts';
import {
  alarmTopicLogicalId,
  type Cfn,
  type CfnResources,
  functionLogicalId,
  httpApiLogicalId,
  ref,
  sub,
} from './cfn.ts';
import { type LambdaSpec, pascalCase } from './functions.ts';

/**
 * Alarms, the SNS topic they notify and the CloudWatch dashboard. Every route gets a DLQ-depth and
 * an oldest-message-age alarm, every function an errors alarm, so a new catalog entry is watched
 * the moment it exists.
 */

export interface ObservabilitySettings {
  stage: string;
  /** Empty: the topic has no subscription (subscribe later, e.g. a chat integration). */
  alarmEmail: string;
  /** Powertools metrics namespace (POWERTOOLS_METRICS_NAMESPACE). */
  metricsNamespace: string;
  /** Powertools service name (POWERTOOLS_SERVICE_NAME): the `service` dimension of our metrics. */
  metricsService: string;
}

/**
 * Custom EMF metrics the alarms watch. The names come from lib/contracts/metrics.ts, which the code
 * that emits them (lib/ingest/outcome.ts, functions/spillover-sweeper/handler.ts) imports too.
 */
export const customMetrics = {
  webhooks: metricNames.webhooks,
  quarantinedOutcome,
  spilled: metricNames.spilled,
  spilloverFailed: metricNames.spilloverFailed,
  spilloverIncomplete: metricNames.spilloverIncomplete,
  repaired: metricNames.repaired,
} as const;

/**
 * Metrics Insights allows exactly one aggregate per query: `SELECT FUNCTION(metricName) FROM …`
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html
 * so `SUM(a) + SUM(b)` is not a query. Every expression built here is checked against that grammar
 * by test/infra/metrics-insights.ts.
 *
 * A Metrics Insights query sums a metric over every dimension set the code adds (event, outcome…),
 * so an alarm does not depend on the exact dimensions; `where` narrows it (e.g. one outcome).
 */
export const insightsQuery = (settings: ObservabilitySettings, metric: string, where = ''): string =>
  `SELECT SUM("${metric}") FROM "${settings.metricsNamespace}" WHERE service = '${settings.metricsService}'${where === '' ? '' : ` AND ${where}`}`;

/** A message older than this on a main queue means its worker is stuck or failing. */
export const oldestMessageAgeThresholdSeconds = 300;

const actions = { AlarmActions: [ref(alarmTopicLogicalId)], OKActions: [ref(alarmTopicLogicalId)] };

const alarm = (properties: Record<string, Cfn>): Cfn => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: { TreatMissingData: 'notBreaching', ...actions, ...properties },
});

export const deadLetterAlarmLogicalId = (route: RouteName): string =>
  `${pascalCase(route)}DeadLetterDepthAlarm`;
export const queueAgeAlarmLogicalId = (route: RouteName): string => `${pascalCase(route)}OldestMessageAlarm`;
export const functionErrorsAlarmLogicalId = (spec: LambdaSpec): string =>
  `${pascalCase(spec.key)}ErrorsAlarm`;

const routeAlarms = (stage: string, route: RouteName): CfnResources => ({
  [deadLetterAlarmLogicalId(route)]: alarm({
    AlarmName: `${deadLetterQueueName(stage, route)}-depth`,
    AlarmDescription: `Messages in the ${route} DLQ: redrive with \`mhub dlq redrive --queue ${route}\` once fixed.`,
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: deadLetterQueueName(stage, route) }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
  [queueAgeAlarmLogicalId(route)]: alarm({
    AlarmName: `${queueName(stage, route)}-oldest-message`,
    AlarmDescription: `The oldest ${route} message waited over ${oldestMessageAgeThresholdSeconds}s: its worker is stuck or failing.`,
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateAgeOfOldestMessage',
    Dimensions: [{ Name: 'QueueName', Value: queueName(stage, route) }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: oldestMessageAgeThresholdSeconds,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
});

const functionAlarm = (stage: string, spec: LambdaSpec): CfnResources => ({
  [functionErrorsAlarmLogicalId(spec)]: alarm({
    AlarmName: `${functionName(stage, spec.nameSuffix)}-errors`,
    AlarmDescription: `${spec.key} threw (invocation errors, not partial batch failures).`,
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: [{ Name: 'FunctionName', Value: ref(functionLogicalId(spec)) }],
    Statistic: 'Sum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
});

const insightsAlarm = (
  settings: ObservabilitySettings,
  suffix: string,
  query: string,
  description: string,
): Cfn =>
  alarm({
    AlarmName: `${serviceName}-${settings.stage}-${suffix}`,
    AlarmDescription: description,
    Metrics: [{ Id: 'total', Expression: query, Period: 300, ReturnData: true }],
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  });

/**
 * The sweeper publishes SpilloverFailed and SpilloverIncomplete once per run with the `service`
 * dimension only (Powertools' default dimension), so each is one plain metric: metric math adds
 * them (`failed + incomplete`), which alarms support with MetricStat queries and one expression
 * returning data: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html
 */
const spilloverStuckAlarm = (settings: ObservabilitySettings): Cfn => {
  const stat = (id: string, metricName: string) => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: {
        Namespace: settings.metricsNamespace,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: settings.metricsService }],
      },
      Period: 300,
      Stat: 'Sum',
    },
  });
  return alarm({
    AlarmName: `${serviceName}-${settings.stage}-spillover-stuck`,
    AlarmDescription:
      'The sweeper could not move spillover records (send failed, or parts missing): they wait in the table.',
    Metrics: [
      stat('failed', customMetrics.spilloverFailed),
      stat('incomplete', customMetrics.spilloverIncomplete),
      { Id: 'stuck', Expression: 'failed + incomplete', Label: 'stuck spillover records', ReturnData: true },
    ],
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  });
};

/**
 * The reconciler (functions/reconciler/) publishes `Repaired` once per source and run, with the
 * `service` dimension only: any repair means webhooks were lost before they reached us.
 */
const repairedAlarm = (settings: ObservabilitySettings): Cfn =>
  alarm({
    AlarmName: `${serviceName}-${settings.stage}-webhooks-repaired`,
    AlarmDescription:
      'The reconciler found conversations or messages the webhooks never brought (lost deliveries), and wrote them.',
    Namespace: settings.metricsNamespace,
    MetricName: customMetrics.repaired,
    Dimensions: [{ Name: 'service', Value: settings.metricsService }],
    Statistic: 'Sum',
    Period: 3600,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  });

export const alarmResources = (specs: LambdaSpec[], settings: ObservabilitySettings): CfnResources => ({
  [alarmTopicLogicalId]: {
    Type: 'AWS::SNS::Topic',
    // Deliberately NOT encrypted at rest. CloudWatch can publish to an encrypted topic only if the
    // key policy grants `cloudwatch.amazonaws.com` kms:Decrypt + kms:GenerateDataKey*, and the policy
    // of the AWS-managed `alias/aws/sns` key cannot be changed, so with it no alarm ever arrives:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    // A customer-managed key would work but costs $1/month per stage plus requests, must outlive
    // the stack (7-30 days pending deletion), and one wrong policy line silently drops every alarm
    // again. Alarm notifications hold alarm names, thresholds and metric values, never webhook
    // data, and travel over TLS; the default topic policy admits only this account.
    Properties: { TopicName: `${serviceName}-${settings.stage}-alarms` },
  },
  ...(settings.alarmEmail === ''
    ? {}
    : {
        AlarmEmailSubscription: {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            TopicArn: ref(alarmTopicLogicalId),
            Protocol: 'email',
            Endpoint: settings.alarmEmail,
          },
        },
      }),
  ...Object.assign({}, ...routeNames.map((route) => routeAlarms(settings.stage, route))),
  ...Object.assign({}, ...specs.map((spec) => functionAlarm(settings.stage, spec))),
  QuarantineAlarm: insightsAlarm(
    settings,
    'quarantined',
    insightsQuery(
      settings,
      customMetrics.webhooks,
      `${metricDimensions.outcome} = '${customMetrics.quarantinedOutcome}'`,
    ),
    'A known event failed its schema and was quarantined: inspect the quarantine records, fix the schema, replay.',
  ),
  SpilloverAlarm: insightsAlarm(
    settings,
    'spillover',
    insightsQuery(settings, customMetrics.spilled),
    'SQS refused deliveries and the ingest fell back to the DynamoDB spillover; the sweeper re-queues them.',
  ),
  SpilloverStuckAlarm: spilloverStuckAlarm(settings),
  RepairedAlarm: repairedAlarm(settings),
  HttpApi5xxAlarm: alarm({
    AlarmName: `${serviceName}-${settings.stage}-http-5xx`,
    AlarmDescription:
      'The webhook endpoint answered 5xx: the sender does not retry, so these events are lost.',
    Namespace: 'AWS/ApiGateway',
    MetricName: '5xx',
    Dimensions: [{ Name: 'ApiId', Value: ref(httpApiLogicalId) }],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  }),
});

type MetricRow = (string | Record<string, string>)[];

const widget = (title: string, metrics: MetricRow[], stat: string, x: number, y: number): Cfn => ({
  type: 'metric',
  x,
  y,
  width: 12,
  height: 6,
  properties: { title, region: `\${AWS::Region}`, stat, period: 60, view: 'timeSeries', metrics },
});

/** The dashboard body is JSON inside Fn::Sub: only `${AWS::Region}` and `${HttpApi}` are substituted. */
export const dashboardResource = (specs: LambdaSpec[], settings: ObservabilitySettings): CfnResources => {
  const { stage } = settings;
  const ingest = specs.find((spec) => spec.kind === 'ingest');
  const workers = specs.filter((spec) => spec.kind !== 'ingest');
  const sqsRows = (metric: string, name: (route: RouteName) => string): MetricRow[] =>
    routeNames.map((route) => ['AWS/SQS', metric, 'QueueName', name(route), { label: route }]);
  const lambdaRows = (metric: string, list: LambdaSpec[]): MetricRow[] =>
    list.map((spec) => [
      'AWS/Lambda',
      metric,
      'FunctionName',
      functionName(stage, spec.nameSuffix),
      { label: spec.nameSuffix },
    ]);
  const widgets = [
    widget(
      'Webhook endpoint',
      [
        ['AWS/ApiGateway', 'Count', 'ApiId', `\${HttpApi}`, { label: 'requests' }],
        ['AWS/ApiGateway', '4xx', 'ApiId', `\${HttpApi}`, { label: '4xx' }],
        ['AWS/ApiGateway', '5xx', 'ApiId', `\${HttpApi}`, { label: '5xx' }],
      ],
      'Sum',
      0,
      0,
    ),
    widget(
      'Ingest duration (p50, p99) and errors',
      ingest === undefined
        ? []
        : [
            [
              'AWS/Lambda',
              'Duration',
              'FunctionName',
              functionName(stage, ingest.nameSuffix),
              { stat: 'p50' },
            ],
            [
              'AWS/Lambda',
              'Duration',
              'FunctionName',
              functionName(stage, ingest.nameSuffix),
              { stat: 'p99' },
            ],
            [
              'AWS/Lambda',
              'Errors',
              'FunctionName',
              functionName(stage, ingest.nameSuffix),
              { stat: 'Sum', yAxis: 'right' },
            ],
          ],
      'Average',
      12,
      0,
    ),
    widget(
      'Queue depth',
      sqsRows('ApproximateNumberOfMessagesVisible', (route) => queueName(stage, route)),
      'Maximum',
      0,
      6,
    ),
    widget(
      'Oldest message age (s)',
      sqsRows('ApproximateAgeOfOldestMessage', (route) => queueName(stage, route)),
      'Maximum',
      12,
      6,
    ),
    widget(
      'DLQ depth',
      sqsRows('ApproximateNumberOfMessagesVisible', (route) => deadLetterQueueName(stage, route)),
      'Maximum',
      0,
      12,
    ),
    widget('Worker and sweeper errors', lambdaRows('Errors', workers), 'Sum', 12, 12),
    {
      type: 'metric',
      x: 0,
      y: 18,
      width: 24,
      height: 6,
      properties: {
        title: 'Quarantined and spilled-over deliveries',
        region: `\${AWS::Region}`,
        period: 300,
        view: 'timeSeries',
        metrics: [
          [
            {
              expression: insightsQuery(
                settings,
                customMetrics.webhooks,
                `${metricDimensions.outcome} = '${customMetrics.quarantinedOutcome}'`,
              ),
              label: 'quarantined',
              id: 'q',
            },
          ],
          [{ expression: insightsQuery(settings, customMetrics.spilled), label: 'spilled', id: 's' }],
        ],
      },
    },
  ];
  return {
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `${serviceName}-${stage}`,
        DashboardBody: sub(JSON.stringify({ widgets })),
      },
    },
  };
};
