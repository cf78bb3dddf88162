import { ConfigError } from './errors.ts';

/**
 * The one way settings are read, by the ingest, the spillover sweeper and the workers alike:
 * `readSettings(env, 'ingest', (read) => ({ ... }))`, called once at start-up by the edge with
 * `process.env`. Every problem is collected and thrown as one ConfigError that names the variables
 * (never their values), so a broken deploy fails its first start loudly and says all that is wrong.
 *
 * Why hand-written and not valibot: the ingest reads its settings during INIT, where loading
 * valibot measurably costs cold-start milliseconds (npm run bench, budget a), and settings need only
 * four rules (set, URL prefix, length, whole number in a range). The same small reader for every
 * function keeps one set of messages and one behaviour (an empty variable counts as unset).
 */
export interface SettingsReader {
  /** An optional text setting; `minLength` is checked when it is set. */
  text(name: string, minLength?: number): string | undefined;
  /** A required text setting (a problem when unset; then `''`). */
  required(name: string, minLength?: number): string;
  /** A required URL prefix (e.g. QUEUE_URL_PREFIX). */
  urlPrefix(name: string): string;
  /** An optional whole number within [min, max]. */
  wholeNumber(name: string, min: number, max: number): number | undefined;
  /** A problem no single rule sees (e.g. two settings that add up to too much). */
  problem(message: string): void;
}

export const readSettings = <T>(
  env: NodeJS.ProcessEnv,
  what: string,
  build: (read: SettingsReader) => T,
): T => {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const reader: SettingsReader = {
    text(name, minLength = 0) {
      const value = raw(name);
      if (value !== undefined && value.length < minLength) problems.push(`${name} is too short`);
      return value;
    },
    required(name, minLength = 0) {
      const value = reader.text(name, minLength);
      if (value === undefined) problems.push(`${name} is not set`);
      return value ?? '';
    },
    urlPrefix(name) {
      const value = raw(name);
      if (value === undefined) problems.push(`${name} is not set`);
      else if (!URL.canParse(value)) problems.push(`${name} must be a URL prefix`);
      return value ?? '';
    },
    wholeNumber(name, min, max) {
      const value = raw(name);
      if (value === undefined) return undefined;
      if (!/^[0-9]+$/.test(value)) {
        problems.push(`${name} must be a whole number`);
        return undefined;
      }
      const parsed = Number(value);
      if (parsed < min) problems.push(`${name} must be at least ${min}`);
      else if (parsed > max) problems.push(`${name} must be at most ${max}`);
      return parsed;
    },
    problem(message) {
      problems.push(message);
    },
  };
  const settings = build(reader);
  if (problems.length > 0) throw new ConfigError(`${what} configuration is invalid: ${problems.join('; ')}`);
  return settings;
};
