import {
  contactPayload,
  conversationPayload,
  messagePayload,
  type Payload,
  story,
  typingPayload,
  webwidgetPayload,
} from '#fixtures/payloads.ts';
import { chatwootJson } from '#lib/events/chatwoot-json.ts';
import { deliveryHeader, signedHeaders } from '#lib/signing.ts';
import type { Answer, httpClient } from './http.ts';

/**
 * Real-shaped traffic over many conversations (the payload factories of test/fixtures, which follow
 * what current Chatwoot senders put on the wire), and what the store must hold afterwards.
 */

/** Deterministic PRNG (mulberry32): a seed replays the same run. */
export const prng = (seed: number) => {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number): number => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number): boolean => next() < p,
  };
};
export type Prng = ReturnType<typeof prng>;

export interface Delivery {
  event: string;
  /** `X-Chatwoot-Delivery`: a resend carries the same one. */
  deliveryId: string;
  body: string;
  conversationId?: number;
  /** The message this delivery creates (message_created). */
  messageId?: number;
  /** Every message id the payload carries (created, edited, or in a conversation snapshot). */
  mentions?: number[];
  resend?: boolean;
}

/** Moves a story payload into conversation `id`: its display id and every nested `conversation_id`. */
const inConversation = (payload: Payload, id: number): Payload => {
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      if (object.conversation_id === story.conversationId) object.conversation_id = id;
      for (const child of Object.values(object)) walk(child);
    }
  };
  walk(payload);
  const conversation = (
    payload.event.startsWith('conversation_') && !payload.event.startsWith('conversation_typing')
      ? payload
      : payload.conversation
  ) as Record<string, unknown> | undefined;
  if (conversation !== undefined) conversation.id = id;
  return payload;
};

/**
 * One conversation's life, about `length` deliveries: created, messages both ways (some private,
 * some with attachments), edits, contact updates, assignment, typing (archived), status changes, a
 * widget visit. Message ids are unique across the run.
 */
const conversationLife = (
  conversationId: number,
  firstMessageId: number,
  length: number,
  runId: string,
  random: Prng,
): Delivery[] => {
  const t = story.t0 + conversationId * 1000;
  const out: Delivery[] = [];
  let n = 0;
  const add = (payload: Payload, messageId?: number, mentions: number[] = []): void => {
    out.push({
      event: payload.event,
      deliveryId: `${runId}-c${conversationId}-${n++}`,
      body: chatwootJson(inConversation(payload, conversationId)),
      conversationId,
      ...(messageId === undefined ? {} : { messageId }),
      mentions: messageId === undefined ? mentions : [messageId, ...mentions],
    });
  };
  let nextMessage = firstMessageId;
  const created: number[] = [];
  let status: 'open' | 'resolved' | 'pending' | 'snoozed' = 'open';
  const first = nextMessage++;
  // conversation_created carries the first message in `messages[]`, and the workers store it from
  // there: the delivery mentions it, so a stored first message counts as sent even when the run is
  // cut (SIGKILL phases) before its own message_created goes out.
  add(
    conversationPayload({ event: 'conversation_created', at: t + 1, messages: [{ id: first, at: t + 1 }] }),
    undefined,
    [first],
  );
  add(messagePayload({ id: first, at: t + 1, content: `first message of ${conversationId}` }), first);
  created.push(first);
  while (out.length < length) {
    const at = t + 2 + out.length;
    const roll = random.next();
    if (roll < 0.55) {
      const id = nextMessage++;
      const outgoing = random.chance(0.5);
      add(
        messagePayload({
          id,
          at,
          messageType: outgoing ? 'outgoing' : 'incoming',
          private: outgoing && random.chance(0.1),
          attachments: random.chance(0.1) ? 1 + random.int(2) : 0,
          content: `message ${id} in ${conversationId}: order #${random.int(9999)} <ok> & thanks`,
          conversation: { status, at },
        }),
        id,
      );
      created.push(id);
    } else if (roll < 0.65) {
      const id = random.pick(created);
      add(
        messagePayload({
          event: 'message_updated',
          id,
          at,
          content: `edited ${id}`,
          conversation: { status, at },
        }),
        undefined,
        [id],
      );
    } else if (roll < 0.73) add(contactPayload({ event: 'contact_updated' }));
    else if (roll < 0.8)
      add(
        typingPayload({ event: random.chance(0.5) ? 'conversation_typing_on' : 'conversation_typing_off' }),
      );
    else if (roll < 0.9)
      add(
        conversationPayload({
          event: 'conversation_updated',
          at,
          status,
          assignee: 'agent',
          team: true,
          messages: [],
        }),
      );
    else if (roll < 0.97) {
      status = status === 'open' ? random.pick(['resolved', 'pending', 'snoozed'] as const) : 'open';
      add(conversationPayload({ event: 'conversation_status_changed', at, status, messages: [] }));
    } else add(webwidgetPayload({ at }));
  }
  return out;
};

export interface TrafficPlan {
  /** Unique deliveries, interleaved across conversations as many agents would produce them. */
  deliveries: Delivery[];
  /** The order of sending: every delivery once, plus the resends (same delivery id and body). */
  schedule: Delivery[];
  conversations: number[];
  accountId: number;
}

/**
 * `events` deliveries over `events / perConversation` conversations, interleaved; then `resendRatio`
 * of them sent again later in the run (same delivery id and body, signed again when sent).
 */
export const planTraffic = (options: {
  events: number;
  perConversation?: number;
  resendRatio?: number;
  seed: number;
  runId: string;
  firstConversationId?: number;
}): TrafficPlan => {
  const random = prng(options.seed);
  const perConversation = options.perConversation ?? 20;
  const count = Math.max(1, Math.ceil(options.events / perConversation));
  const firstConversationId = options.firstConversationId ?? 1000;
  const lives = Array.from({ length: count }, (_, k) =>
    conversationLife(firstConversationId + k, 1_000_000 + k * 1000, perConversation, options.runId, random),
  );
  // Interleave: each step takes the next delivery of a random conversation that still has some.
  const cursors = lives.map(() => 0);
  const deliveries: Delivery[] = [];
  const open = lives.map((_, k) => k);
  while (deliveries.length < options.events && open.length > 0) {
    const slot = random.int(Math.min(open.length, 40));
    const k = open[slot]!;
    deliveries.push(lives[k]![cursors[k]!]!);
    cursors[k]! += 1;
    if (cursors[k]! >= lives[k]!.length) open.splice(slot, 1);
  }
  const resendCount = Math.round(deliveries.length * (options.resendRatio ?? 0));
  const keyed = deliveries.map((delivery, index) => ({ key: index, delivery }));
  for (let r = 0; r < resendCount; r++) {
    const index = random.int(deliveries.length);
    keyed.push({ key: index + 20 + random.int(500), delivery: { ...deliveries[index]!, resend: true } });
  }
  keyed.sort((a, b) => a.key - b.key);
  return {
    deliveries,
    schedule: keyed.map((entry) => entry.delivery),
    conversations: lives.map((_, k) => firstConversationId + k),
    accountId: story.accountId,
  };
};

/** POSTs one delivery signed now, as a current Chatwoot sender does. */
export const sendDelivery = (
  client: ReturnType<typeof httpClient>,
  source: string,
  secret: string,
  delivery: Delivery,
): Promise<Answer> =>
  client.send({
    path: `/webhooks/${source}`,
    headers: {
      ...signedHeaders(secret, delivery.body),
      [deliveryHeader]: delivery.deliveryId,
      'user-agent': 'rest-client/2.1.0 (linux x86_64) ruby/3.3.6p108',
    },
    body: delivery.body,
  });

/** The message ids each conversation must hold, from the deliveries answered 202. */
export const expectedMessages = (accepted: readonly Delivery[]): Map<number, Set<number>> => {
  const expected = new Map<number, Set<number>>();
  for (const delivery of accepted) {
    if (delivery.conversationId === undefined || delivery.messageId === undefined) continue;
    const set = expected.get(delivery.conversationId) ?? new Set<number>();
    set.add(delivery.messageId);
    expected.set(delivery.conversationId, set);
  }
  return expected;
};
