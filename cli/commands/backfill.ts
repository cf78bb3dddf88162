import {
  type CommandSpec,
  expectPositionals,
  json,
  sinceTime,
  str,
  wholeNumber,
  withTarget,
} from '#cli/args.ts';
import { awsJson } from '#cli/aws.ts';
import { CliError } from '#cli/errors.ts';
import { type Io, keyValues, printJson } from '#cli/io.ts';
import type { Target } from '#cli/target.ts';
import { ConfigError } from '#lib/errors.ts';
import { apiConfigOf } from '#lib/reconcile/api-config.ts';
import { ChatwootApiError, chatwootClient, RunBudgetExceededError } from '#lib/reconcile/client.ts';
import { type SyncSummary, syncAccount } from '#lib/reconcile/sync.ts';
import { stageCaller } from './status.ts';

/**
 * `mhub backfill --source S [--since DATE] [--conversation ID]`: pulls history from the source's
 * Chatwoot API (its `api` entry in the secrets JSON) into the store, through the webhook path's
 * plan (lib/reconcile/). Locally the JSON is `WEBHOOK_SECRETS` (what `npm start` was given); with
 * `--stage` it is the stage's SSM parameter. Idempotent: run it again and nothing changes.
 */

export interface BackfillOptions {
  source: string;
  since?: string | undefined;
  conversationId?: number | undefined;
  /** The whole run's time budget (ms). */
  budgetMs?: number;
}

const secretsJson = async (target: Target, io: Io): Promise<string> => {
  if (target.mode === 'local') {
    const json = io.env.WEBHOOK_SECRETS;
    if (json === undefined || json.trim() === '')
      throw new CliError(
        'backfill reads the source\'s "api" entry from WEBHOOK_SECRETS: set it to the JSON the stack was started with (docs/reconcile.md)',
      );
    return json;
  }
  const answer = await awsJson(stageCaller(target), 'ssm', 'AmazonSSM.GetParameter', {
    Name: `/messagehub-webhooks/${target.stage}/webhook-secrets`,
    WithDecryption: true,
  });
  return (answer.Parameter as { Value?: string } | undefined)?.Value ?? '';
};

export const backfill = async (target: Target, options: BackfillOptions, io: Io): Promise<SyncSummary> => {
  let config: ReturnType<typeof apiConfigOf>;
  try {
    config = apiConfigOf(await secretsJson(target, io), options.source);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  const client = chatwootClient({
    config,
    fetch: (input, init) => fetch(input, init),
    deadline: Date.now() + (options.budgetMs ?? 60 * 60 * 1000),
    onRetry: ({ path, status, waitMs }) =>
      io.err(`  ${status ?? 'network error'} on ${path}: retrying in ${Math.ceil(waitMs / 1000)} s\n`),
  });
  try {
    return await syncAccount({
      client,
      store: target.store,
      accountId: config.accountId,
      mode: 'backfill',
      since: options.since ?? null,
      ...(options.conversationId === undefined ? {} : { conversationId: options.conversationId }),
      onProgress: ({ conversationId, messages, summary }) =>
        io.err(
          `  conversation ${conversationId}: ${messages} message(s)   [${summary.conversations} conversations, ${summary.messages} messages so far]\n`,
        ),
      onSkipped: ({ conversationId }) =>
        io.err(`  conversation ${conversationId ?? '?'}: does not fit the schema, skipped\n`),
    });
  } catch (error) {
    if (error instanceof ChatwootApiError || error instanceof RunBudgetExceededError)
      throw new CliError(
        `backfill stopped: ${error.message} (what was written stays; run it again to continue)`,
      );
    throw error;
  }
};

export const printBackfill = (io: Io, summary: SyncSummary, asJson: boolean): void => {
  if (asJson) {
    printJson(io, summary);
    return;
  }
  io.out(
    keyValues([
      ['conversations', summary.conversations],
      ['messages', summary.messages],
      ['contacts', summary.contacts],
      ['writes applied', summary.writesApplied],
      ['skipped', summary.skipped],
    ]),
  );
};

export const backfillCommand: CommandSpec = {
  usage: ['backfill --source <s> [--since <iso|2d>] [--conversation <id>]'],
  summary: "pull history from the source's Chatwoot API into the store (docs/reconcile.md)",
  details: `  Reads the source's "api" entry from WEBHOOK_SECRETS (locally) or the stage's secrets parameter.`,
  options: { source: { type: 'string' }, since: { type: 'string' }, conversation: { type: 'string' } },
  run: async (values, positionals, io) => {
    expectPositionals(backfillCommand, positionals, 0);
    const source = str(values, 'source');
    if (source === undefined) throw new CliError('backfill needs --source <name>');
    const conversation = str(values, 'conversation');
    const options = {
      source,
      since: sinceTime('--since', str(values, 'since')),
      conversationId: conversation === undefined ? undefined : wholeNumber('--conversation', conversation),
    };
    printBackfill(io, await withTarget(values, io, (target) => backfill(target, options, io)), json(values));
    return 0;
  },
};
