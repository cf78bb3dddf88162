import { serviceName } from '#contracts/naming.ts';
import { type Cfn, type CfnResources, getAtt } from './cfn.ts';

/**
 * Production controls of the framework-generated HTTP API stage (`HttpApiStage`), applied through
 * `resources.extensions` (merged into the generated resource by both osls and Serverless v4):
 * - stage-wide throttling. A throttled request gets 429 and MessageHub never retries it, so the
 *   limits are a cost and abuse ceiling set well above the expected peak, not a way to shed load;
 * - JSON access logs to our own log group with a retention, one line per request.
 *
 * AWS behaviour relied on:
 * - `DefaultRouteSettings.ThrottlingBurstLimit` (Integer) / `ThrottlingRateLimit` (Number) apply to
 *   every route of the stage:
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-stage-routesettings.html
 * - `AccessLogSettings` needs the log group ARN and a single-line format that includes at least
 *   `$context.requestId`:
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-stage-accesslogsettings.html
 * - the `$context.*` variables an HTTP API access log may use:
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 * - HTTP APIs have no X-Ray tracing (REST APIs only); tracing starts at the ingest Lambda.
 */

export const httpApiStageLogicalId = 'HttpApiStage';
export const accessLogGroupLogicalId = 'HttpApiAccessLogGroup';

export const accessLogGroupName = (stage: string): string => `/aws/http-api/${serviceName}-${stage}-access`;

/**
 * One JSON object per request. Field names match what the saved Logs Insights queries read
 * (infra/serverless/queries.ts). `path` carries the source (`/webhooks/<source>`).
 */
export const accessLogFields = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  lambdaRequestId: '$context.integration.requestId',
  userAgent: '$context.identity.userAgent',
} as const;

/**
 * Always-present numbers are written bare, so Logs Insights sorts them as numbers (the slowest-requests
 * query sorts on `responseLatency`); everything that can be empty or `-` stays a JSON string.
 */
export const numericAccessLogFields: ReadonlySet<keyof typeof accessLogFields> = new Set([
  'status',
  'responseLatency',
]);

export const accessLogFormat = (): string =>
  `{${Object.entries(accessLogFields)
    .map(([key, variable]) =>
      numericAccessLogFields.has(key as keyof typeof accessLogFields)
        ? `"${key}":${variable}`
        : `"${key}":"${variable}"`,
    )
    .join(',')}}`;

export interface HttpApiControls {
  stage: string;
  throttlingBurstLimit: number;
  throttlingRateLimit: number;
  logRetentionInDays: number;
}

export const accessLogGroupResource = (controls: HttpApiControls): CfnResources => ({
  [accessLogGroupLogicalId]: {
    Type: 'AWS::Logs::LogGroup',
    Properties: {
      LogGroupName: accessLogGroupName(controls.stage),
      RetentionInDays: controls.logRetentionInDays,
    },
  },
});

/** `resources.extensions` entry: Properties are shallow-merged into the generated stage. */
export const httpApiStageExtension = (controls: HttpApiControls): Record<string, Cfn> => ({
  [httpApiStageLogicalId]: {
    Properties: {
      DefaultRouteSettings: {
        DetailedMetricsEnabled: false,
        ThrottlingBurstLimit: controls.throttlingBurstLimit,
        ThrottlingRateLimit: controls.throttlingRateLimit,
      },
      AccessLogSettings: {
        DestinationArn: getAtt(accessLogGroupLogicalId, 'Arn'),
        Format: accessLogFormat(),
      },
    },
  },
});
