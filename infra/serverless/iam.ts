import { functionName } from '#contracts/naming.ts';
import { routeNames } from '#contracts/routes.ts';
import {
  type Cfn,
  type CfnResources,
  getAtt,
  queueLogicalId,
  roleLogicalId,
  sub,
  tableLogicalId,
} from './cfn.ts';
import type { LambdaSpec } from './functions.ts';

/**
 * One IAM role per function, each allowed exactly what its function does (the framework has no
 * per-function IAM, so the roles are ours and every function names its own `role:`):
 * - ingest: SendMessage to the route queues, PutItem on the spillover partition only, and read the
 *   one SSM parameter holding the webhook secrets (plus KMS decrypt through SSM for it);
 * - each worker: consume its own queue only, read/write the table;
 * - the sweeper: read/delete the spillover partition only, SendMessage to the route queues.
 * Nobody gets `*` actions, DeleteTable, Scan or another function's queue; the only `*` resource is X-Ray's
 * two upload actions, which have no resource types.
 */

export interface IamSettings {
  stage: string;
  /** SSM parameter name of the webhook secrets (`/messagehub-webhooks/prod/webhook-secrets`). */
  webhookSecretsParameter: string;
  /** `dynamodb:LeadingKeys` pattern (StringLike) of every spillover item's partition key. */
  spilloverPartitionKeyPattern: string;
  /** Active X-Ray tracing: the functions then upload trace segments. */
  tracing: boolean;
}

/**
 * What Lambda's active tracing needs from the execution role (the actions of the
 * AWSXRayDaemonWriteAccess policy that upload data): https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
 * X-Ray defines no resource types for these actions, so `*` is the only possible resource:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 */
export const xrayStatement: Statement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};

type Statement = Record<string, Cfn>;

const tableArn = getAtt(tableLogicalId, 'Arn');
const tableIndexesArn = { 'Fn::Join': ['/', [tableArn, 'index', '*']] };
const routeQueueArns = (): Cfn[] => routeNames.map((route) => getAtt(queueLogicalId(route), 'Arn'));

/** `/a/b` → `arn:…:parameter/a/b` (SSM ARNs drop the leading slash of hierarchical names). */
export const parameterArn = (name: string): Cfn =>
  sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`);

const logStatement = (stage: string, spec: LambdaSpec): Statement => ({
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [
    sub(
      `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName(stage, spec.nameSuffix)}:*`,
    ),
  ],
});

const spilloverOnly = (settings: IamSettings) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [settings.spilloverPartitionKeyPattern] },
});

/**
 * Read the webhook secrets parameter: GetParameter on it, and SecureString decryption only when SSM
 * asks on behalf of that one parameter. The ingest and the reconciler read it the same way.
 */
const readSecretsParameter = (settings: IamSettings): Statement[] => [
  {
    Effect: 'Allow',
    Action: ['ssm:GetParameter'],
    Resource: [parameterArn(settings.webhookSecretsParameter)],
  },
  {
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: [sub(`arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/*`)],
    Condition: {
      StringEquals: {
        'kms:ViaService': sub(`ssm.\${AWS::Region}.\${AWS::URLSuffix}`),
        'kms:EncryptionContext:PARAMETER_ARN': parameterArn(settings.webhookSecretsParameter),
      },
    },
  },
];

export const statementsFor = (spec: LambdaSpec, settings: IamSettings): Statement[] => [
  ...functionStatements(spec, settings),
  ...(settings.tracing ? [xrayStatement] : []),
];

const functionStatements = (spec: LambdaSpec, settings: IamSettings): Statement[] => {
  const logs = logStatement(settings.stage, spec);
  switch (spec.kind) {
    case 'ingest':
      return [
        logs,
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: routeQueueArns() },
        {
          Effect: 'Allow',
          // Also covers the Puts of a multi-part TransactWriteItems (authorised per item).
          Action: ['dynamodb:PutItem'],
          Resource: [tableArn],
          Condition: spilloverOnly(settings),
        },
        ...readSecretsParameter(settings),
      ];
    case 'sweeper':
      return [
        logs,
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query', 'dynamodb:DeleteItem'],
          Resource: [tableArn],
          Condition: spilloverOnly(settings),
        },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: routeQueueArns() },
      ];
    case 'reconciler':
      return [
        logs,
        // The secrets parameter (its `api` entries), read and decrypted exactly as the ingest does.
        ...readSecretsParameter(settings),
        {
          Effect: 'Allow',
          // lib/reconcile: GetItem (conversation, watermark), Query (a conversation's messages), and the
          // write plan's single-item conditional Put/Update. Base table only: no index is read.
          Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: [tableArn],
        },
      ];
    case 'worker': {
      if (spec.route === undefined) throw new Error(`worker ${spec.key} has no route`);
      return [
        logs,
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
          ],
          Resource: [getAtt(queueLogicalId(spec.route), 'Arn')],
        },
        {
          Effect: 'Allow',
          // What lib/store does: single-item conditional Put/Update (no transactions, no deletes), Get, Query.
          Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: [tableArn, tableIndexesArn],
        },
      ];
    }
  }
};

export const roleResource = (spec: LambdaSpec, settings: IamSettings): Cfn => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    },
    Policies: [
      {
        PolicyName: `${spec.bundle}-least-privilege`,
        PolicyDocument: { Version: '2012-10-17', Statement: statementsFor(spec, settings) },
      },
    ],
  },
});

export const roleResources = (specs: LambdaSpec[], settings: IamSettings): CfnResources =>
  Object.fromEntries(specs.map((spec) => [roleLogicalId(spec), roleResource(spec, settings)]));
