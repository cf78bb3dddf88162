import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { handledEventNames } from '#contracts/routes.ts';
import { handledPayload } from '#fixtures/payloads.ts';
import { accountIdOfPayload } from '#lib/events/account.ts';
import { checkKeys, eventRegistry, normaliseEvent, type ValidationResult } from '#lib/events/registry.ts';
import { keyRules as rulesOf } from '#lib/schemas/keys.ts';
import { mutate, pathsOf } from './helpers.ts';

const keyRules = {
  conversation_created: rulesOf('conversation_created'),
  conversation_updated: rulesOf('conversation_updated'),
  conversation_status_changed: rulesOf('conversation_status_changed'),
  message_created: rulesOf('message_created'),
  message_updated: rulesOf('message_updated'),
  webwidget_triggered: rulesOf('webwidget_triggered'),
  contact_created: rulesOf('contact_created'),
  contact_updated: rulesOf('contact_updated'),
};

const isWellFormed = (result: ValidationResult<unknown>): boolean =>
  result.ok ||
  (result.issues.length > 0 && result.issues.every((i) => typeof i.path === 'string' && i.message !== ''));

/** A fixture of either shape with one random node replaced by random JSON, or deleted. */
const mutatedFixture = fc
  .record({
    event: fc.constantFrom(...handledEventNames),
    shape: fc.constantFrom('doc' as const, 'real' as const),
    pick: fc.nat(),
    replacement: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  })
  .map(({ event, shape, pick, replacement }) => {
    const base = JSON.parse(JSON.stringify(handledPayload(event, { shape }))) as unknown;
    const paths = pathsOf(base);
    return { event, payload: mutate(base, paths[pick % paths.length]!, replacement) };
  });

describe('normalisation never throws', () => {
  it('on arbitrary JSON, for every event', () => {
    fc.assert(
      fc.property(fc.constantFrom(...handledEventNames), fc.jsonValue(), (event, payload) => {
        expect(isWellFormed(normaliseEvent(event, payload))).toBe(true);
        expect(isWellFormed(checkKeys(event, payload))).toBe(true);
        accountIdOfPayload(payload);
      }),
      { numRuns: 500 },
    );
  });

  it('on objects that name the event and carry random fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...handledEventNames),
        fc.dictionary(
          fc.constantFrom(
            'id',
            'account',
            'conversation',
            'messages',
            'meta',
            'sender',
            'contact',
            'created_at',
            'message_type',
            'changed_attributes',
            'x',
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        (event, fields) => {
          const payload = { ...fields, event };
          expect(isWellFormed(normaliseEvent(event, payload))).toBe(true);
          expect(isWellFormed(checkKeys(event, payload))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on fixtures with one node mutated; and whatever the full schema accepts, the key check accepts', () => {
    fc.assert(
      fc.property(mutatedFixture, ({ event, payload }) => {
        const full = normaliseEvent(event, payload);
        expect(isWellFormed(full)).toBe(true);
        if (full.ok) expect(checkKeys(event, payload).ok).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('the compiled key predicate', () => {
  it('agrees with its valibot key schema, on mutated fixtures', () => {
    fc.assert(
      fc.property(mutatedFixture, ({ event, payload }) => {
        const rules = keyRules[event];
        expect(rules.check(payload)).toBe(v.is(rules.schema, payload));
        expect(checkKeys(event, payload).ok).toBe(v.is(eventRegistry[event].keySchema, payload));
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees with its valibot key schema, on random bodies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...handledEventNames), fc.jsonValue(), (event, payload) => {
        expect(keyRules[event].check(payload)).toBe(v.is(keyRules[event].schema, payload));
      }),
      { numRuns: 300 },
    );
  });
});
