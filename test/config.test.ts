import { describe, expect, it } from 'vitest';
import { readSettings } from '#lib/config.ts';
import { readSweeperSettings } from '#lib/delivery/sweeper-settings.ts';
import { ConfigError } from '#lib/errors.ts';
import { readWorkerConfig } from '#lib/workers/config.ts';

describe('readSettings, the one settings reader', () => {
  it('collects every problem into one ConfigError that names variables, never values', () => {
    const read = () =>
      readSettings({ A: 'secret-value', B: '', C: '12x', D: 'not a url' }, 'demo', (r) => ({
        a: r.wholeNumber('A', 1, 2),
        b: r.required('B'),
        c: r.wholeNumber('C', 0, 100),
        d: r.urlPrefix('D'),
      }));
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      'demo configuration is invalid: A must be a whole number; B is not set; C must be a whole number; D must be a URL prefix',
    );
    expect(read).not.toThrow(/secret-value/);
  });

  it('returns what the builder made when every setting is fine', () => {
    expect(
      readSettings({ N: '7', T: 'abc' }, 'demo', (r) => [r.wholeNumber('N', 1, 9), r.required('T', 3)]),
    ).toEqual([7, 'abc']);
  });

  it('reads the sweeper and the workers the same way', () => {
    expect(readSweeperSettings({ QUEUE_URL_PREFIX: 'https://q/p-', TABLE_NAME: 'tbl' })).toEqual({
      queueUrlPrefix: 'https://q/p-',
      tableName: 'tbl',
      maxRecords: 500,
    });
    expect(() =>
      readSweeperSettings({ QUEUE_URL_PREFIX: 'https://q/p-', TABLE_NAME: 'tbl', SWEEP_MAX_RECORDS: '0' }),
    ).toThrow(/sweeper configuration is invalid: SWEEP_MAX_RECORDS must be at least 1/);
    expect(readWorkerConfig({ TABLE_NAME: 'tbl' })).toEqual({ tableName: 'tbl', rawArchiveTtlDays: 90 });
    expect(() => readWorkerConfig({ TABLE_NAME: 'tbl', RAW_EVENT_TTL_DAYS: '-3' })).toThrow(
      /RAW_EVENT_TTL_DAYS/,
    );
    expect(() => readWorkerConfig({})).toThrow(/TABLE_NAME is not set/);
  });
});
