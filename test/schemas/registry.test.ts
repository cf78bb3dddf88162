import { describe, expect, it } from 'vitest';
import { handledEventNames, routeOfEvent } from '#contracts/routes.ts';
import {
  automationPayload,
  contactPayload,
  conversationPayload,
  handledPayload,
  messagePayload,
  typingPayload,
  unknownPayload,
  webwidgetPayload,
} from '#fixtures/payloads.ts';
import { accountIdOfPayload } from '#lib/events/account.ts';
import { eventRegistry, formatIssues, type ReadableIssue } from '#lib/events/registry.ts';

describe('eventRegistry', () => {
  it('has one entry per handled event, on its route', () => {
    expect(Object.keys(eventRegistry).sort()).toEqual([...handledEventNames].sort());
    for (const name of handledEventNames) {
      expect(eventRegistry[name]).toMatchObject({ event: name, route: routeOfEvent(name) });
    }
  });
});

describe('formatIssues', () => {
  const issue = (n: number): ReadableIssue => ({
    path: `messages[${n}].id`,
    message: 'Invalid type: Expected number but received "x"',
    expected: 'number',
    received: '"x"',
  });

  it('is compact, parseable JSON', () => {
    const text = formatIssues([issue(0)]);
    expect(JSON.parse(text)).toEqual([issue(0)]);
    expect(text).not.toMatch(/\n/);
  });

  it('stays within maxBytes and says how many issues it left out', () => {
    const issues = Array.from({ length: 500 }, (_, n) => issue(n));
    for (const max of [8192, 1000, 200, 120]) {
      const text = formatIssues(issues, max);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
      const parsed = JSON.parse(text) as ReadableIssue[];
      const last = parsed[parsed.length - 1]!;
      expect(last.message).toBe(`${500 - (parsed.length - 1)} more issues omitted`);
    }
    expect(formatIssues(issues, 10)).toBe('[]');
  });

  it('clips huge and multi-byte fields without breaking the JSON', () => {
    const big: ReadableIssue = {
      path: 'content',
      message: '注'.repeat(10_000),
      received: `"${'😀'.repeat(5000)}"`,
    };
    const text = formatIssues([big, big, big], 2048);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    expect(() => JSON.parse(text)).not.toThrow();
    expect((JSON.parse(text) as ReadableIssue[])[0]!.message.length).toBeLessThan(400);
  });
});

describe('accountIdOfPayload', () => {
  it.each([
    ['real conversation (account last)', conversationPayload()],
    ['doc conversation (account_id)', conversationPayload({ shape: 'doc' })],
    ['older conversation (messages[].account_id only)', conversationPayload({ withAccount: false })],
    ['message', messagePayload()],
    ['contact', contactPayload()],
    ['widget', webwidgetPayload()],
    ['typing', typingPayload()],
    ['automation', automationPayload()],
    ['unknown event', unknownPayload()],
  ])('finds account 1 in a %s', (_name, payload) => {
    expect(accountIdOfPayload(JSON.parse(JSON.stringify(payload)))).toBe(1);
  });

  it('finds it in every handled fixture of both shapes', () => {
    for (const event of handledEventNames)
      for (const shape of ['doc', 'real'] as const)
        expect(accountIdOfPayload(handledPayload(event, { shape }))).toBe(1);
  });

  it('falls through to nested places and accepts integers only', () => {
    expect(
      accountIdOfPayload({ event: 'x', current_conversation: { messages: [{}, { account_id: 4 }] } }),
    ).toBe(4);
    expect(accountIdOfPayload({ event: 'x', contact: { account: { id: 5 } } })).toBe(5);
    expect(
      accountIdOfPayload({ event: 'x', account: { id: '1' }, account_id: 2.5, user: { account_id: 6 } }),
    ).toBe(6);
    expect(accountIdOfPayload({ event: 'x', account: { id: '1' } })).toBeNull();
    expect(accountIdOfPayload([{ account_id: 1 }])).toBeNull();
    expect(accountIdOfPayload(null)).toBeNull();
    expect(accountIdOfPayload('{"account_id":1}')).toBeNull();
  });
});
