import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handledEventNames } from '#contracts/routes.ts';
import { accountIdOfPayload } from '#lib/events/account.ts';
import { checkKeys, normaliseEvent } from '#lib/events/registry.ts';

const load = (event: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', `${event}.json`), 'utf8'));

describe.each(handledEventNames)('examples/%s.json', (event) => {
  it('is a valid real-shaped payload of the story (account 1, contact 42, conversation 7)', () => {
    const payload = load(event);
    expect(payload.event).toBe(event);
    expect(checkKeys(event, payload).ok).toBe(true);
    expect(accountIdOfPayload(payload)).toBe(1);
    const result = normaliseEvent(event, payload);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const value = result.value as unknown as Record<string, { id?: number; contact?: { id: number } } | null>;
    expect(result.value.account_id).toBe(1);
    if ('conversation' in value && value.conversation) {
      expect(value.conversation.id).toBe(7);
      expect(value.conversation.contact?.id).toBe(42);
    }
    if ('contact' in value) expect(value.contact?.id).toBe(42);
    // Real shape: no account_id on conversations, string message_type at the top level.
    expect(payload).not.toHaveProperty('account_id');
    if (event.startsWith('message')) expect(typeof payload.message_type).toBe('string');
  });
});
