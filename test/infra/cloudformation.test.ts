import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableName as deployedTableName, queueNamePrefix } from '#contracts/naming.ts';
import { routeNames } from '#contracts/routes.ts';
import {
  deadLetterQueueAttributes,
  queueAttributes,
  routeTuning,
  visibilityTimeoutSeconds,
} from '#infra/queues.ts';
import {
  deadLetterQueueLogicalId,
  functionLogicalId,
  queueLogicalId,
  roleLogicalId,
  tableLogicalId,
} from '#infra/serverless/cfn.ts';
import {
  ingestSpec,
  lambdaSpecs,
  reconcilerSpec,
  sweeperSpec,
  workerSpecs,
} from '#infra/serverless/functions.ts';
import { savedQueries } from '#infra/serverless/queries.ts';
import {
  defaultSettings,
  logRetentionInDays,
  maxBodyBytes,
  metricsNamespace,
  serverlessConfig,
} from '#infra/serverless.ts';
import { tableProperties } from '#infra/table.ts';
import { readSweeperSettings } from '#lib/delivery/sweeper-settings.ts';
import { readIngestSettings } from '#lib/ingest/settings.ts';
import { spilloverPartition } from '#lib/store/spillover.ts';
import { readWorkerConfig } from '#lib/workers/config.ts';
import { type PackageResult, packageService } from '#scripts/package.ts';
import { includeTemplate, isError, unexplainedWarnings, validateTemplate } from './aws-validators.ts';
import { isMetricsInsights, MetricsInsightsSyntaxError, parseMetricsInsights } from './metrics-insights.ts';
import {
  allows,
  allowsAnywhere,
  type Json,
  readTemplate,
  resourcesOfType,
  statementsOf,
  type Template,
  zipEntries,
} from './template.ts';

/**
 * Packages the service with osls (offline, no AWS credentials), exactly as `npm run package` does,
 * for a production-like stage (`prod`, the one most checks read) and a dev-like one (`dev`, which
 * differs where documented: removable table, tracing switched off by a param), then checks the
 * CloudFormation they generated. Handlers not written yet are packaged from a placeholder bundle
 * (listed in the first test's output); every template check still applies.
 */

const stage = 'prod';
const devStage = 'dev';
const region = 'eu-west-1';
const canarySecret = 'canary-webhook-secret-6d1f0c';
const reservedConcurrency = 50;
let outDir = '';
let devOutDir = '';
let template: Template;
let devTemplate: Template;
let packaged: PackageResult;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'mhub-package-'));
  devOutDir = mkdtempSync(join(tmpdir(), 'mhub-package-dev-'));
  // A secret present in the environment must still never reach the template.
  process.env.WEBHOOK_SECRETS = JSON.stringify({ acme: canarySecret });
  packaged = await packageService({
    outDir,
    placeholdersForMissing: true,
    args: [
      '--stage',
      stage,
      '--region',
      region,
      '--param=alarmEmail=ops@example.com',
      `--param=ingestReservedConcurrency=${reservedConcurrency}`,
    ],
  });
  if (packaged.code !== 0) throw new Error(`osls package failed:\n${packaged.stdout}\n${packaged.stderr}`);
  const dev = await packageService({
    outDir: devOutDir,
    skipBuild: true,
    args: ['--stage', devStage, '--region', region, '--param=tracing=false'],
  });
  delete process.env.WEBHOOK_SECRETS;
  if (dev.code !== 0) throw new Error(`osls package (dev) failed:\n${dev.stdout}\n${dev.stderr}`);
  template = readTemplate(join(outDir, 'cloudformation-template-update-stack.json'));
  devTemplate = readTemplate(join(devOutDir, 'cloudformation-template-update-stack.json'));
}, 240_000);

afterAll(() => {
  for (const directory of [outDir, devOutDir])
    if (directory !== '') rmSync(directory, { recursive: true, force: true });
});

const resource = (logicalId: string): Json => {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`no resource ${logicalId}`);
  return found;
};
const fn = (logicalId: string): Json => resource(logicalId).Properties;
const getAttArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('functions', () => {
  it('derives one function per catalog route plus ingest, sweeper and reconciler, nothing else', () => {
    if (packaged.placeholders.length > 0)
      console.warn(
        `placeholder bundles (handler missing): ${packaged.placeholders.map((s) => s.entry).join(', ')}`,
      );
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
    expect(functions.sort()).toEqual(lambdaSpecs().map(functionLogicalId).sort());
    expect(functions).toHaveLength(routeNames.length + 3);
  });

  it('runs every function on nodejs24.x arm64 with its own role, name under 64 characters', () => {
    const roles = new Set<string>();
    for (const spec of lambdaSpecs()) {
      const properties = fn(functionLogicalId(spec));
      expect(properties.Runtime).toBe('nodejs24.x');
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.Handler).toBe(`dist/${spec.bundle}/index.handler`);
      expect(properties.Role).toEqual(getAttArn(roleLogicalId(spec)));
      expect(properties.FunctionName.length).toBeLessThan(64);
      expect(properties.FunctionName).toContain(`-${stage}-`);
      roles.add(roleLogicalId(spec));
    }
    expect(roles.size).toBe(lambdaSpecs().length);
    // The framework's shared default role must not exist: it would grant every function the union.
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('packages each function individually with only its own bundle and lazy chunks', () => {
    for (const spec of lambdaSpecs()) {
      const entries = zipEntries(join(outDir, `${spec.key}.zip`));
      expect(entries).toContain(`dist/${spec.bundle}/index.mjs`);
      expect(entries).toContain(`dist/${spec.bundle}/index.mjs.map`);
      for (const entry of entries)
        expect(entry).toMatch(new RegExp(`^dist/${spec.bundle}/.+\\.mjs(\\.map)?$`));
    }
  });

  it('routes ANY /webhooks/{source} to the ingest with payload format 2.0', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((route) => route.RouteKey)).toEqual(['ANY /webhooks/{source}']);
    const [integration] = resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').map(
      ([, r]) => r.Properties,
    );
    expect(integration.PayloadFormatVersion).toBe('2.0');
    expect(JSON.stringify(integration.IntegrationUri)).toContain(functionLogicalId(ingestSpec));
  });

  it('gives the ingest the environment its settings reader accepts, and the secrets extension layer', () => {
    const properties = fn(functionLogicalId(ingestSpec));
    const env = properties.Environment.Variables;
    expect(env.QUEUE_URL_PREFIX['Fn::Sub']).toMatch(new RegExp(`/${queueNamePrefix(stage)}$`));
    expect(env.TABLE_NAME).toBe(deployedTableName(stage));
    expect(env.WEBHOOK_SECRETS_PARAMETER).toBe(`/messagehub-webhooks/${stage}/webhook-secrets`);
    expect(Number(env.MAX_BODY_BYTES)).toBe(maxBodyBytes);
    expect(properties.Layers).toEqual([
      expect.stringMatching(
        new RegExp(
          `^arn:aws:lambda:${region}:\\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\\d+$`,
        ),
      ),
    ]);
    const concrete = {
      ...env,
      QUEUE_URL_PREFIX: `https://sqs.${region}.amazonaws.com/123456789012/${queueNamePrefix(stage)}`,
    };
    const settings = readIngestSettings(concrete);
    expect(settings.secrets).toEqual({ from: 'parameter', name: env.WEBHOOK_SECRETS_PARAMETER });
    expect(settings.maxBodyBytes).toBe(maxBodyBytes);
  });

  it('schedules the sweeper with the environment its settings reader accepts', () => {
    const env = fn(functionLogicalId(sweeperSpec)).Environment.Variables;
    const concrete = {
      ...env,
      QUEUE_URL_PREFIX: `https://sqs.${region}.amazonaws.com/123456789012/${queueNamePrefix(stage)}`,
    };
    expect(readSweeperSettings(concrete).tableName).toBe(deployedTableName(stage));
    // The reconciler's rule is the other one (next test).
    const rules = resourcesOfType(template, 'AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((r) => !JSON.stringify(r.Targets).includes(functionLogicalId(reconcilerSpec)));
    expect(rules).toHaveLength(1);
    expect(rules[0].ScheduleExpression).toBe('rate(1 minute)');
    expect(JSON.stringify(rules[0].Targets)).toContain(functionLogicalId(sweeperSpec));
  });

  it('deploys the reconciler with its schedule off unless a stage parameter enables it', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((r) => JSON.stringify(r.Targets).includes(functionLogicalId(reconcilerSpec)));
    expect(rules).toHaveLength(1);
    expect(rules[0].State).toBe('DISABLED');
    expect(rules[0].ScheduleExpression).toBe('rate(1 hour)');
    const enabled = serverlessConfig({ ...defaultSettings(stage), reconcilerEnabled: true }).functions;
    expect(JSON.stringify(enabled[reconcilerSpec.key])).toContain('"enabled":true');
    expect(fn(functionLogicalId(reconcilerSpec)).Environment.Variables.WEBHOOK_SECRETS_PARAMETER).toBe(
      `/messagehub-webhooks/${stage}/webhook-secrets`,
    );
  });

  it('keeps every log group, the access log included, for logRetentionInDays', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(lambdaSpecs().length + 1);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(logRetentionInDays);
  });

  it('traces every function actively, with the X-Ray upload permissions, unless a param turns it off', () => {
    for (const spec of lambdaSpecs()) {
      expect(fn(functionLogicalId(spec)).TracingConfig).toEqual({ Mode: 'Active' });
      expect(allowsAnywhere(template, roleLogicalId(spec), 'xray:PutTraceSegments')).toBe(true);
      const dev = devTemplate.Resources[functionLogicalId(spec)].Properties;
      expect(dev.TracingConfig).toEqual({ Mode: 'PassThrough' });
      expect(allowsAnywhere(devTemplate, roleLogicalId(spec), 'xray:PutTraceSegments')).toBe(false);
    }
  });

  it('reserves ingest concurrency only when asked to', () => {
    expect(fn(functionLogicalId(ingestSpec)).ReservedConcurrentExecutions).toBe(reservedConcurrency);
    for (const spec of lambdaSpecs().filter((s) => s.kind !== 'ingest'))
      expect(fn(functionLogicalId(spec)).ReservedConcurrentExecutions).toBeUndefined();
    expect(
      devTemplate.Resources[functionLogicalId(ingestSpec)].Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
  });
});

describe('queues and workers', () => {
  it.each(routeNames)(
    '%s has a queue and a DLQ with the redrive and attributes of infra/queues.ts',
    (route) => {
      const queue = resource(queueLogicalId(route)).Properties;
      const dlq = resource(deadLetterQueueLogicalId(route)).Properties;
      const { RedrivePolicy, QueueName, ...attributes } = queue;
      expect(QueueName).toBe(`${queueNamePrefix(stage)}${route}`);
      expect(attributes).toEqual(queueAttributes(route));
      expect(RedrivePolicy).toEqual({
        deadLetterTargetArn: getAttArn(deadLetterQueueLogicalId(route)),
        maxReceiveCount: routeTuning(route).maxReceiveCount,
      });
      const { QueueName: dlqName, ...dlqAttributes } = dlq;
      expect(dlqName).toBe(`${queueNamePrefix(stage)}${route}-dlq`);
      expect(dlqAttributes).toEqual(deadLetterQueueAttributes());
    },
  );

  it.each(workerSpecs().map((spec) => [spec.route, spec] as const))(
    'the %s worker consumes its queue with partial batch failures and the tuning of infra/queues.ts',
    (_route, spec) => {
      const route = spec.route!;
      const tuning = routeTuning(route);
      const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
        .map(([, r]) => r.Properties)
        .filter((m) => JSON.stringify(m.FunctionName).includes(`"${functionLogicalId(spec)}"`));
      expect(mappings).toHaveLength(1);
      expect(mappings[0]).toMatchObject({
        EventSourceArn: getAttArn(queueLogicalId(route)),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: tuning.batchSize,
        MaximumBatchingWindowInSeconds: tuning.maximumBatchingWindowSeconds,
        Enabled: true,
        ScalingConfig: { MaximumConcurrency: defaultSettings(stage).workerMaximumConcurrency },
      });
      const properties = fn(functionLogicalId(spec));
      expect(properties.Timeout).toBe(tuning.workerTimeoutSeconds);
      expect(properties.MemorySize).toBe(tuning.workerMemoryMb);
      expect(visibilityTimeoutSeconds(route)).toBeGreaterThanOrEqual(6 * properties.Timeout);
      expect(properties.Environment.Variables.TABLE_NAME).toBe(deployedTableName(stage));
      expect(readWorkerConfig(properties.Environment.Variables)).toEqual({
        tableName: deployedTableName(stage),
        rawArchiveTtlDays: 90,
      });
    },
  );

  it('has exactly one event source mapping per route', () => {
    const sources = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(
      ([, r]) => r.Properties.EventSourceArn['Fn::GetAtt'][0],
    );
    expect(sources.sort()).toEqual(routeNames.map(queueLogicalId).sort());
  });
});

describe('table', () => {
  it('matches infra/table.ts, and on a production stage is retained and deletion-protected', () => {
    const table = resource(tableLogicalId);
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toEqual({
      TableName: deployedTableName(stage),
      ...tableProperties,
      DeletionProtectionEnabled: true,
    });
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(resourcesOfType(template, 'AWS::DynamoDB::Table')).toHaveLength(1);
  });

  it('stays removable on a dev-like stage', () => {
    const table = devTemplate.Resources[tableLogicalId];
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.UpdateReplacePolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe('IAM least privilege', () => {
  const ingestRole = roleLogicalId(ingestSpec);
  const sweeperRole = roleLogicalId(sweeperSpec);
  const spillover = spilloverPartition(3);

  it('never grants wildcard actions, nor a bare * resource except to the X-Ray upload actions', () => {
    for (const spec of lambdaSpecs()) {
      for (const statement of statementsOf(template, roleLogicalId(spec))) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
        if ([statement.Resource].flat().includes('*'))
          expect([statement.Action].flat().sort()).toEqual([
            'xray:PutTelemetryRecords',
            'xray:PutTraceSegments',
          ]);
      }
    }
  });

  it('lets the ingest send to every route queue and nothing more on SQS', () => {
    for (const route of routeNames) {
      expect(allows(template, ingestRole, 'sqs:SendMessage', queueLogicalId(route))).toBe(true);
      expect(allows(template, ingestRole, 'sqs:SendMessage', deadLetterQueueLogicalId(route))).toBe(false);
      for (const action of [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:PurgeQueue',
        'sqs:ChangeMessageVisibility',
      ])
        expect(allows(template, ingestRole, action, queueLogicalId(route))).toBe(false);
    }
  });

  it('lets the ingest put spillover items only, and never read or change other table items', () => {
    expect(allows(template, ingestRole, 'dynamodb:PutItem', tableLogicalId, spillover)).toBe(true);
    expect(allows(template, ingestRole, 'dynamodb:PutItem', tableLogicalId, 'CONV#1#42')).toBe(false);
    expect(allows(template, ingestRole, 'dynamodb:PutItem', tableLogicalId)).toBe(false);
    for (const action of [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ])
      expect(allows(template, ingestRole, action, tableLogicalId, spillover)).toBe(false);
  });

  it('lets the ingest read only its one secrets parameter, and decrypt only through SSM for it', () => {
    const statements = statementsOf(template, ingestRole);
    const ssm = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssm).toHaveLength(1);
    expect([ssm[0]!.Action].flat()).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(ssm[0]!.Resource)).toContain(
      `:parameter/messagehub-webhooks/${stage}/webhook-secrets`,
    );
    const kms = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    expect([kms[0]!.Action].flat()).toEqual(['kms:Decrypt']);
    expect(kms[0]!.Condition?.StringEquals?.['kms:ViaService']).toBeDefined();
    expect(
      JSON.stringify(kms[0]!.Condition?.StringEquals?.['kms:EncryptionContext:PARAMETER_ARN']),
    ).toContain(`parameter/messagehub-webhooks/${stage}/webhook-secrets`);
    // The reconciler reads the same parameter (its `api` entries): next test.
    for (const spec of lambdaSpecs().filter((s) => s.kind !== 'ingest' && s.kind !== 'reconciler'))
      expect(JSON.stringify(statementsOf(template, roleLogicalId(spec)))).not.toMatch(/"(ssm|kms):/);
  });

  it('lets the reconciler read only that parameter, and the base table with single-item reads and writes', () => {
    const statements = statementsOf(template, roleLogicalId(reconcilerSpec));
    const ssm = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssm.map((s) => s.Action)).toEqual([['ssm:GetParameter']]);
    expect(JSON.stringify(ssm[0]!.Resource)).toContain(
      `:parameter/messagehub-webhooks/${stage}/webhook-secrets`,
    );
    const kms = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
    expect(
      JSON.stringify(kms[0]!.Condition?.StringEquals?.['kms:EncryptionContext:PARAMETER_ARN']),
    ).toContain(`parameter/messagehub-webhooks/${stage}/webhook-secrets`);
    const dynamodb = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(JSON.stringify(dynamodb.map((s) => s.Resource))).not.toContain('index');
    expect(JSON.stringify(statements)).not.toMatch(/"sqs:|DeleteItem|BatchWrite|Scan/);
  });

  it.each(workerSpecs().map((spec) => [spec.route, spec] as const))(
    'the %s worker reads only its own queue and writes only the table',
    (_route, spec) => {
      const role = roleLogicalId(spec);
      for (const route of routeNames) {
        const own = route === spec.route;
        for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'])
          expect(allows(template, role, action, queueLogicalId(route))).toBe(own);
        expect(allows(template, role, 'sqs:SendMessage', queueLogicalId(route))).toBe(false);
        expect(allows(template, role, 'sqs:ReceiveMessage', deadLetterQueueLogicalId(route))).toBe(false);
      }
      expect(allows(template, role, 'dynamodb:PutItem', tableLogicalId, 'CONV#1#42')).toBe(true);
      expect(allows(template, role, 'dynamodb:UpdateItem', tableLogicalId, 'CONV#1#42')).toBe(true);
      for (const action of [
        'dynamodb:Scan',
        'dynamodb:DeleteItem',
        'dynamodb:DeleteTable',
        'dynamodb:UpdateTable',
      ])
        expect(allows(template, role, action, tableLogicalId, 'CONV#1#42')).toBe(false);
    },
  );

  it('confines the sweeper to the spillover items and to sending onto route queues', () => {
    for (const action of ['dynamodb:Query', 'dynamodb:DeleteItem']) {
      expect(allows(template, sweeperRole, action, tableLogicalId, spillover)).toBe(true);
      expect(allows(template, sweeperRole, action, tableLogicalId, 'CONV#1#42')).toBe(false);
    }
    expect(allows(template, sweeperRole, 'dynamodb:PutItem', tableLogicalId, spillover)).toBe(false);
    for (const route of routeNames) {
      expect(allows(template, sweeperRole, 'sqs:SendMessage', queueLogicalId(route))).toBe(true);
      expect(allows(template, sweeperRole, 'sqs:ReceiveMessage', queueLogicalId(route))).toBe(false);
    }
  });

  it('lets each function write only its own log group', () => {
    for (const spec of lambdaSpecs()) {
      const logs = statementsOf(template, roleLogicalId(spec)).filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('logs:')),
      );
      expect(logs).toHaveLength(1);
      expect(JSON.stringify(logs[0]!.Resource)).toContain(
        `log-group:/aws/lambda/${fn(functionLogicalId(spec)).FunctionName}:*`,
      );
    }
  });
});

describe('secrets', () => {
  it('keeps every secret out of the template: only the parameter name is there', () => {
    const text = JSON.stringify(template);
    expect(text).not.toContain(canarySecret);
    for (const spec of lambdaSpecs()) {
      const variables = Object.keys(fn(functionLogicalId(spec)).Environment.Variables);
      expect(variables).not.toContain('WEBHOOK_SECRETS');
    }
    expect(resourcesOfType(template, 'AWS::SSM::Parameter')).toHaveLength(0);
    expect(resourcesOfType(template, 'AWS::SecretsManager::Secret')).toHaveLength(0);
  });
});

describe('observability', () => {
  const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
  const topic = { Ref: 'AlarmTopic' };

  it.each(routeNames)('alarms on any message in the %s DLQ and on its oldest message age', (route) => {
    const dlq = alarms().filter(
      (a) =>
        a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        a.Dimensions?.[0]?.Value === `${queueNamePrefix(stage)}${route}-dlq`,
    );
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topic],
    });
    const age = alarms().filter(
      (a) =>
        a.MetricName === 'ApproximateAgeOfOldestMessage' &&
        a.Dimensions?.[0]?.Value === `${queueNamePrefix(stage)}${route}`,
    );
    expect(age).toHaveLength(1);
    expect(age[0].AlarmActions).toEqual([topic]);
  });

  it('alarms on errors of every function, on quarantines and on spillovers', () => {
    for (const spec of lambdaSpecs()) {
      const errors = alarms().filter(
        (a) =>
          a.MetricName === 'Errors' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: functionLogicalId(spec) } }]),
      );
      expect(errors).toHaveLength(1);
    }
    const expressions = alarms().flatMap((a) => (a.Metrics ?? []).map((m: Json) => m.Expression as string));
    expect(expressions.some((e) => /SUM\("Webhooks"\).*outcome = 'quarantined'/.test(e))).toBe(true);
    expect(expressions.some((e) => /SUM\("Spilled"\)/.test(e))).toBe(true);
  });

  it('notifies an SNS topic CloudWatch can publish to: not encrypted with the AWS-managed key', () => {
    // alias/aws/sns's key policy cannot grant cloudwatch.amazonaws.com (infra/serverless/observability.ts).
    const topic = resource('AlarmTopic');
    expect(topic.Properties.KmsMasterKeyId).toBeUndefined();
    expect(JSON.stringify(template)).not.toContain('alias/aws/sns');
    for (const alarmProperties of alarms()) {
      expect(alarmProperties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
  });

  it('notifies an SNS topic, with the e-mail subscription passed as a param', () => {
    expect(resource('AlarmTopic').Type).toBe('AWS::SNS::Topic');
    expect(resource('AlarmEmailSubscription').Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('has a dashboard covering every queue', () => {
    const [[, dashboard]] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard') as [[string, Json]];
    const body = dashboard.Properties.DashboardBody['Fn::Sub'] as string;
    const parsed = JSON.parse(body);
    expect(parsed.widgets.length).toBeGreaterThan(4);
    for (const route of routeNames) expect(body).toContain(`"${queueNamePrefix(stage)}${route}-dlq"`);
    // Only intended substitutions: anything else would break the deploy.
    expect(new Set(body.match(/\$\{[^}]+\}/g))).toEqual(new Set([`\${AWS::Region}`, `\${HttpApi}`]));
  });
});

describe('metric expressions', () => {
  /** Every `Expression` of every alarm and dashboard widget, with the ids of its sibling queries. */
  const expressions = (): { where: string; expression: string; ids: string[] }[] => {
    const found: { where: string; expression: string; ids: string[] }[] = [];
    for (const [id, alarmResource] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
      const metrics = (alarmResource.Properties.Metrics ?? []) as Json[];
      for (const metric of metrics)
        if (metric.Expression !== undefined)
          found.push({ where: id, expression: metric.Expression, ids: metrics.map((m) => m.Id) });
    }
    for (const [id, dashboard] of resourcesOfType(template, 'AWS::CloudWatch::Dashboard')) {
      const body = JSON.parse(dashboard.Properties.DashboardBody['Fn::Sub'] as string);
      for (const widget of body.widgets as Json[])
        for (const row of (widget.properties?.metrics ?? []) as Json[][]) {
          const options = row.find((part: Json) => typeof part === 'object' && part !== null);
          if (options?.expression !== undefined)
            found.push({
              where: `${id}: ${widget.properties.title}`,
              expression: options.expression,
              ids: [],
            });
        }
    }
    return found;
  };

  it('checks every Metrics Insights query against the documented grammar', () => {
    const insights = expressions().filter(({ expression }) => isMetricsInsights(expression));
    expect(insights.length).toBeGreaterThanOrEqual(4); // 2 alarms + 2 dashboard series today
    for (const { where, expression } of insights) {
      const parsed = parseMetricsInsights(expression);
      expect(parsed.namespace, where).toBe(metricsNamespace);
      expect(parsed.where[0], where).toEqual({
        key: 'service',
        operator: '=',
        value: `messagehub-webhooks-${stage}`,
      });
    }
  });

  it("uses metric math only over the alarm's own queries", () => {
    const math = expressions().filter(({ expression }) => !isMetricsInsights(expression));
    expect(math.map(({ where }) => where)).toContain('SpilloverStuckAlarm');
    for (const { where, expression, ids } of math) {
      expect(expression, where).not.toMatch(/\bSELECT\b/i);
      const referenced = expression.match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? [];
      for (const name of referenced) expect(ids, `${where}: ${expression}`).toContain(name);
    }
  });

  it("sums the sweeper's two failure metrics in the spillover-stuck alarm", () => {
    const stuck = resource('SpilloverStuckAlarm').Properties.Metrics as Json[];
    expect(stuck.filter((m) => m.ReturnData)).toHaveLength(1);
    expect(
      stuck
        .map((m) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['SpilloverFailed', 'SpilloverIncomplete']);
  });

  it.each([
    // The expression SpilloverStuck used to have: two aggregates in one query.
    `SELECT SUM("SpilloverFailed") + SUM("SpilloverIncomplete") FROM "MessageHubWebhooks" WHERE service = 'x'`,
    'SELECT MEDIAN(Latency) FROM "AWS/Lambda"',
    'SELECT SUM(Errors) FROM AWS/Lambda',
    `SELECT SUM(Errors) FROM "AWS/Lambda" WHERE FunctionName = "unquoted-value"`,
    `SELECT SUM(Errors) FROM "AWS/Lambda" WHERE FunctionName = 'a' LIMIT`,
    'SELECT SUM(Errors), MAX(Errors) FROM "AWS/Lambda"',
  ])('rejects an invalid query: %s', (query) => {
    expect(() => parseMetricsInsights(query)).toThrow(MetricsInsightsSyntaxError);
  });

  it('accepts the documented examples', () => {
    for (const query of [
      'SELECT AVG(CPUUtilization) FROM "AWS/EC2"',
      'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)',
      `SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) WHERE InstanceId != 'i-1' GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10`,
    ])
      expect(() => parseMetricsInsights(query)).not.toThrow();
  });
});

describe('HTTP API controls', () => {
  const stageProperties = () => resource('HttpApiStage').Properties;

  it('throttles the stage at the configured burst and rate', () => {
    const defaults = defaultSettings(stage);
    expect(stageProperties().DefaultRouteSettings).toMatchObject({
      ThrottlingBurstLimit: defaults.httpApiBurstLimit,
      ThrottlingRateLimit: defaults.httpApiRateLimit,
    });
  });

  it('writes one JSON access log line per request with request id, IP, route, status, latency and integration error', () => {
    const settings = stageProperties().AccessLogSettings;
    expect(settings.DestinationArn).toEqual(getAttArn('HttpApiAccessLogGroup'));
    expect(resource('HttpApiAccessLogGroup').Properties.RetentionInDays).toBe(logRetentionInDays);
    // Filled in the way API Gateway substitutes $context variables, the format is one JSON object.
    const line = (settings.Format as string).replace(/\$context\.[A-Za-z.]+/g, (variable) =>
      ['$context.status', '$context.responseLatency'].includes(variable) ? '123' : 'x',
    );
    const parsed = JSON.parse(line);
    for (const field of ['requestId', 'ip', 'routeKey', 'status', 'responseLatency', 'integrationError'])
      expect(parsed, field).toHaveProperty(field);
    for (const variable of [
      '$context.requestId',
      '$context.identity.sourceIp',
      '$context.routeKey',
      '$context.status',
      '$context.responseLatency',
      '$context.integrationErrorMessage',
    ])
      expect(settings.Format).toContain(variable);
  });
});

describe('saved Logs Insights queries', () => {
  const queries = () => resourcesOfType(template, 'AWS::Logs::QueryDefinition');

  it('saves one query per operator question, each on log groups this stack creates', () => {
    const groups = new Set(
      resourcesOfType(template, 'AWS::Logs::LogGroup').map(([, group]) => group.Properties.LogGroupName),
    );
    expect(
      queries()
        .map(([id]) => id)
        .sort(),
    ).toEqual(savedQueries.map((query) => query.logicalId).sort());
    for (const [id, query] of queries()) {
      expect(query.Properties.Name.length, id).toBeLessThanOrEqual(255);
      expect(query.Properties.QueryString.length, id).toBeLessThanOrEqual(10_000);
      expect(query.Properties.LogGroupNames.length, id).toBeGreaterThan(0);
      for (const name of query.Properties.LogGroupNames) expect(groups, `${id}: ${name}`).toContain(name);
      for (const dependency of query.DependsOn) expect(template.Resources[dependency], id).toBeDefined();
    }
  });

  it('follows one event id through every function', () => {
    const follow = resource('QueryFollowEvent').Properties;
    expect(follow.LogGroupNames).toHaveLength(lambdaSpecs().length);
    expect(follow.QueryString).toContain('correlation_id');
  });
});

describe("AWS's own template validators", () => {
  const templatePath = (which: 'prod' | 'dev') =>
    join(which === 'prod' ? outDir : devOutDir, 'cloudformation-template-update-stack.json');

  it.each(['prod', 'dev'] as const)(
    '@aws/cloudformation-validate finds no error in the %s template',
    (which) => {
      const findings = validateTemplate(templatePath(which), region);
      expect(
        findings.filter((finding) => finding.severity === 'ERROR' || finding.severity === 'FATAL'),
      ).toEqual([]);
      expect(unexplainedWarnings(findings)).toEqual([]);
    },
  );

  it.each(['prod', 'dev'] as const)("aws-cdk-lib's CfnInclude loads the %s template", (which) => {
    expect(includeTemplate(templatePath(which))).toBeGreaterThan(100);
  });

  it('both catch a broken template', () => {
    const broken = structuredClone(template);
    const [mappingId] = resourcesOfType(broken, 'AWS::Lambda::EventSourceMapping')[0]!;
    // Below Lambda's documented minimum of 2.
    broken.Resources[mappingId].Properties.ScalingConfig.MaximumConcurrency = 1;
    // A reference to a resource that does not exist.
    broken.Resources.IngestLambdaFunction.Properties.Role = { 'Fn::GetAtt': ['NoSuchRole', 'Arn'] };
    const path = join(outDir, 'broken-template.json');
    writeFileSync(path, JSON.stringify(broken));
    const errors = validateTemplate(path, region).filter(isError);
    expect(errors.map((finding) => finding.resource)).toEqual(
      expect.arrayContaining([mappingId, 'IngestLambdaFunction']),
    );
    expect(() => includeTemplate(path)).toThrow(/NoSuchRole/);
  });
});

describe('outputs', () => {
  it('exports the webhook base URL, table name and queue URL prefix', () => {
    expect(JSON.stringify(template.Outputs.WebhookBaseUrl.Value)).toContain('/webhooks/');
    expect(template.Outputs.TableName.Value).toEqual({ Ref: tableLogicalId });
    expect(template.Outputs.QueueUrlPrefix.Value['Fn::Sub']).toMatch(
      new RegExp(`/${queueNamePrefix(stage)}$`),
    );
  });

  it('writes the zips where osls was told to', () => {
    for (const spec of lambdaSpecs()) expect(existsSync(join(outDir, `${spec.key}.zip`))).toBe(true);
  });
});
