import { describe, expect, it } from 'vitest';
import { jsDateString, story } from '#fixtures/payloads.ts';
import { toIsoTime, toMicros } from '#lib/schemas/time.ts';

const iso = '2026-03-02T09:14:31.000Z';
const unix = Date.parse(iso) / 1000;

describe('toIsoTime', () => {
  it.each([
    ['unix seconds', unix, iso],
    ['float seconds with microseconds', unix + 0.655123, '2026-03-02T09:14:31.655Z'],
    ['ISO with ms', '2026-03-02T09:14:31.655Z', '2026-03-02T09:14:31.655Z'],
    ['ISO with µs', '2026-03-02T09:14:31.655123Z', '2026-03-02T09:14:31.655Z'],
    ['ISO with an offset', '2026-03-02T18:14:31+09:00', iso],
    ['JS Date.toString()', 'Mon Mar 02 2026 10:14:31 GMT+0100 (Central European Standard Time)', iso],
    ['numeric string', String(unix), iso],
  ])('%s', (_name, input, expected) => {
    expect(toIsoTime(input)).toBe(expected);
  });

  it.each([
    ['0 (never)', 0],
    ['"0"', '0'],
    ['empty string', ''],
    ['blank string', '  '],
    ['null', null],
    ['undefined', undefined],
    ['garbage', 'not a time'],
    ['negative', -5],
    ['NaN', Number.NaN],
    ['beyond the Date range', 1e20],
    ['an object', { seconds: unix }],
  ])('%s reads as null', (_name, input) => {
    expect(toIsoTime(input)).toBeNull();
  });

  it('agrees with the fixtures’ Date.toString() formatter for other offsets', () => {
    expect(toIsoTime(jsDateString(story.t0, -300, 'Eastern Standard Time'))).toBe(
      new Date(story.t0 * 1000).toISOString(),
    );
    expect(toIsoTime(jsDateString(story.t0, 540, 'Japan Standard Time'))).toBe(
      new Date(story.t0 * 1000).toISOString(),
    );
  });
});

describe('toMicros', () => {
  it('keeps the microseconds of a float, an ISO string and an integer', () => {
    expect(toMicros(unix + 0.655123)).toBe(unix * 1e6 + 655_123);
    expect(toMicros('2026-03-02T09:14:31.655123Z')).toBe(unix * 1e6 + 655_123);
    expect(toMicros('2026-03-02T09:14:31.655Z')).toBe(unix * 1e6 + 655_000);
    expect(toMicros(unix)).toBe(unix * 1e6);
    expect(toMicros(`${unix}.5`)).toBe(unix * 1e6 + 500_000);
  });

  it('orders two updates a microsecond apart', () => {
    expect(toMicros(unix + 0.000002)! - toMicros(unix + 0.000001)!).toBe(1);
  });

  it.each([0, '', null, undefined, 'nope', -1, 1e20])('%s reads as null', (input) => {
    expect(toMicros(input)).toBeNull();
  });
});
