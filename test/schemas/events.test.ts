import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { type HandledEventName, handledEventNames } from '#contracts/routes.ts';
import {
  chatwootJson,
  contactPayload,
  conversationPayload,
  handledPayload,
  messagePayload,
  type Payload,
  story,
  webwidgetPayload,
} from '#fixtures/payloads.ts';
import { checkKeys, eventRegistry, normaliseEvent } from '#lib/events/registry.ts';
import type {
  ContactEvent,
  ConversationEvent,
  MessageEvent,
  WidgetTriggeredEvent,
} from '#lib/schemas/types.ts';
import { at, compareCommon } from './helpers.ts';

/** Through the wire format, as the workers will see it. */
const wire = (payload: Payload): unknown => JSON.parse(chatwootJson(payload));

const normalised = <E extends HandledEventName>(event: E, payload: Payload) => {
  const result = normaliseEvent(event, wire(payload));
  if (!result.ok) throw new Error(`${event} failed: ${JSON.stringify(result.issues)}`);
  return result.value;
};

const t = (offset: number) => new Date((story.t0 + offset) * 1000).toISOString();

/** Facts every doc/real pair must carry, non-null and identical, per event family. */
const conversationFacts = [
  'account_id',
  'conversation.id',
  'conversation.account_id',
  'conversation.inbox_id',
  'conversation.status',
  'conversation.channel',
  'conversation.unread_count',
  'conversation.contact.id',
  'conversation.contact.name',
  'conversation.contact.account_id',
  'conversation.contact_inbox.id',
  'conversation.contact_inbox.source_id',
  'conversation.contact_inbox.created_at',
  'conversation.additional_attributes.initiated_at.timestamp',
  'conversation.timestamp',
  'conversation.contact_last_seen_at',
  'conversation.messages[0].id',
  'conversation.messages[0].account_id',
  'conversation.messages[0].conversation_id',
  'conversation.messages[0].message_type',
  'conversation.messages[0].created_at',
  'conversation.messages[0].sender.type',
  'conversation.messages[0].sender.id',
];
const mustCarry: Record<HandledEventName, string[]> = {
  conversation_created: conversationFacts,
  conversation_updated: [
    ...conversationFacts,
    'conversation.assignee.id',
    'conversation.assignee.type',
    'changed_attributes{assignee_id}.current_value',
  ],
  conversation_status_changed: [...conversationFacts, 'changed_attributes{status}.current_value'],
  message_created: [
    'account_id',
    'account.id',
    'inbox.id',
    'message.id',
    'message.account_id',
    'message.inbox_id',
    'message.conversation_id',
    'message.content',
    'message.message_type',
    'message.created_at',
    'message.private',
    'message.content_type',
    'message.sender.type',
    'message.sender.id',
    ...conversationFacts.filter((p) => p !== 'account_id'),
  ],
  message_updated: [
    'account_id',
    'message.id',
    'message.message_type',
    'message.created_at',
    'conversation.id',
  ],
  webwidget_triggered: [
    'account_id',
    'contact_inbox_id',
    'source_id',
    'contact.id',
    'contact.account_id',
    'inbox.id',
    'event_info.initiated_at.timestamp',
    'current_conversation.id',
    'current_conversation.account_id',
    'current_conversation.contact.id',
  ],
  contact_created: [
    'account_id',
    'contact.id',
    'contact.name',
    'contact.avatar',
    'contact.account_id',
    'account.id',
  ],
  contact_updated: ['account_id', 'contact.id', 'contact.name', 'contact.account_id'],
};

/** `changed_attributes{status}.current_value` → the item whose attribute is `status`. */
const read = (value: unknown, path: string): unknown => {
  const m = /^changed_attributes\{(\w+)\}\.(\w+)$/.exec(path);
  if (!m) return at(value, path);
  const list = (value as { changed_attributes: { attribute: string }[] | null }).changed_attributes ?? [];
  return (list.find((c) => c.attribute === m[1]) as Record<string, unknown> | undefined)?.[m[2]!];
};

describe.each(handledEventNames)('%s', (event) => {
  const doc = () => handledPayload(event, { shape: 'doc' });
  const real = () => handledPayload(event, { shape: 'real' });

  it('accepts the doc shape and the real shape, and normalises them identically', () => {
    const fromDoc = normalised(event, doc());
    const fromReal = normalised(event, real());
    for (const path of mustCarry[event]) {
      expect(read(fromDoc, path), `doc ${path}`).not.toBeNull();
      expect(read(fromDoc, path), `doc ${path}`).not.toBeUndefined();
      expect(read(fromReal, path), path).toEqual(read(fromDoc, path));
    }
    const { compared, diffs } = compareCommon(fromDoc, fromReal);
    expect(diffs).toEqual([]);
    expect(compared.length).toBeGreaterThan(mustCarry[event].length);
  });

  it('passes the key check wherever the full schema passes', () => {
    for (const payload of [doc(), real()]) {
      expect(checkKeys(event, wire(payload)).ok).toBe(true);
      expect(v.is(eventRegistry[event].keySchema, wire(payload))).toBe(true);
    }
  });

  it('keeps unknown top-level fields', () => {
    const payload = { ...real(), x_fork_field: { nested: ['kept', 1] } };
    const out = normalised(event, payload) as unknown as Record<string, unknown>;
    const holder = event.startsWith('conversation')
      ? out.conversation
      : event.startsWith('message')
        ? out.message
        : event.startsWith('contact')
          ? out.contact
          : out;
    expect((holder as Record<string, unknown>).x_fork_field).toEqual({ nested: ['kept', 1] });
  });

  it('rejects a body of another event, with a readable issue on `event`', () => {
    const other = event === 'message_created' ? 'message_updated' : 'message_created';
    const result = normaliseEvent(other, wire(real()));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.some((i) => i.path === 'event')).toBe(true);
    expect(checkKeys(other, wire(real())).ok).toBe(false);
  });
});

describe('conversation events', () => {
  it('keeps unknown fields at every depth', () => {
    const payload = conversationPayload({
      overrides: {
        meta: { x_meta: 1, assignee: { x_assignee: 2 } },
        contact_inbox: { x_ci: 3 },
        additional_attributes: { x_add: 4 },
      },
      assignee: 'agent',
    });
    (payload.messages as Record<string, unknown>[])[0]!.x_msg = 5;
    const out = normalised('conversation_created', payload) as ConversationEvent;
    expect(out.conversation.meta).toMatchObject({ x_meta: 1, hmac_verified: false });
    expect(out.conversation.assignee).toMatchObject({ x_assignee: 2, type: 'user', id: story.agentId });
    expect(out.conversation.contact_inbox).toMatchObject({ x_ci: 3, pubsub_token: expect.any(String) });
    expect(out.conversation.additional_attributes).toMatchObject({ x_add: 4, browser_language: 'ja' });
    expect(out.conversation.messages[0]).toMatchObject({ x_msg: 5, sentiment: {}, sender_type: 'Contact' });
  });

  it('reads account_id from account.id, else account_id, else messages[].account_id, else null', () => {
    expect(normalised('conversation_created', conversationPayload()).account_id).toBe(1);
    const older = conversationPayload({ withAccount: false });
    expect(normalised('conversation_created', older).conversation.account_id).toBe(1);
    const bare = conversationPayload({ withAccount: false, messages: [] });
    expect(normalised('conversation_created', bare).account_id).toBeNull();
    expect(normalised('conversation_created', { ...bare, account_id: 9 }).account_id).toBe(9);
    expect(
      normalised('conversation_created', { ...bare, account: { id: 8, name: 'X' }, account_id: 9 })
        .account_id,
    ).toBe(8);
  });

  it('reads 0 as never, the float updated_at as microseconds, ISO snoozed_until', () => {
    const c = normalised(
      'conversation_updated',
      conversationPayload({ event: 'conversation_updated', status: 'snoozed' }),
    ).conversation;
    expect(c.agent_last_seen_at).toBeNull();
    expect(c.waiting_since).toBeNull(); // 0 when not open
    expect(c.updated_at).toBe('2026-03-02T09:14:31.655Z');
    expect(c.updated_at_us).toBe((story.t0 + 1) * 1_000_000 + 655_123);
    expect(c.snoozed_until).toBe(t(1 + 86_400));
    expect(c.created_at).toBe(t(0));
  });

  it('normalises a user assignee without email, an agent bot, a team, and null', () => {
    const agent = normalised(
      'conversation_updated',
      conversationPayload({ event: 'conversation_updated', team: true }),
    );
    expect(agent.conversation.assignee).toMatchObject({ type: 'user', id: story.agentId, email: null });
    expect(agent.conversation.team).toMatchObject({ id: story.teamId, name: story.teamName });
    const bot = normalised(
      'conversation_updated',
      conversationPayload({ event: 'conversation_updated', assignee: 'bot' }),
    );
    expect(bot.conversation.assignee).toMatchObject({ type: 'agent_bot', id: story.botId });
    const none = normalised(
      'conversation_created',
      conversationPayload({ overrides: { meta: { assignee: '' } } }),
    );
    expect(none.conversation.assignee).toBeNull();
    expect(
      normalised('conversation_created', conversationPayload({ overrides: { meta: null } })).conversation
        .contact,
    ).toBeNull();
  });

  it('flattens changed_attributes; null (older senders) and absent stay null', () => {
    const updated = normalised(
      'conversation_updated',
      conversationPayload({ event: 'conversation_updated' }),
    );
    expect(updated.changed_attributes).toEqual([
      { attribute: 'assignee_id', previous_value: null, current_value: story.agentId },
      { attribute: 'updated_at', previous_value: t(0), current_value: t(1) },
    ]);
    const status = normalised(
      'conversation_status_changed',
      conversationPayload({ event: 'conversation_status_changed' }),
    );
    expect(status.changed_attributes).toEqual([
      { attribute: 'status', previous_value: 'open', current_value: 'resolved' },
    ]);
    expect(status.conversation.status).toBe('resolved');
    const older = conversationPayload({ event: 'conversation_updated', changedAttributes: null });
    expect(normalised('conversation_updated', older).changed_attributes).toBeNull();
    expect(normalised('conversation_created', conversationPayload()).changed_attributes).toBeNull();
  });

  it('normalises the JS Date.toString() initiated_at and keeps labels, priority, custom attributes', () => {
    const c = normalised(
      'conversation_created',
      conversationPayload({ labels: ['vip', 'billing'], priority: 'high' }),
    ).conversation;
    expect(c.additional_attributes.initiated_at).toEqual({ timestamp: t(0) });
    expect(c.labels).toEqual(['vip', 'billing']);
    expect(c.priority).toBe('high');
    expect(c.custom_attributes).toEqual({ order_id: '1234' });
  });

  it('quarantines a conversation id "abc" with a readable issue', () => {
    const result = normaliseEvent(
      'conversation_created',
      wire(conversationPayload({ overrides: { id: 'abc' } })),
    );
    expect(result).toMatchObject({
      ok: false,
      issues: [
        {
          path: 'id',
          expected: 'number',
          received: '"abc"',
          message: expect.stringContaining('Invalid type'),
        },
      ],
    });
    expect(
      checkKeys('conversation_created', wire(conversationPayload({ overrides: { id: 'abc' } }))),
    ).toMatchObject({
      ok: false,
      issues: [{ path: 'id' }],
    });
  });

  it('points at nested misfits: messages[0].message_type and contact_inbox.source_id', () => {
    const payload = conversationPayload();
    (payload.messages as Record<string, unknown>[])[0]!.message_type = 'shout';
    const result = normaliseEvent('conversation_created', wire(payload));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain('messages[0].message_type');
    const sourceId = conversationPayload({ overrides: { contact_inbox: { source_id: 123 } } });
    const keys = checkKeys('conversation_created', wire(sourceId));
    expect(keys.ok).toBe(false);
    if (!keys.ok) expect(keys.issues.map((i) => i.path)).toContain('contact_inbox.source_id');
  });
});

describe('message events', () => {
  it('accepts null content, a null sender and no attachments key (a template)', () => {
    const payload = messagePayload({ content: null, sender: null, messageType: 'outgoing' });
    expect(payload).not.toHaveProperty('attachments');
    const out = normalised('message_created', payload);
    expect(out.message).toMatchObject({
      content: null,
      sender: null,
      attachments: [],
      message_type: 'outgoing',
    });
    const template = normalised('message_created', messagePayload({ messageType: 'template' }));
    expect(template.message).toMatchObject({ message_type: 'template', sender: null });
  });

  it('normalises attachments, and a contact sender without type into type contact', () => {
    const out = normalised('message_created', messagePayload({ content: null, attachments: 2 }));
    expect(out.message.attachments).toHaveLength(2);
    expect(out.message.attachments[0]).toMatchObject({
      id: 901,
      message_id: 1001,
      file_type: 'image',
      width: null,
    });
    expect(out.message.sender).toMatchObject({
      type: 'contact',
      id: story.contactId,
      email: story.contactEmail,
    });
    const agent = normalised('message_created', messagePayload({ messageType: 'outgoing', sender: 'agent' }));
    expect(agent.message.sender).toMatchObject({ type: 'user', id: story.agentId, email: story.agentEmail });
    const bot = normalised('message_created', messagePayload({ messageType: 'outgoing', sender: 'bot' }));
    expect(bot.message.sender).toMatchObject({ type: 'agent_bot', id: story.botId, email: null });
  });

  it('keeps a sender type we do not model (a Captain assistant) instead of quarantining the message', () => {
    const payload = {
      ...messagePayload({ messageType: 'outgoing' }),
      sender: { id: 5, name: 'Captain', avatar_url: '', type: 'captain_assistant' },
    };
    expect(checkKeys('message_created', payload).ok).toBe(true);
    const out = normalised('message_created', payload);
    expect(out.message.sender).toMatchObject({ type: 'captain_assistant', id: 5, name: 'Captain' });
  });

  it('maps message_type 0..3 and the strings to incoming/outgoing/activity/template', () => {
    const names = ['incoming', 'outgoing', 'activity', 'template'] as const;
    names.forEach((name, n) => {
      for (const raw of [n, name]) {
        const out = normalised(
          'message_created',
          messagePayload({ shape: 'doc', overrides: { message_type: raw } }),
        );
        expect(out.message.message_type).toBe(name);
      }
    });
    expect(
      normaliseEvent('message_created', wire(messagePayload({ overrides: { message_type: 4 } }))).ok,
    ).toBe(false);
    expect(
      normaliseEvent('message_created', wire(messagePayload({ overrides: { message_type: '0' } }))).ok,
    ).toBe(false);
  });

  it('keeps a private note, and a delete as content_attributes.deleted', () => {
    const note = normalised(
      'message_created',
      messagePayload({ private: true, messageType: 'outgoing', content: 'refund ok' }),
    );
    expect(note.message).toMatchObject({ private: true, message_type: 'outgoing' });
    expect(note.conversation?.messages).toEqual([]);
    const deleted = normalised(
      'message_updated',
      messagePayload({ event: 'message_updated', deleted: true }),
    );
    expect(deleted.message).toMatchObject({
      content: 'This message was deleted',
      content_attributes: { deleted: true },
    });
  });

  it('takes conversation_id from the nested display_id or id, and the status only from snapshots', () => {
    const out = normalised('message_updated', messagePayload({ event: 'message_updated', status: 'read' }));
    expect(out.message.conversation_id).toBe(story.conversationId);
    expect(out.message.status).toBeNull();
    expect(out.conversation?.messages[0]).toMatchObject({ status: 'read', updated_at: t(1) });
    const display = messagePayload({ overrides: { conversation: { id: 5501, display_id: 7 } } });
    expect(normalised('message_created', display)).toMatchObject({
      message: { conversation_id: 7 },
      conversation: { id: 7 },
    });
    expect(
      normalised('message_created', messagePayload({ overrides: { conversation: null } })),
    ).toMatchObject({
      conversation: null,
      message: { conversation_id: null, account_id: 1, inbox_id: 1 },
    });
  });

  it('keeps source ids, identifiers and phone numbers that look numeric as strings', () => {
    const out = normalised(
      'message_created',
      messagePayload({
        sourceId: '00123',
        conversation: { sourceId: '000042' },
        overrides: { sender: { identifier: '00123', phone_number: '0123456789' } },
      }),
    );
    expect(out.message.source_id).toBe('00123');
    expect(out.conversation?.contact_inbox?.source_id).toBe('000042');
    expect(out.message.sender).toMatchObject({ identifier: '00123', phone_number: '0123456789' });
    const numeric = normaliseEvent(
      'message_created',
      wire(messagePayload({ overrides: { source_id: 123 } })),
    );
    expect(numeric).toMatchObject({ ok: false, issues: [{ path: 'source_id' }] });
  });

  it('quarantines a message without id with a readable issue', () => {
    const payload = wire(messagePayload({ overrides: { id: undefined } }));
    for (const result of [
      normaliseEvent('message_created', payload),
      checkKeys('message_created', payload),
    ]) {
      expect(result).toMatchObject({
        ok: false,
        issues: [{ path: 'id', message: expect.stringMatching(/Invalid key/) }],
      });
    }
    const nested = wire(messagePayload({ overrides: { conversation: { id: 'seven' } } }));
    expect(normaliseEvent('message_created', nested)).toMatchObject({
      ok: false,
      issues: [{ path: 'conversation.id' }],
    });
  });

  it('handles the ~450 KB body', async () => {
    const { largeMessagePayload, LARGE_CONTENT_LENGTH } = await import('#fixtures/payloads.ts');
    const raw = chatwootJson(largeMessagePayload());
    expect(Buffer.byteLength(raw)).toBeGreaterThan(440_000);
    const out = normaliseEvent('message_created', JSON.parse(raw));
    expect(out.ok && (out.value as MessageEvent).message.content?.length).toBe(LARGE_CONTENT_LENGTH);
  });
});

describe('contact events', () => {
  it('normalises a real contact: no type, blank avatar → null, account folded into account_id', () => {
    const out = normalised(
      'contact_updated',
      contactPayload({ event: 'contact_updated', overrides: { avatar: '' } }),
    ) as ContactEvent;
    expect(out.contact).toMatchObject({
      id: story.contactId,
      avatar: 'https://acme.example/avatars/42.png', // from thumbnail
      identifier: '00123',
      account_id: 1,
      blocked: false,
    });
    expect(out.contact).not.toHaveProperty('account');
    expect(out.changed_attributes?.map((c) => c.attribute)).toEqual(['last_activity_at', 'updated_at']);
    const bare = normalised(
      'contact_created',
      contactPayload({ overrides: { account: undefined, avatar: '', thumbnail: '' } }),
    );
    expect(bare).toMatchObject({
      account_id: null,
      account: null,
      contact: { avatar: null, thumbnail: null },
    });
  });
});

describe('webwidget_triggered', () => {
  it('keeps the contact_inbox id apart from the contact id; current_conversation may be null', () => {
    const first = normalised('webwidget_triggered', webwidgetPayload()) as WidgetTriggeredEvent;
    expect(first).toMatchObject({
      contact_inbox_id: story.contactInboxId,
      contact: { id: story.contactId },
      current_conversation: null,
    });
    expect(first.event_info.initiated_at).toEqual({ timestamp: t(0) });
    expect(first.event_info).toMatchObject({ browser_language: 'ja', widget_language: null });
    const returning = normalised('webwidget_triggered', webwidgetPayload({ currentConversation: true }));
    expect(returning.current_conversation).toMatchObject({ id: story.conversationId, account_id: 1 });
  });
});
