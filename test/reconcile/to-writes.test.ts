import { describe, expect, it } from 'vitest';
import { conversationObject, messagePayload, story } from '#fixtures/payloads.ts';
import { apiConversationWrites } from '#lib/reconcile/to-writes.ts';
import type { PutWrite, Write } from '#lib/store/write.ts';
import { apiConversationView, apiMessageView, type Json } from '#test/doubles/chatwoot-api.ts';

/** The pure mapping of API views onto the webhook plan: versions, gaps filled from the store, activity. */

const view = (overrides: Json = {}): Json => ({
  ...apiConversationView(conversationObject({ at: story.t0 + 4 }, 'real') as Json, 1),
  ...overrides,
});
const conversationWrite = (writes: Write[]): PutWrite =>
  writes.find((w): w is PutWrite => w.kind === 'put' && w.entity === 'conversation')!;
const plan = (conversation: Json, messages?: unknown[]) => {
  const planned = apiConversationWrites({
    accountId: 1,
    conversation,
    stored: null,
    eventId: 'api:test',
    ...(messages === undefined ? {} : { messages }),
  });
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  return planned.writes;
};

describe('API views through the webhook plan', () => {
  it('versions a conversation one microsecond below a webhook of the same updated_at', () => {
    const written = conversationWrite(plan(view()));
    const micros = Math.round(((story.t0 + 4 + 0.655123) as number) * 1e6);
    expect(written.version?.slice(0, 17)).toBe(String(micros - 1).padStart(17, '0'));
  });

  it('ranks a view with no updated_at (older Chatwoot) below every webhook: it only fills in', () => {
    const { updated_at: _dropped, ...old } = view();
    expect(conversationWrite(plan(old)).version?.slice(0, 17)).toBe('0'.repeat(17));
  });

  it('takes channel from meta and contact_inbox from the stored conversation', () => {
    const planned = apiConversationWrites({
      accountId: 1,
      conversation: view(),
      stored: { contact_inbox_id: 17, contact_id: 42, inbox_id: 1, channel: null } as never,
      eventId: 'api:test',
    });
    expect(planned.ok).toBe(true);
    const item = conversationWrite((planned as { writes: Write[] }).writes).item;
    expect(item).toMatchObject({ channel: 'Channel::WebWidget', contact_inbox_id: 17 });
  });

  it('stores no activity message, as webhooks never carry them', () => {
    const incoming = apiMessageView(messagePayload({ id: 2001 }) as Json, story.conversationId);
    const activity = { ...incoming, id: 2002, message_type: 2, content: 'Conversation was resolved by Ken' };
    const keys = plan(view({ messages: [] }), [incoming, activity])
      .filter((w) => w.entity === 'message')
      .map((w) => (w.kind === 'update' ? w.key.sk : w.item.sk));
    expect(keys).toEqual(['M#000000002001']);
  });

  it('names what does not normalise instead of throwing', () => {
    const planned = apiConversationWrites({
      accountId: 1,
      conversation: { id: 'x' },
      stored: null,
      eventId: 'e',
    });
    expect(planned.ok).toBe(false);
  });
});
