import { ConfigError } from '#lib/errors.ts';
import { parseSecretsObject } from '#lib/ingest/sources.ts';

/**
 * The Chatwoot Application API access of a source, from the same secrets JSON as its webhook
 * secrets (lib/ingest/sources.ts): `{"acme":{"secrets":[...],"api":{"url":"https://chat.example.com",
 * "token":"...","accountId":1}}}`. The token is the `api_access_token` of a user (Profile settings →
 * Access Token); it is held in an `ApiToken` that never prints itself.
 */

/** A secret that stays out of logs: `String()`, JSON and `util.inspect` all show `[redacted]`. */
export class ApiToken {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The header value; the only way to read the token. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

export interface ApiConfig {
  /** Base URL of the installation, without a trailing slash: `https://chat.example.com`. */
  url: string;
  token: ApiToken;
  accountId: number;
}

const API_KEYS = new Set(['url', 'token', 'accountId']);

const apiEntry = (name: string, raw: unknown, problems: string[]): ApiConfig | null => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${name}.api: expected {url, token, accountId}`);
    return null;
  }
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry))
    if (!API_KEYS.has(key)) problems.push(`${name}.api.${key}: unknown key`);
  let url: URL | null = null;
  try {
    url = typeof entry.url === 'string' ? new URL(entry.url) : null;
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    problems.push(`${name}.api.url: expected an http(s) URL`);
  else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    problems.push(`${name}.api.url: expected a base URL with no query, fragment or credentials`);
  if (typeof entry.token !== 'string' || entry.token.trim() === '')
    problems.push(`${name}.api.token: expected a non-empty string`);
  if (!(Number.isInteger(entry.accountId) && (entry.accountId as number) >= 1))
    problems.push(`${name}.api.accountId: expected a whole number of at least 1`);
  if (problems.length > 0 || url === null) return null;
  return {
    url: url.href.replace(/\/+$/, ''),
    token: new ApiToken(entry.token as string),
    accountId: entry.accountId as number,
  };
};

/**
 * The API access of every source that has one. Throws ConfigError naming the source and the key,
 * never a value, so a broken configuration fails loudly without printing the token.
 */
export const parseApiSources = (json: string): ReadonlyMap<string, ApiConfig> => {
  const raw = parseSecretsObject(json);
  const problems: string[] = [];
  const apis = new Map<string, ApiConfig>();
  for (const [name, entry] of Object.entries(raw)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    const api = (entry as Record<string, unknown>).api;
    if (api === undefined) continue;
    const config = apiEntry(name, api, problems);
    if (config !== null) apis.set(name, config);
  }
  if (problems.length > 0) throw new ConfigError(`API access is invalid: ${problems.join('; ')}`);
  return apis;
};

/** The API access of one source, or a ConfigError saying which source has none. */
export const apiConfigOf = (json: string, source: string): ApiConfig => {
  const config = parseApiSources(json).get(source);
  if (config === undefined)
    throw new ConfigError(`source ${JSON.stringify(source)} has no "api" entry in the webhook secrets`);
  return config;
};
