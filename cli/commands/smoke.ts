import { type CommandSpec, durationMs, expectPositionals, json, str, withTarget } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import type { Io } from '#cli/io.ts';
import type { Target } from '#cli/target.ts';
import { printSmoke } from '#cli/views/smoke.ts';
import { getRawEvent } from '#lib/store/raw-event.ts';
import { trigger } from './trigger.ts';

/**
 * `mhub smoke [--stage S] --source X`: proves the path end to end. Sends a signed sample through
 * the public URL, waits (bounded) until the worker has stored it, reads it back, and prints the
 * timings with a one-line verdict. Exit 0 only when the event came back stored as `handled`.
 */

export interface SmokeOptions {
  source?: string | undefined;
  secret?: string | undefined;
  url?: string | undefined;
  event: string;
  timeoutMs: number;
}

export interface SmokeResult {
  ok: boolean;
  event: string;
  event_id: string;
  status: number;
  answer: unknown;
  outcome: string | null;
  post_ms: number;
  stored_ms: number | null;
  read_ms: number | null;
  verdict: string;
}

export const smoke = async (target: Target, options: SmokeOptions, io: Io): Promise<SmokeResult> => {
  if (target.mode === 'stage' && (options.url === undefined || options.secret === undefined))
    throw new CliError(
      "smoke --stage needs --url (the stack output WebhookBaseUrl, without /webhooks/...) and --secret (the source's secret)",
    );
  const started = performance.now();
  const sent = await trigger(
    {
      event: options.event,
      source: options.source,
      secret: options.secret,
      url: options.url,
      stage: target.mode === 'stage' ? target.stage : undefined,
      port: target.local?.port,
    },
    io,
  );
  const result: SmokeResult = {
    ok: false,
    event: options.event,
    event_id: sent.delivery_id,
    status: sent.status,
    answer: sent.body,
    outcome: null,
    post_ms: sent.ms,
    stored_ms: null,
    read_ms: null,
    verdict: '',
  };
  if (sent.status !== 202) {
    result.verdict = `FAIL: the receiver answered ${sent.status} ${JSON.stringify(sent.body)}`;
    return result;
  }
  const deadline = started + options.timeoutMs;
  for (;;) {
    const readStarted = performance.now();
    const raw = await getRawEvent(target.store, { eventId: sent.delivery_id });
    if (raw !== null) {
      result.read_ms = Math.round(performance.now() - readStarted);
      result.stored_ms = Math.round(readStarted - started);
      result.outcome = raw.outcome;
      result.ok = raw.outcome === 'handled';
      result.verdict = result.ok
        ? `PASS: ${options.event} accepted in ${result.post_ms} ms and stored as handled within ${result.stored_ms} ms`
        : `FAIL: stored as ${raw.outcome}${raw.issues === null ? '' : `: ${raw.issues.slice(0, 200)}`}`;
      return result;
    }
    if (performance.now() >= deadline) {
      result.verdict = `FAIL: accepted (${sent.status}) but not stored within ${options.timeoutMs} ms: check \`mhub status\` (queues, DLQs) and the worker logs`;
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

export const smokeCommand: CommandSpec = {
  usage: ['smoke --source <name> [--stage <s> --url <base> --secret <s>] [--timeout 30s]'],
  summary: 'send a signed sample through the public URL, wait until it is stored, read it back',
  details: '  Prints the timings and a one-line verdict; exit 0 only when the event is stored as handled.',
  options: {
    source: { type: 'string' },
    secret: { type: 'string' },
    url: { type: 'string' },
    event: { type: 'string' },
    timeout: { type: 'string' },
  },
  run: async (values, positionals, io) => {
    expectPositionals(smokeCommand, positionals, 0);
    if (str(values, 'stage') !== undefined && str(values, 'source') === undefined)
      throw new CliError('smoke --stage needs --source <name>');
    const result = await withTarget(values, io, (target) =>
      smoke(
        target,
        {
          source: str(values, 'source'),
          secret: str(values, 'secret'),
          url: str(values, 'url'),
          event: str(values, 'event') ?? 'message_created',
          timeoutMs: durationMs('--timeout', str(values, 'timeout') ?? '30s'),
        },
        io,
      ),
    );
    printSmoke(io, result, json(values));
    return result.ok ? 0 : 1;
  },
};
