import { functionName, serviceName } from '#contracts/naming.ts';
import type { CfnResources } from './cfn.ts';
import { type LambdaSpec, pascalCase } from './functions.ts';
import { accessLogGroupLogicalId, accessLogGroupName } from './http-api.ts';

/**
 * Saved CloudWatch Logs Insights queries (`AWS::Logs::QueryDefinition`: Name up to 255 characters,
 * `/` makes folders, QueryString up to 10 000, optional LogGroupNames:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-querydefinition.html).
 * They read the fields the code writes: Powertools log lines (`message`, `level`, `correlation_id`
 * of the ingest and workers, `eventId` of the sweeper, plus `function_request_id`/`cold_start`
 * from lib/observability.ts), the EMF metric lines of the ingest (`Webhooks` with `outcome`), and
 * the HTTP API access log (infra/serverless/http-api.ts). Query syntax:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
 */

/** Placeholder the operator replaces before running "follow one event". */
export const eventIdPlaceholder = 'PASTE-EVENT-ID';

/** The framework's logical id of a function's log group (`ingest` → `IngestLogGroup`). */
export const functionLogGroupLogicalId = (spec: LambdaSpec): string => `${pascalCase(spec.key)}LogGroup`;
export const functionLogGroupName = (stage: string, spec: LambdaSpec): string =>
  `/aws/lambda/${functionName(stage, spec.nameSuffix)}`;

/** Outcomes of `Webhooks` that are not rejections (lib/ingest/handle-webhook.ts statuses). */
const acceptedOutcomes = ['accepted', 'quarantined', 'archived'];

export interface SavedQuery {
  logicalId: string;
  title: string;
  /** Which log groups: every function, the ingest only, or the access log. */
  scope: 'functions' | 'ingest' | 'access' | 'ingest-and-sweeper' | 'ingest-and-workers';
  query: string;
}

export const savedQueries: SavedQuery[] = [
  {
    logicalId: 'QueryFollowEvent',
    title: 'follow one event id through every function',
    scope: 'functions',
    query: [
      'fields @timestamp, @log, level, message, function_request_id, cold_start, event, route, outcome, error',
      `| filter correlation_id = "${eventIdPlaceholder}" or eventId = "${eventIdPlaceholder}"`,
      '| sort @timestamp asc',
      '| limit 500',
    ].join('\n'),
  },
  {
    logicalId: 'QueryRejectionsByReason',
    title: 'rejections by reason',
    scope: 'ingest',
    // One EMF line per request carries `outcome` (an error code for rejections); a 401's precise
    // reason is only on its "webhook refused" line, so 401s are counted from those instead.
    query: [
      `filter (ispresent(Webhooks) and ${[...acceptedOutcomes, 'unauthorized'].map((o) => `outcome != "${o}"`).join(' and ')}) or message = "webhook refused"`,
      '| fields coalesce(reason, outcome) as why',
      '| stats count(*) as rejections by why',
      '| sort rejections desc',
    ].join('\n'),
  },
  {
    logicalId: 'QueryQuarantines',
    title: 'quarantines',
    scope: 'ingest-and-workers',
    // Logs never carry payload values, and validation issues quote them: the issues themselves are
    // stored with the raw event (`mhub events --account <id>`), keyed by the event id shown here.
    query: [
      'fields @timestamp, @log, correlation_id, event, source, account, message',
      '| filter message = "webhook quarantined" or (message = "record stored" and outcome = "quarantined")',
      '| sort @timestamp desc',
      '| limit 200',
    ].join('\n'),
  },
  {
    logicalId: 'QuerySlowestRequests',
    title: 'slowest webhook requests',
    scope: 'access',
    query: [
      'fields @timestamp, requestId, lambdaRequestId, status, responseLatency, integrationLatency, path, ip',
      '| sort responseLatency desc',
      '| limit 50',
    ].join('\n'),
  },
  {
    logicalId: 'QuerySpilloverActivity',
    title: 'spillover activity',
    scope: 'ingest-and-sweeper',
    query: [
      'fields @timestamp, @log, level, message, coalesce(correlation_id, eventId) as event_id, route, error, moved, failed, incomplete',
      '| filter message like /spillover/',
      '| sort @timestamp desc',
      '| limit 200',
    ].join('\n'),
  },
];

export const queryDefinitionResources = (specs: LambdaSpec[], stage: string): CfnResources => {
  const inScope: Record<SavedQuery['scope'], (spec: LambdaSpec) => boolean> = {
    functions: () => true,
    ingest: (spec) => spec.kind === 'ingest',
    'ingest-and-sweeper': (spec) => spec.kind !== 'worker',
    'ingest-and-workers': (spec) => spec.kind !== 'sweeper',
    access: () => false,
  };
  const pick = (scope: SavedQuery['scope']): LambdaSpec[] => specs.filter(inScope[scope]);
  return Object.fromEntries(
    savedQueries.map((saved) => {
      const functions = pick(saved.scope);
      return [
        saved.logicalId,
        {
          Type: 'AWS::Logs::QueryDefinition',
          // The log groups must exist before a query can name them.
          DependsOn:
            saved.scope === 'access' ? [accessLogGroupLogicalId] : functions.map(functionLogGroupLogicalId),
          Properties: {
            Name: `${serviceName}/${stage}/${saved.title}`,
            QueryString: saved.query,
            LogGroupNames:
              saved.scope === 'access'
                ? [accessLogGroupName(stage)]
                : functions.map((spec) => functionLogGroupName(stage, spec)),
          },
        },
      ];
    }),
  );
};
