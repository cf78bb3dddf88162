import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type CommandSpec, expectPositionals, json, withTarget } from '#cli/args.ts';
import { awsQuery, awsRestGet, xmlMembers, xmlValues } from '#cli/aws.ts';
import type { Target } from '#cli/target.ts';
import { printDoctor } from '#cli/views/doctor.ts';
import { functionName, serviceName } from '#contracts/naming.ts';
import { type RouteName, routeNames } from '#contracts/routes.ts';
import { spilloverStatus, stageCaller, stageSources, summarizeSources } from './status.ts';

/**
 * `mhub doctor [--stage S]`: checks what must hold for events to flow and says what to fix.
 * On a stage: the secrets parameter exists and parses (names and auth modes only), every event
 * source mapping is enabled (with its maximum concurrency), the DLQs and the spillover are empty,
 * no alarm is in ALARM, the alarm topic's subscription is confirmed, and the webhook URL. Locally:
 * the same questions of the local stack (sources, health, queues and their pollers, DLQs, spillover).
 * The stage checks use signed calls (cli/aws.ts) and are not run against real AWS here.
 */

export type CheckState = 'ok' | 'warn' | 'fail';

export interface Check {
  check: string;
  state: CheckState;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

const guarded = async (name: string, run: () => Promise<Check | Check[]>): Promise<Check[]> => {
  try {
    const result = await run();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    return [
      {
        check: name,
        state: 'fail',
        detail: (error as Error).message.split('\n')[0] ?? '',
        fix: 'see the error',
      },
    ];
  }
};

const deadLetterDepths = async (target: Target): Promise<Check> => {
  const depths = await Promise.all(
    routeNames.map(async (route): Promise<[RouteName, number]> => {
      const response = await target.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: await target.deadLetterQueueUrl(route),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return [
        route,
        Number(response.Attributes?.ApproximateNumberOfMessages ?? 0) +
          Number(response.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      ];
    }),
  );
  const full = depths.filter(([, depth]) => depth > 0);
  const where = target.mode === 'stage' ? ` --stage ${target.stage} --region ${target.region}` : '';
  return full.length === 0
    ? { check: 'dead-letter queues', state: 'ok', detail: `all ${depths.length} empty` }
    : {
        check: 'dead-letter queues',
        state: 'fail',
        detail: full.map(([route, depth]) => `${route}: ${depth}`).join(', '),
        fix: `look with \`mhub dlq list${where}\`, then \`mhub dlq redrive${where}\` (or \`mhub dlq purge <queue>\`)`,
      };
};

const spilloverCheck = async (target: Target): Promise<Check> => {
  const spill = await spilloverStatus(target);
  return spill.records === 0
    ? { check: 'spillover', state: 'ok', detail: 'empty' }
    : {
        check: 'spillover',
        state: spill.oldest !== null && Date.now() - Date.parse(spill.oldest) > 5 * 60_000 ? 'fail' : 'warn',
        detail: `${spill.records} record(s) waiting for the sweeper, oldest received ${spill.oldest}`,
        fix: 'SQS refused sends: the sweeper moves them back every minute; if they stay, check the sweeper logs and SQS',
      };
};

const localChecks = async (target: Target): Promise<Check[]> => {
  const state = target.local!;
  const checks: Check[] = [];
  const sources = summarizeSources(state.sources);
  checks.push({
    check: 'sources',
    state: sources.length > 0 ? 'ok' : 'fail',
    detail: sources.map((source) => `${source.name} (${source.auth.join(' + ')})`).join(', '),
  });
  checks.push(
    ...(await guarded('health', async () => {
      const response = await fetch(`${state.endpoint}/health`, { signal: AbortSignal.timeout(5000) });
      const body = await response.text();
      return response.status === 200
        ? { check: 'health', state: 'ok', detail: `${state.endpoint}/health answers 200` }
        : {
            check: 'health',
            state: 'fail',
            detail: `${response.status} ${body}`,
            fix: 'restart `npm start`',
          };
    })),
  );
  const unpolled = state.unpolledRoutes ?? [];
  checks.push(
    unpolled.length === 0
      ? { check: 'workers', state: 'ok', detail: `every queue of the ${routeNames.length} is polled` }
      : {
          check: 'workers',
          state: 'fail',
          detail: `not polled: ${unpolled.join(', ')}`,
          fix: 'restore functions/workers/handler.ts (one worker per route, generated from the catalog)',
        },
  );
  checks.push(...(await guarded('dead-letter queues', () => deadLetterDepths(target))));
  checks.push(...(await guarded('spillover', () => spilloverCheck(target))));
  checks.push({ check: 'webhook URL', state: 'ok', detail: `${state.endpoint}/webhooks/<source>` });
  return checks;
};

const stackName = (stage: string): string => `${serviceName}-${stage}`;

const stageChecks = async (target: Target): Promise<Check[]> => {
  const caller = stageCaller(target);
  const checks: Check[] = [];
  const parameter = `/${serviceName}/${target.stage}/webhook-secrets`;
  checks.push(
    ...(await guarded('secrets parameter', async () => {
      const sources = await stageSources(target);
      return {
        check: 'secrets parameter',
        state: sources.length > 0 ? 'ok' : 'fail',
        detail: `${parameter}: ${sources.map((source) => `${source.name} (${source.auth.join(' + ')})`).join(', ')}`,
        fix: `put the sources JSON in ${parameter} (docs/deploy.md)`,
      };
    })),
  );
  checks.push(
    ...(await guarded('event source mappings', async () => {
      const rows = await Promise.all(
        routeNames.map(async (route) => {
          const answer = await awsRestGet(caller, 'lambda', '/2015-03-31/event-source-mappings/', {
            FunctionName: functionName(target.stage, route),
          });
          const mappings = (answer.EventSourceMappings ?? []) as {
            State?: string;
            ScalingConfig?: { MaximumConcurrency?: number };
          }[];
          return { route, mappings };
        }),
      );
      return rows.map(({ route, mappings }): Check => {
        const enabled = mappings.filter((mapping) => mapping.State === 'Enabled');
        const concurrency = enabled[0]?.ScalingConfig?.MaximumConcurrency;
        return enabled.length > 0
          ? {
              check: `mapping ${route}`,
              state: 'ok',
              detail: `enabled, maximum concurrency ${concurrency ?? 'unset (account limit)'}`,
            }
          : {
              check: `mapping ${route}`,
              state: 'fail',
              detail:
                mappings.length === 0
                  ? 'no event source mapping'
                  : `state ${mappings.map((m) => m.State).join(', ')}`,
              fix: `aws lambda update-event-source-mapping --enabled (function ${functionName(target.stage, route)}), or redeploy`,
            };
      });
    })),
  );
  checks.push(...(await guarded('dead-letter queues', () => deadLetterDepths(target))));
  checks.push(...(await guarded('spillover', () => spilloverCheck(target))));
  checks.push(
    ...(await guarded('alarms', async () => {
      const xml = await awsQuery(
        caller,
        'monitoring',
        '2010-08-01',
        { Action: 'DescribeAlarms', AlarmNamePrefix: stackName(target.stage), StateValue: 'ALARM' },
        'monitoring',
      );
      const names = xmlValues(xml, 'AlarmName');
      return names.length === 0
        ? { check: 'alarms', state: 'ok', detail: 'none in ALARM' }
        : {
            check: 'alarms',
            state: 'fail',
            detail: `in ALARM: ${names.join(', ')}`,
            fix: 'open the CloudWatch dashboard and the saved queries (docs/deploy.md)',
          };
    })),
  );
  checks.push(
    ...(await guarded('stack outputs', async () => {
      const xml = await awsQuery(caller, 'cloudformation', '2010-05-15', {
        Action: 'DescribeStacks',
        StackName: stackName(target.stage),
      });
      const outputs = new Map(
        xmlMembers(xml)
          .map((member) => [xmlValues(member, 'OutputKey')[0], xmlValues(member, 'OutputValue')[0]] as const)
          .filter(
            (pair): pair is readonly [string, string] => pair[0] !== undefined && pair[1] !== undefined,
          ),
      );
      const url = outputs.get('WebhookBaseUrl');
      const topic = outputs.get('AlarmTopicArn');
      const result: Check[] = [
        url === undefined
          ? {
              check: 'webhook URL',
              state: 'fail',
              detail: 'no WebhookBaseUrl output',
              fix: 'deploy the stage',
            }
          : { check: 'webhook URL', state: 'ok', detail: `${url}<source>` },
      ];
      if (topic !== undefined) {
        const subscriptions = await awsQuery(caller, 'sns', '2010-03-31', {
          Action: 'ListSubscriptionsByTopic',
          TopicArn: topic,
        });
        const arns = xmlValues(subscriptions, 'SubscriptionArn');
        const pending = arns.filter((arn) => arn === 'PendingConfirmation');
        result.push(
          arns.length === 0
            ? {
                check: 'alarm subscription',
                state: 'fail',
                detail: 'nobody is subscribed',
                fix: 'deploy with --param="alarmEmail=..."',
              }
            : pending.length > 0
              ? {
                  check: 'alarm subscription',
                  state: 'fail',
                  detail: `${pending.length} of ${arns.length} not confirmed`,
                  fix: 'click the link in the "AWS Notification - Subscription Confirmation" e-mail',
                }
              : { check: 'alarm subscription', state: 'ok', detail: `${arns.length} confirmed` },
        );
      }
      return result;
    })),
  );
  return checks;
};

export const doctor = (target: Target): Promise<Check[]> =>
  target.mode === 'local' ? localChecks(target) : stageChecks(target);

export const doctorCommand: CommandSpec = {
  usage: ['doctor [--stage <s>]'],
  summary: 'check that events can flow, and say what to fix',
  details: `  Locally: sources, health, workers, DLQs, spillover, webhook URL. On a stage: the secrets parameter,
every event source mapping, DLQs, spillover, alarms, the alarm subscription, the webhook URL. Exit 1 on a failure.`,
  options: {},
  run: async (values, positionals, io) => {
    expectPositionals(doctorCommand, positionals, 0);
    const checks = await withTarget(values, io, (target) => doctor(target));
    printDoctor(io, checks, json(values));
    return checks.some((check) => check.state === 'fail') ? 1 : 0;
  },
};
