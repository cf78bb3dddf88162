import { indexProjectedAttributes, keys } from '#contracts/table.ts';

/**
 * Key formats of the single table (docs/data-model.md). Every item of an account starts with
 * `A#<accountId>`; items of one conversation share one partition so a single Query reads the
 * conversation with its messages and status history.
 */
export { indexProjectedAttributes, keys };

export type Key = { [keys.partition]: string; [keys.sort]: string };

/** Ids are zero-padded in sort keys so string order is numeric order. */
export const padId = (id: number): string => String(id).padStart(12, '0');

export const accountPrefix = (accountId: number): string => `A#${accountId}`;
export const conversationPk = (accountId: number, conversationId: number): string =>
  `${accountPrefix(accountId)}#C#${conversationId}`;
export const contactPk = (accountId: number, contactId: number): string =>
  `${accountPrefix(accountId)}#CT#${contactId}`;

export const sortKeys = {
  conversation: 'CONV',
  messagePrefix: 'M#',
  statusPrefix: 'SH#',
  changePrefix: 'CH#',
  contact: 'CONTACT',
  widgetVisitPrefix: 'WV#',
  user: 'USER',
  agentBot: 'BOT',
  team: 'TEAM',
  inbox: 'INBOX',
  rawEvent: 'EVENT',
} as const;

/** Account 0 holds events whose account could not be told (no payload account, no source account). */
export const UNKNOWN_ACCOUNT_ID = 0;
