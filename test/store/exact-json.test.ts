import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactJsonOf, freeFormSpans, parseBody, parseExactJson } from '#lib/schemas/exact-json.ts';
import { toRecord } from '#lib/schemas/records.ts';
import { freeFormText, packFreeForm, readChangedAttributes, readRecord } from '#lib/store/free-form.ts';

/** The exact-text extractor behind free-form storage (lib/schemas/exact-json.ts, lib/store/free-form.ts). */

const deepArrays = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObjects = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('exact JSON text of free-form values', () => {
  it('slices each free-form value byte for byte, at any depth, with big numbers and proto keys', () => {
    const bag =
      '{ "id" : 18446744073709551616, "__proto__": {"deleted": true}, "x": 1e308, "s": "a\\"}b\\\\" }';
    const body = `{"event":"message_created","conversation":{"messages":[{"id":1,"content_attributes":${bag}}]},"content_attributes":[ 1 , 2 ]}`;
    const payload = parseBody(body) as {
      content_attributes: unknown[];
      conversation: { messages: { content_attributes: object }[] };
    };
    const nested = payload.conversation.messages[0]!.content_attributes;
    expect(exactJsonOf(nested)).toBe(bag);
    expect(exactJsonOf(payload.content_attributes)).toBe('[ 1 , 2 ]');
    // JSON.parse made `__proto__` an own key; the prototype is untouched.
    expect(Object.keys(nested)).toContain('__proto__');
    expect((nested as { deleted?: unknown }).deleted).toBeUndefined();
  });

  it('decodes escaped keys and, like JSON.parse, takes the last of duplicate keys', () => {
    const body =
      '{"custom_attributes":{"a":1},"conversation":{"custom_attributes":{"old":1}},"conversation":{"custom\\u005fattributes":{"new":2}}}';
    const payload = parseBody(body) as {
      custom_attributes: object;
      conversation: { custom_attributes: object };
    };
    expect(exactJsonOf(payload.custom_attributes)).toBe('{"a":1}');
    expect(exactJsonOf(payload.conversation.custom_attributes)).toBe('{"new":2}');
  });

  it('takes 100,000 levels of nesting without recursion', () => {
    for (const deep of [deepArrays(100_000), deepObjects(100_000)]) {
      const body = `{"event":"x","content_attributes":{"deep":${deep}}}`;
      const payload = parseBody(body) as { content_attributes: object };
      expect(exactJsonOf(payload.content_attributes)).toBe(`{"deep":${deep}}`);
      expect(freeFormSpans(`{"a":${deep},"event_info":{}}`).map((s) => s.path)).toEqual([['event_info']]);
    }
  });

  it('finds every embedded free-form value exactly, whatever the surrounding JSON (property)', () => {
    fc.assert(
      fc.property(fc.json(), fc.jsonValue(), fc.constantFrom('', ' ', '\n\t'), (bagText, other, ws) => {
        const body = `{${ws}"a"${ws}:${ws}${JSON.stringify(other)}${ws},${ws}"custom_attributes"${ws}:${ws}${bagText}${ws},"z":[${JSON.stringify(other)}]}`;
        const payload = parseBody(body) as { custom_attributes: unknown };
        const bag = payload.custom_attributes;
        if (typeof bag === 'object' && bag !== null) expect(exactJsonOf(bag)).toBe(bagText);
        expect(freeFormSpans(body).map((s) => body.slice(s.start, s.end))).toEqual([bagText]);
      }),
      { numRuns: 300 },
    );
  });

  it('reads stored text back as objects, with big numbers exact through JSON.stringify', () => {
    const text = '{"n":18446744073709551616,"inf":1e400,"f":0.5,"__proto__":null}';
    const value = parseExactJson(text) as Record<string, unknown>;
    expect(JSON.stringify(value)).toBe(text);
    expect(value.f).toBe(0.5);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    // Too deep for the reviver: a plain parse, values intact.
    expect(Array.isArray(parseExactJson(deepArrays(50_000)))).toBe(true);
  });

  it('packs large text gzipped and reads every stored form back (text, gzip, legacy map)', () => {
    const small = '{"a":1}';
    const large = JSON.stringify({ notes: 'x'.repeat(5000) });
    expect(packFreeForm(small)).toBe(small);
    const packed = packFreeForm(large);
    expect(packed).toBeInstanceOf(Uint8Array);
    expect(readRecord(packed)).toEqual(JSON.parse(large));
    expect(readRecord(small)).toEqual({ a: 1 });
    expect(readRecord({ legacy: true })).toEqual({ legacy: true });
    expect(readRecord(undefined)).toEqual({});
    // A JSON-object string bag keeps the string's contents as its exact text.
    const fromString = toRecord('{"n":18446744073709551616}');
    expect(freeFormText(fromString)).toBe('{"n":18446744073709551616}');
  });

  it('reads changed_attributes back flattened, proto keys included', () => {
    const text =
      '[{"status":{"previous_value":"open","current_value":"resolved"}},{"__proto__":{"current_value":1}}]';
    expect(readChangedAttributes(text)).toEqual([
      { attribute: 'status', previous_value: 'open', current_value: 'resolved' },
      { attribute: '__proto__', previous_value: null, current_value: 1 },
    ]);
    const legacy = [{ attribute: 'status', previous_value: 'open', current_value: 'snoozed' }];
    expect(readChangedAttributes(legacy)).toEqual(legacy);
  });
});
