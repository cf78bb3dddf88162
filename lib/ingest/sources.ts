import { ConfigError } from '#lib/errors.ts';

/**
 * Configured senders (`/webhooks/{source}`). `WEBHOOK_SECRETS` (or the SSM parameter that holds the
 * same JSON on AWS) maps a source name to one of:
 * - `"s3cret"`: one signing secret;
 * - `["new", "old"]`: several secrets, any of which verifies (zero-downtime rotation);
 * - `{ "secrets": [...], "token": "..." | [...], "accountId": 1 }`: the full form. `token` enables
 *   the URL-token mode (`?token=...`) for senders that cannot sign (automation rules, macros);
 *   `accountId` is the account used when a payload names none. `secret` is accepted as an alias.
 */
export interface SourceConfig {
  secrets: readonly string[];
  tokens: readonly string[];
  accountId: number | null;
}

export type Sources = ReadonlyMap<string, SourceConfig>;

/** URL path segment rules: keeps names safe in logs, metrics dimensions and message attributes. */
const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** A URL token is the whole credential, so it must be long enough not to be guessed. */
const MIN_TOKEN_LENGTH = 16;
// `api` (the Chatwoot API access for backfill and repair) is read by lib/reconcile/api-config.ts.
const FULL_FORM_KEYS = new Set(['secrets', 'secret', 'token', 'accountId', 'api']);

// Validated by hand rather than with valibot: this runs in the ingest's cold start, where loading
// valibot measurably costs milliseconds (npm run bench, budget a). Messages name paths, never values.

/** One string or a non-empty list of strings, each passing `valid`; problems are pushed, not thrown. */
const stringList = (
  value: unknown,
  path: string,
  valid: (item: string) => string | null,
  problems: string[],
): string[] => {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (items === null || items.length === 0) {
    problems.push(`${path}: expected a string or a non-empty list of strings`);
    return [];
  }
  items.forEach((item, index) => {
    const problem = typeof item === 'string' ? valid(item) : 'expected a string';
    if (problem !== null) problems.push(`${Array.isArray(value) ? `${path}.${index}` : path}: ${problem}`);
  });
  return items.filter((item): item is string => typeof item === 'string');
};

const secretProblem = (secret: string): string | null =>
  secret === '' ? 'a secret must not be empty' : null;
const tokenProblem = (token: string): string | null =>
  token.length < MIN_TOKEN_LENGTH ? `a token must be at least ${MIN_TOKEN_LENGTH} characters` : null;

const sourceEntry = (name: string, entry: unknown, problems: string[]): SourceConfig => {
  if (typeof entry === 'string' || Array.isArray(entry))
    return { secrets: stringList(entry, name, secretProblem, problems), tokens: [], accountId: null };
  if (typeof entry !== 'object' || entry === null) {
    problems.push(`${name}: expected a secret, a list of secrets or {secrets, token, accountId}`);
    return { secrets: [], tokens: [], accountId: null };
  }
  const full = entry as Record<string, unknown>;
  for (const key of Object.keys(full))
    if (!FULL_FORM_KEYS.has(key)) problems.push(`${name}.${key}: unknown key`);
  const list = (key: string, valid: (item: string) => string | null): string[] =>
    full[key] === undefined ? [] : stringList(full[key], `${name}.${key}`, valid, problems);
  const accountId = full.accountId;
  if (accountId !== undefined && !(Number.isInteger(accountId) && (accountId as number) >= 1))
    problems.push(`${name}.accountId: expected a whole number of at least 1`);
  return {
    secrets: [...list('secrets', secretProblem), ...list('secret', secretProblem)],
    tokens: list('token', tokenProblem),
    accountId: typeof accountId === 'number' ? accountId : null,
  };
};

/** The secrets JSON as an object of sources, or a ConfigError that never echoes its text. */
export const parseSecretsObject = (json: string): Record<string, unknown> => {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ConfigError('webhook secrets are not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError('webhook secrets must be a JSON object such as {"acme":"s3cret"}');
  return raw as Record<string, unknown>;
};

/**
 * Parses and validates the sources JSON. Throws ConfigError (naming the offending source, never a
 * secret) so a broken configuration fails the cold start loudly instead of answering 401s.
 */
export const parseSources = (json: string): Sources => {
  const raw = parseSecretsObject(json);
  const problems: string[] = [];
  const sources = new Map<string, SourceConfig>();
  for (const [name, entry] of Object.entries(raw)) {
    if (!SOURCE_NAME.test(name)) {
      problems.push(`${JSON.stringify(name)}: source names are 1-64 letters, digits, "-" or "_"`);
      continue;
    }
    const config = sourceEntry(name, entry, problems);
    if (config.secrets.length === 0 && config.tokens.length === 0)
      problems.push(`${name}: has neither a secret nor a token`);
    sources.set(name, config);
  }
  if (problems.length > 0) throw new ConfigError(`webhook secrets are invalid: ${problems.join('; ')}`);
  if (sources.size === 0) throw new ConfigError('webhook secrets name no source');
  return sources;
};
