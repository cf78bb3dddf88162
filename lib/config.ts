import { ConfigError } from './errors.ts';

/** Reads a required environment variable once, at start-up; throws ConfigError when it is missing. */
export const getEnvVariable = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`environment variable ${name} is not set`);
  return value;
};

/** An optional positive integer setting, with its default. */
export const getIntegerSetting = (
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  return parsed;
};
