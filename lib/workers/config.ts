import { RAW_EVENT_TTL_DAYS, TABLE_NAME } from '#contracts/env.ts';
import { DEFAULT_RAW_EVENT_TTL_DAYS } from '#contracts/limits.ts';
import { readSettings } from '#lib/config.ts';

/** Worker settings, read once at cold start by the handlers (serverless.yml sets them). */
export interface WorkerConfig {
  tableName: string;
  /** Days the raw archive keeps an event (DynamoDB TTL). */
  rawArchiveTtlDays: number;
}

/** Validates a worker's environment (lib/config.ts's one settings reader); throws ConfigError. */
export const readWorkerConfig = (env: NodeJS.ProcessEnv): WorkerConfig =>
  readSettings(env, 'worker', (read) => ({
    tableName: read.required(TABLE_NAME),
    rawArchiveTtlDays: read.wholeNumber(RAW_EVENT_TTL_DAYS, 1, 36_500) ?? DEFAULT_RAW_EVENT_TTL_DAYS,
  }));
