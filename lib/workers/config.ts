import { getEnvVariable, getIntegerSetting } from '../config.ts';

/** Worker settings, read once at cold start by the handlers (serverless.yml sets them). */
export interface WorkerConfig {
  tableName: string;
  /** Days the raw archive keeps an event (DynamoDB TTL). */
  rawArchiveTtlDays: number;
}

export const DEFAULT_RAW_EVENT_TTL_DAYS = 90;

export const readWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerConfig => ({
  tableName: getEnvVariable('TABLE_NAME', env),
  rawArchiveTtlDays: getIntegerSetting('RAW_EVENT_TTL_DAYS', DEFAULT_RAW_EVENT_TTL_DAYS, env),
});
