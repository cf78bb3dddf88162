import type { CommandSpec } from './args.ts';
import { backfillCommand } from './commands/backfill.ts';
import { contactCommand } from './commands/contact.ts';
import { conversationCommand } from './commands/conversation.ts';
import { conversationsCommand } from './commands/conversations.ts';
import { dlqCommand } from './commands/dlq.ts';
import { doctorCommand } from './commands/doctor.ts';
import { eventCommand } from './commands/event.ts';
import { eventsCommand } from './commands/events.ts';
import { replayCommand } from './commands/replay.ts';
import { sendCommand } from './commands/send.ts';
import { smokeCommand } from './commands/smoke.ts';
import { statusCommand } from './commands/status.ts';
import { tailCommand } from './commands/tail.ts';
import { triggerCommand } from './commands/trigger.ts';

/** Every `mhub` command by name, in the order `mhub --help` lists them. A new command is one line here. */
export const commands: Record<string, CommandSpec> = {
  status: statusCommand,
  doctor: doctorCommand,
  send: sendCommand,
  trigger: triggerCommand,
  smoke: smokeCommand,
  tail: tailCommand,
  events: eventsCommand,
  event: eventCommand,
  conversations: conversationsCommand,
  conversation: conversationCommand,
  contact: contactCommand,
  dlq: dlqCommand,
  replay: replayCommand,
  backfill: backfillCommand,
};
