import {
  chatwootJson,
  contactPayload,
  conversationPayload,
  messagePayload,
  story,
} from '#fixtures/payloads.ts';

/** The bench's webhook deliveries, and a small helper that runs tasks a few at a time. */

export const runConcurrently = async (
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        await task(index);
      }
    }),
  );
};

export interface Delivery {
  event: string;
  eventId: string;
  body: string;
  messageId?: number;
}

let runs = 0;
/** A realistic mix: mostly new messages (each a new fact), plus contact and conversation updates. */
export const deliveries = (count: number, runId: string): Delivery[] => {
  // Each run has its own message ids, so a run's messages cannot hide behind an earlier run's.
  const firstMessageId = 500_000 + 100_000 * runs++;
  return Array.from({ length: count }, (_, index) => {
    const eventId = `${runId}-${String(index).padStart(6, '0')}`;
    const at = story.t0 + 10 + index;
    const kind = index % 10;
    if (kind < 7) {
      const messageId = firstMessageId + index;
      return {
        event: 'message_created',
        eventId,
        messageId,
        body: chatwootJson(messagePayload({ id: messageId, at, content: `bench message ${index}` })),
      };
    }
    if (kind < 9)
      return {
        event: 'contact_updated',
        eventId,
        body: chatwootJson(contactPayload({ event: 'contact_updated' })),
      };
    return {
      event: 'conversation_updated',
      eventId,
      body: chatwootJson(conversationPayload({ event: 'conversation_updated', at })),
    };
  });
};
