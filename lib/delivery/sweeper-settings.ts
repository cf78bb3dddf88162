import { QUEUE_URL_PREFIX, SWEEP_MAX_RECORDS, TABLE_NAME } from '#contracts/env.ts';
import { DEFAULT_SWEEP_MAX_RECORDS } from '#contracts/limits.ts';
import { readSettings } from '#lib/config.ts';

export interface SweeperSettings {
  queueUrlPrefix: string;
  tableName: string;
  /** Records per run; the next scheduled run continues. */
  maxRecords: number;
}

/** Validates the sweeper's environment once at start-up; throws ConfigError naming bad variables. */
export const readSweeperSettings = (env: NodeJS.ProcessEnv): SweeperSettings =>
  readSettings(env, 'sweeper', (read) => ({
    queueUrlPrefix: read.urlPrefix(QUEUE_URL_PREFIX),
    tableName: read.required(TABLE_NAME, 3),
    maxRecords: read.wholeNumber(SWEEP_MAX_RECORDS, 1, 999_999) ?? DEFAULT_SWEEP_MAX_RECORDS,
  }));
