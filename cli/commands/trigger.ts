import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandSpec, expectPositionals, json, str, targetOptions } from '#cli/args.ts';
import { CliError } from '#cli/errors.ts';
import { type Io, printJson, table } from '#cli/io.ts';
import { printTrigger } from '#cli/views/trigger.ts';
import { handledEventNames } from '#contracts/routes.ts';
import { repoRoot } from '#infra/local/state.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';
import { deliveryHeader } from '#lib/signing.ts';
import { deliver, resolveCredential, type SendResult, UNAUTHORIZED_HINT } from './send.ts';

/**
 * `mhub trigger <event>`: sends a signed, realistic sample of an event, like `stripe trigger`. The
 * samples are the examples/ story (account 1 "Acme", contact 42 Aiko Tanaka, conversation 7 in
 * inbox 1, agent 3 Ken Sato of team Support), moved to now: every time in the payload keeps its
 * distance from the story's start, so the story stays consistent and the newest trigger wins the
 * version guards. Each trigger gets a fresh delivery id; `message_created` a fresh message id.
 */

/** The examples' story starts at 2026-03-02T09:14:30Z (examples/README.md). */
const STORY_START_SECONDS = 1_772_442_870;
const STORY_SPAN_SECONDS = 86_400;

export const UNKNOWN_SAMPLE_EVENT = 'conversation_typing_on';

export const triggerDescriptions: Record<string, string> = {
  webwidget_triggered: 'Aiko opens the web widget of inbox 1',
  contact_created: 'contact 42 (Aiko Tanaka) is created',
  conversation_created: 'conversation 7 opens with her first message',
  message_created: 'a new incoming message from Aiko in conversation 7 (fresh message id)',
  contact_updated: 'her last_activity_at changes (in changed_attributes)',
  conversation_updated: 'conversation 7 is assigned to agent 3 and team Support, label delivery',
  message_updated: 'read receipt for message 1001',
  conversation_status_changed: 'conversation 7 is resolved',
  [UNKNOWN_SAMPLE_EVENT]: 'agent 3 starts typing: an event this receiver does not model (archived)',
};

export const triggerEvents = [...handledEventNames, UNKNOWN_SAMPLE_EVENT] as const;

const samplePayload = (event: string): Record<string, unknown> => {
  if (event === UNKNOWN_SAMPLE_EVENT)
    return JSON.parse(readFileSync(join(repoRoot, 'examples/unhandled', `${event}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
  return JSON.parse(readFileSync(join(repoRoot, 'examples', `${event}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
};

const ISO_IN_STORY = /^2026-03-0[1-3]T\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** `Mon Mar 02 2026 10:14:30 GMT+0100 (Central European Standard Time)`: JavaScript's Date#toString, as widgets send it. */
const JS_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d GMT[+-]\d{4}/;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const jsDateUtc = (date: Date): string => {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} GMT+0000 (Coordinated Universal Time)`;
};

/** Moves every story time (epoch seconds, fractional or not, and ISO strings) by `shiftSeconds`. */
export const shiftTimes = (value: unknown, shiftSeconds: number): unknown => {
  if (typeof value === 'number') {
    const inStory =
      value >= STORY_START_SECONDS - STORY_SPAN_SECONDS && value <= STORY_START_SECONDS + STORY_SPAN_SECONDS;
    if (!inStory) return value;
    return Number.isInteger(value) ? value + shiftSeconds : Math.round((value + shiftSeconds) * 1e6) / 1e6;
  }
  if (typeof value === 'string' && JS_DATE.test(value)) {
    const ms = Date.parse(value.replace(/ \(.*\)$/, ''));
    const inStory = Math.abs(ms / 1000 - STORY_START_SECONDS) <= STORY_SPAN_SECONDS;
    return inStory ? jsDateUtc(new Date(ms + shiftSeconds * 1000)) : value;
  }
  if (typeof value === 'string' && ISO_IN_STORY.test(value)) {
    const shifted = new Date(Date.parse(value) + shiftSeconds * 1000).toISOString();
    return value.includes('.') ? shifted : shifted.replace(/\.\d{3}Z$/, 'Z');
  }
  if (Array.isArray(value)) return value.map((item) => shiftTimes(item, shiftSeconds));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shiftTimes(item, shiftSeconds)]),
    );
  return value;
};

/** The payload `mhub trigger` sends for an event, at `now`. */
export const triggerPayload = (event: string, now: Date = new Date()): Record<string, unknown> => {
  if (!(triggerEvents as readonly string[]).includes(event))
    throw new CliError(
      `no sample for ${event}: \`mhub trigger --list\` shows the ${triggerEvents.length} samples`,
    );
  // The story's last event happens ten minutes after its first: end the story now.
  const shift = Math.floor(now.getTime() / 1000) - 600 - STORY_START_SECONDS;
  const payload = shiftTimes(samplePayload(event), shift) as Record<string, unknown>;
  if (event === 'message_created') payload.id = 2_000_000 + (Math.floor(now.getTime() / 10) % 1_000_000_000);
  return payload;
};

export interface TriggerResult extends SendResult {
  event: string;
  delivery_id: string;
}

export const trigger = async (
  options: {
    event: string;
    source?: string | undefined;
    secret?: string | undefined;
    url?: string | undefined;
    stage?: string | undefined;
    port?: number | undefined;
  },
  io: Io,
): Promise<TriggerResult> => {
  const payload = triggerPayload(options.event);
  const source = options.source ?? (options.stage === undefined ? undefined : 'missing');
  let name = source;
  if (name === undefined) {
    // Locally the only source is the obvious choice.
    const { localState } = await import('#cli/target.ts');
    const state = localState(io.env, options.port);
    if (state.sources.length !== 1)
      throw new CliError(
        `the local stack has ${state.sources.length} sources (${state.sources.map((s) => s.name).join(', ')}): pass --source <name>`,
      );
    name = state.sources[0]!.name;
  } else if (options.source === undefined) throw new CliError('trigger with --stage needs --source <name>');
  const credential = resolveCredential({ ...options, source: name }, io.env);
  const deliveryId = randomUUID();
  const result = await deliver({
    ...credential,
    source: name,
    delivery: {
      body: chatwootJson(payload),
      headers: { [deliveryHeader]: deliveryId, 'user-agent': 'mhub trigger' },
    },
  });
  if (result.status === 401) io.err(`${UNAUTHORIZED_HINT}\n`);
  return { ...result, event: options.event, delivery_id: deliveryId };
};

export const printTriggerList = (io: Io, json: boolean): void => {
  const rows = triggerEvents.map((event) => ({
    event,
    handled: event !== UNKNOWN_SAMPLE_EVENT,
    what: triggerDescriptions[event] ?? '',
  }));
  if (json) {
    printJson(io, rows);
    return;
  }
  io.out(
    table(rows, [
      { header: 'EVENT', value: (r) => r.event },
      { header: 'ROUTE', value: (r) => (r.handled ? r.event.replaceAll('_', '-') : 'archive') },
      { header: 'SAMPLE', value: (r) => r.what, max: 80 },
    ]),
  );
};

export const triggerCommand: CommandSpec = {
  usage: ['trigger <event> [--source <name>]', 'trigger --list'],
  summary: 'send a signed, realistic sample of an event (fresh ids, the examples/ story)',
  details: `  Every handled event has a sample, plus conversation_typing_on (not modelled: archived).
Locally the only source is used unless --source; with --stage pass --source, --url and --secret.`,
  options: {
    list: { type: 'boolean' },
    source: { type: 'string' },
    secret: { type: 'string' },
    url: { type: 'string' },
  },
  run: async (values, positionals, io) => {
    if (values.list === true) {
      printTriggerList(io, json(values));
      return 0;
    }
    if (positionals.length === 0)
      throw new CliError(`trigger needs an event: one of ${triggerEvents.join(', ')} (mhub trigger --list)`);
    const [event] = expectPositionals(triggerCommand, positionals, 1);
    const result = await trigger(
      {
        event: event!,
        source: str(values, 'source'),
        secret: str(values, 'secret'),
        url: str(values, 'url'),
        stage: str(values, 'stage'),
        port: targetOptions(values).port,
      },
      io,
    );
    printTrigger(io, result, json(values));
    return result.status >= 200 && result.status < 300 ? 0 : 1;
  },
};
