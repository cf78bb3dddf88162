import * as v from 'valibot';
import { ConfigError } from '../errors.ts';

export interface SweeperSettings {
  queueUrlPrefix: string;
  tableName: string;
  /** Records per run; the next scheduled run continues. */
  maxRecords: number;
}

const EnvSchema = v.object({
  QUEUE_URL_PREFIX: v.pipe(v.string('is not set'), v.url('must be a URL prefix')),
  TABLE_NAME: v.pipe(v.string('is not set'), v.minLength(3, 'is too short')),
  SWEEP_MAX_RECORDS: v.optional(
    v.pipe(v.string(), v.regex(/^[1-9][0-9]{0,5}$/, 'must be 1-999999'), v.transform(Number)),
  ),
});

/** Validates the sweeper's environment once at start-up; throws ConfigError naming bad variables. */
export const readSweeperSettings = (env: NodeJS.ProcessEnv): SweeperSettings => {
  const parsed = v.safeParse(EnvSchema, env);
  if (!parsed.success)
    throw new ConfigError(
      `sweeper configuration is invalid: ${parsed.issues.map((i) => `${v.getDotPath(i) ?? '?'} ${i.message}`).join('; ')}`,
    );
  return {
    queueUrlPrefix: parsed.output.QUEUE_URL_PREFIX,
    tableName: parsed.output.TABLE_NAME,
    maxRecords: parsed.output.SWEEP_MAX_RECORDS ?? 500,
  };
};
