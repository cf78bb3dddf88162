import { describe, expect, it } from 'vitest';
import {
  automationPayload,
  chatwootJson,
  jsDateString,
  largeMessagePayload,
  messagePayload,
  specialCharsPayload,
  story,
  typingPayload,
  unknownPayload,
} from '#fixtures/payloads.ts';

describe('fixtures', () => {
  it('serialise like Ruby to_json: <>& escaped, emoji/CJK/Arabic raw, round-trips', () => {
    const payload = specialCharsPayload();
    const raw = chatwootJson(payload);
    expect(raw).toContain('Is \\u003cb\\u003e5 \\u003e 3\\u003c/b\\u003e \\u0026\\u0026');
    expect(raw).toContain('☕ 注文 مرحبا');
    expect(raw).not.toMatch(/[<>&]/);
    expect(JSON.parse(raw)).toEqual(payload);
  });

  it('build a ~450 KB message_created with the 150 000-char content three times', () => {
    const raw = chatwootJson(largeMessagePayload());
    expect(Buffer.byteLength(raw)).toBeGreaterThan(450_000);
    expect(Buffer.byteLength(raw)).toBeLessThan(470_000);
    const body = JSON.parse(raw);
    expect(body.content).toHaveLength(150_000);
    expect(body.conversation.messages[0].content).toBe(body.content);
    expect(body.conversation.messages[0].processed_message_content).toBe(body.content);
  });

  it('shape real messages as the wire does: string type + ISO at top, integer + unix in messages[]', () => {
    const real = messagePayload();
    expect(real).toMatchObject({ message_type: 'incoming', created_at: '2026-03-02T09:14:31.000Z' });
    expect(real).not.toHaveProperty('attachments');
    expect((real.sender as object) ?? {}).not.toHaveProperty('type');
    const nested = (real.conversation as { messages: Record<string, unknown>[] }).messages[0]!;
    expect(nested).toMatchObject({
      message_type: 0,
      created_at: story.t0 + 1,
      updated_at: '2026-03-02T09:14:31.000Z',
    });
    expect(Object.keys(real.conversation as object)).not.toContain('account_id');
    const keys = Object.keys(messagePayload({ shape: 'doc' }));
    expect(keys).toContain('message_type');
    expect(messagePayload({ shape: 'doc' }).message_type).toBe(0);
  });

  it('deep-merge overrides and delete keys set to undefined', () => {
    const body = messagePayload({ overrides: { id: undefined, conversation: { status: 'resolved' } } });
    expect(body).not.toHaveProperty('id');
    expect(body).toMatchObject({ conversation: { status: 'resolved', id: story.conversationId } });
  });

  it('cover the events we archive', () => {
    expect(typingPayload()).toMatchObject({
      event: 'conversation_typing_on',
      is_private: false,
      user: { type: 'user' },
    });
    expect(automationPayload().event).toBe('automation_event.conversation_updated');
    expect(unknownPayload().event).toBe('acme_fork_custom_event');
  });

  it('print Date#toString() independently of the machine TZ', () => {
    expect(jsDateString(story.t0)).toBe('Mon Mar 02 2026 10:14:30 GMT+0100 (Central European Standard Time)');
    expect(jsDateString(story.t0, -300, 'Eastern Standard Time')).toBe(
      'Mon Mar 02 2026 04:14:30 GMT-0500 (Eastern Standard Time)',
    );
  });
});
