import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '#lib/events/envelope.ts';
import type { Actor, Contact, Message } from '#lib/schemas/types.ts';
import { contactWrite, getContact } from '#lib/store/contact.ts';
import { getInbox, inboxWrite } from '#lib/store/inbox.ts';
import { getMessage, messageContentWrite } from '#lib/store/message.ts';
import {
  getRawEvent,
  listQuarantinedEvents,
  listRawEvents,
  rawEventEnvelope,
  rawEventWrite,
} from '#lib/store/raw-event.ts';
import { getTeam, teamWrite } from '#lib/store/team.ts';
import { getUser, userWrite } from '#lib/store/user.ts';
import { entityVersion, isoToMicros, messageVersion } from '#lib/store/version.ts';
import { executeWrites, type StoreDeps } from '#lib/store/write.ts';
import { freshStack } from '#test/support/stack.ts';
import { freshTable } from '#test/workers/support.ts';

/** Entity modules on their own, with typed objects of lib/schemas/types.ts (no payloads, no workers). */

const contact = (overrides: Partial<Contact> = {}): Contact => ({
  id: 42,
  name: 'Aiko Tanaka',
  email: 'aiko@example.jp',
  phone_number: '+819012345678',
  identifier: '00123',
  avatar: null,
  thumbnail: null,
  blocked: false,
  additional_attributes: {},
  custom_attributes: { plan: 'gold' },
  last_activity_at: null,
  created_at: '2026-03-02T09:00:00.000Z',
  account_id: 1,
  ...overrides,
});

const agent: Actor = { type: 'user', id: 3, name: 'Ken Sato', email: 'ken@acme.example' };

const message = (overrides: Partial<Message> = {}): Message => ({
  id: 1001,
  account_id: 1,
  inbox_id: 1,
  conversation_id: 7,
  content: 'hello',
  message_type: 'incoming',
  content_type: 'text',
  content_attributes: {},
  private: false,
  status: null,
  source_id: '00042',
  sender: agent,
  attachments: [],
  created_at: '2026-03-02T09:14:31.655Z',
  updated_at: null,
  ...overrides,
});

const envelope = (n: number, event = 'message_created', accountId: number | null = 1): Envelope => ({
  eventId: `raw-${n}`,
  event,
  source: 'acme',
  receivedAt: new Date(Date.UTC(2026, 2, 2, 9, 0, n)).toISOString(),
  senderTimestamp: null,
  accountId,
  rawBody: JSON.stringify({ event, n }),
});

describe('entity modules against DynamoDB Local', () => {
  let deps: StoreDeps;
  beforeAll(async () => {
    const { dynamodb } = await freshStack();
    deps = { dynamodb, tableName: await freshTable(dynamodb) };
  });

  it('versions order by time, then by content, and equal content is equal', () => {
    expect(entityVersion(2, { a: 1 }) > entityVersion(1, { a: 2 })).toBe(true);
    expect(entityVersion(1, { a: 1, b: 2 })).toBe(entityVersion(1, { b: 2, a: 1 }));
    expect(messageVersion('update', 1, {}) > messageVersion('create', 9e15, {})).toBe(true);
    expect(messageVersion('delete', 1, {}) > messageVersion('update', 9e15, {})).toBe(true);
    expect(isoToMicros('2026-03-02T09:14:31.655Z')).toBe(Date.parse('2026-03-02T09:14:31.655Z') * 1000);
  });

  it('contacts: the newer version wins whatever the order, identifiers stay strings', async () => {
    await executeWrites(deps, [contactWrite(1, contact({ name: 'New' }), 2_000)]);
    const outcome = await executeWrites(deps, [contactWrite(1, contact({ name: 'Old' }), 1_000)]);
    expect(outcome.superseded).toBe(1);
    expect(await getContact(deps, { accountId: 1, contactId: 42 })).toMatchObject({
      name: 'New',
      identifier: '00123',
    });
    expect(await getContact(deps, { accountId: 1, contactId: 43 })).toBeNull();
  });

  it('users, agent bots, teams and inboxes are upserted and read back', async () => {
    await executeWrites(deps, [
      userWrite(1, agent, 1)!,
      userWrite(1, { type: 'agent_bot', id: 5, name: 'Helper', email: null }, 1)!,
      teamWrite(1, { id: 2, name: 'Support' }, 1),
      inboxWrite(1, { id: 1, name: 'Website' }, 1),
    ]);
    expect(userWrite(1, { type: 'contact', id: 42, name: null, email: null }, 1)).toBeNull();
    expect(await getUser(deps, { accountId: 1, userId: 3 })).toMatchObject({
      name: 'Ken Sato',
      email: 'ken@acme.example',
    });
    expect(await getUser(deps, { accountId: 1, userId: 5, type: 'agent_bot' })).toMatchObject({
      name: 'Helper',
    });
    expect(await getTeam(deps, { accountId: 1, teamId: 2 })).toMatchObject({ name: 'Support' });
    expect(await getInbox(deps, { accountId: 1, inboxId: 1 })).toMatchObject({ name: 'Website' });
  });

  it('a large message is stored gzipped and read back whole', async () => {
    const content = '長いメッセージ。'.repeat(20_000);
    const outcome = await executeWrites(deps, [
      messageContentWrite(1, 7, message({ id: 1002, content }), { kind: 'create' }),
    ]);
    expect(outcome.writeUnits).toBeLessThan(10);
    const stored = await getMessage(deps, { accountId: 1, conversationId: 7, messageId: 1002 });
    expect(stored?.content).toBe(content);
    expect(stored?.source_id).toBe('00042');
    expect(stored?.content_truncated).toBeUndefined();
  });

  it('raw events: by id (gzipped past the threshold), by account and time, by name, quarantined', async () => {
    const big = {
      ...envelope(50),
      rawBody: JSON.stringify({ event: 'message_created', text: 'x'.repeat(50_000) }),
    };
    await executeWrites(deps, [
      ...[1, 2, 3, 4].flatMap((n) =>
        rawEventWrite({ envelope: envelope(n), accountId: 1, outcome: 'handled', ttlDays: 7 }),
      ),
      ...rawEventWrite({
        envelope: envelope(5, 'conversation_typing_on'),
        accountId: 1,
        outcome: 'archived',
        ttlDays: 7,
      }),
      ...rawEventWrite({
        envelope: envelope(6),
        accountId: 1,
        outcome: 'quarantined',
        issues: '[]',
        ttlDays: 7,
      }),
      ...rawEventWrite({ envelope: envelope(7), accountId: 2, outcome: 'handled', ttlDays: 7 }),
      ...rawEventWrite({ envelope: big, accountId: 1, outcome: 'handled', ttlDays: 7 }),
    ]);
    const raw = await getRawEvent(deps, { eventId: 'raw-50' });
    expect(raw?.body).toBe(big.rawBody);
    expect(raw?.expires_at).toBe(Date.parse(big.receivedAt) / 1000 + 7 * 86_400);
    expect(rawEventEnvelope(raw!)).toEqual(big);
    expect(await getRawEvent(deps, { eventId: 'nope' })).toBeNull();

    const newestFirst = await listRawEvents(deps, { accountId: 1, limit: 3 });
    expect(newestFirst.map((e) => e.event_id)).toEqual(['raw-50', 'raw-6', 'raw-5']);
    const since = await listRawEvents(deps, { accountId: 1, since: envelope(3).receivedAt, limit: 2 });
    expect(since.map((e) => e.event_id)).toEqual(['raw-3', 'raw-4']);
    const typing = await listRawEvents(deps, { accountId: 1, event: 'conversation_typing_on' });
    expect(typing).toEqual([
      expect.objectContaining({ event_id: 'raw-5', outcome: 'archived', source: 'acme', account_id: 1 }),
    ]);
    expect((await listRawEvents(deps, { accountId: 2 })).map((e) => e.event_id)).toEqual(['raw-7']);
    expect((await listQuarantinedEvents(deps, { accountId: 1 })).map((e) => e.event_id)).toEqual(['raw-6']);
  });

  it('raw events: a body too large for one item even gzipped is split over parts and read back whole', async () => {
    // Incompressible text: ~900 KB of random base64 gzips to ~680 KB, over one item's 400 KB.
    const noise = randomBytes(675_000).toString('base64');
    const huge = { ...envelope(60), rawBody: JSON.stringify({ event: 'message_created', noise }) };
    const writes = rawEventWrite({
      envelope: huge,
      accountId: 1,
      outcome: 'quarantined',
      issues: '[]',
      ttlDays: 7,
    });
    expect(writes.map((w) => w.item.sk)).toEqual(['EVENT', 'BODY#001', 'BODY#002']);
    await executeWrites(deps, writes);
    const raw = await getRawEvent(deps, { eventId: 'raw-60' });
    expect(raw?.body).toBe(huge.rawBody);
    expect(raw?.body_omitted).toBe(false);
    expect((await listQuarantinedEvents(deps, { accountId: 1 })).map((e) => e.event_id)).toContain('raw-60');
  });
});
